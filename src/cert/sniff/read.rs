//! Reading a received file, bounded by the configured size limit.

use std::io::Read;
use std::path::Path;

use super::SniffError;
use crate::fsutil::{open_regular, Links};

/// Reads a file, refusing before reading it all when it is larger than
/// `limit` bytes, and refusing without waiting anything that is not a
/// regular file once open (a named pipe, a device such as `/dev/zero`, a
/// socket, a folder): "not a regular file: a named pipe".
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, SniffError> {
    let unreadable = |e: std::io::Error| SniffError::Unreadable(e.to_string());
    // The operator names the file: a link to it is followed.
    let (file, meta) = open_regular(path, Links::Follow).map_err(unreadable)?;
    if meta.len() > limit {
        return Err(SniffError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the two calls: never read past the limit.
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(unreadable)?;
    if buf.len() as u64 > limit {
        return Err(SniffError::TooLarge {
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}
