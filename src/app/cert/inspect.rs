//! What a file holds, whatever its shape (no store needed).

use std::path::Path;

use super::display_name;
use crate::cert::parse::CertInfo;
use crate::cert::sniff::{read_limited, sniff, SniffError};

/// One file, read, sniffed and parsed.
pub struct Inspected {
    /// The file's display name.
    pub file: String,
    /// The shape found (`der`, `pem`, `pkcs7-der`…), if any.
    pub format: Option<&'static str>,
    /// The certificates it holds, in file order.
    pub certificates: Vec<CertInfo>,
    /// The first problem met.
    pub problem: Option<SniffError>,
}

/// Reads, sniffs and parses `f`, reading at most `limit` bytes.
pub fn inspect(f: &Path, limit: u64) -> Inspected {
    let (format, certs, problem) = match read_limited(f, limit) {
        Err(e) => (None, Vec::new(), Some(e)),
        Ok(bytes) => {
            let s = sniff(&bytes);
            let mut infos = Vec::new();
            let mut problem = s.problem;
            for der in &s.certs {
                match CertInfo::from_der(der) {
                    Ok(i) => infos.push(i),
                    Err(e) => {
                        problem.get_or_insert(SniffError::Unreadable(e.0));
                    }
                }
            }
            (s.format.map(|f| f.as_str()), infos, problem)
        }
    };
    Inspected {
        file: display_name(f),
        format,
        certificates: certs,
        problem,
    }
}
