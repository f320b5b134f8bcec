//! The value encoding: one version byte, then JSON.
//!
//! JSON because a damaged store should still be readable by a person with a
//! hex dump, and because the backup format is JSON too; the version byte lets a
//! later release change the encoding and still read old values. Bytes this
//! release does not understand are an error naming the tree and key, never a
//! panic.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::StoreError;

/// The encoding version written by this release.
pub const VALUE_VERSION: u8 = 1;

/// Encodes a value.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![VALUE_VERSION];
    // Serialising our own plain structs to a Vec cannot fail: no maps with
    // non-string keys, no I/O.
    serde_json::to_writer(&mut out, value).expect("serialising a record to memory");
    out
}

/// Decodes a value read from `tree` at `key`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], tree: &str, key: &[u8]) -> Result<T, StoreError> {
    let fail = |reason: String| StoreError::Decode {
        tree: tree.to_owned(),
        key: String::from_utf8_lossy(key).escape_debug().to_string(),
        reason,
    };
    match bytes.split_first() {
        None => Err(fail("empty value".into())),
        Some((&VALUE_VERSION, rest)) => serde_json::from_slice(rest).map_err(|e| fail(e.to_string())),
        Some((v, _)) => Err(fail(format!(
            "value encoding version {v}, this vigie reads version {VALUE_VERSION}: a newer vigie wrote this store"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let bytes = encode(&vec![1u32, 2, 3]);
        assert_eq!(bytes[0], VALUE_VERSION);
        let back: Vec<u32> = decode(&bytes, "t", b"k").unwrap();
        assert_eq!(back, vec![1, 2, 3]);
        assert!(decode::<Vec<u32>>(&[], "t", b"k").is_err());
        assert!(decode::<Vec<u32>>(&[9, b'[', b']'], "t", b"k").is_err());
        let err = decode::<Vec<u32>>(&[1, 0xff, 0x00], "desks", b"k")
            .unwrap_err()
            .to_string();
        assert!(err.contains("desks"), "{err}");
    }
}
