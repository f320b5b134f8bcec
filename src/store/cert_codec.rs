//! The encoding of certificate records, which are most of the store's bytes.
//!
//! Version 1 (still read) is the generic one: JSON with the DER, the original
//! file and the chain in Base64. Version 2 keeps the fields a person reads as
//! JSON and appends the bytes as they are, length-prefixed, and the original
//! file only when it is not the DER itself: a third of the size, and no
//! Base64 to encode or decode.
//!
//! ```text
//! 2 | u32 json_len | json (every field but der, original, chain)
//!   | u32 der_len | der
//!   | u32 original_len | original      (u32::MAX: the original is the DER)
//!   | u32 chain_count | (u32 len | der)*
//! ```
//! Lengths are big-endian.

use serde::{Deserialize, Serialize};

use super::codec::{self, VALUE_VERSION};
use super::StoreError;
use crate::model::{CertRecord, DeskId, Instant, Sha256};

/// The version written for certificate records.
pub const CERT_VERSION: u8 = 2;

/// Marks an original identical to the DER.
const SAME_AS_DER: u32 = u32::MAX;

/// The JSON part of a version 2 record, borrowed for writing.
#[derive(Serialize)]
struct MetaRef<'a> {
    sha256: &'a Sha256,
    desk: &'a DeskId,
    subject: &'a str,
    issuer: &'a str,
    serial: &'a str,
    not_before: &'a Instant,
    not_after: &'a Instant,
    source: &'a str,
    ingested_at: &'a Instant,
    ingested_by: &'a str,
    warnings: &'a [String],
}

/// The JSON part of a version 2 record, owned for reading.
#[derive(Deserialize)]
struct Meta {
    sha256: Sha256,
    desk: DeskId,
    subject: String,
    issuer: String,
    serial: String,
    not_before: Instant,
    not_after: Instant,
    source: String,
    ingested_at: Instant,
    ingested_by: String,
    #[serde(default)]
    warnings: Vec<String>,
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    // A certificate file is capped at intake (max_file_bytes, 1 MiB by
    // default) far below 4 GiB, and so is a chain's length.
    let n = u32::try_from(n).expect("a certificate record field under 4 GiB");
    out.extend_from_slice(&n.to_be_bytes());
}

/// Encodes a certificate record (version 2).
pub fn encode_cert(rec: &CertRecord) -> Vec<u8> {
    let meta = MetaRef {
        sha256: &rec.sha256,
        desk: &rec.desk,
        subject: &rec.subject,
        issuer: &rec.issuer,
        serial: &rec.serial,
        not_before: &rec.not_before,
        not_after: &rec.not_after,
        source: &rec.source,
        ingested_at: &rec.ingested_at,
        ingested_by: &rec.ingested_by,
        warnings: &rec.warnings,
    };
    // Plain strings and numbers: serialising to memory cannot fail.
    let json = serde_json::to_vec(&meta).expect("serialising a record to memory");
    let original_len = if rec.original == rec.der {
        0
    } else {
        rec.original.len()
    };
    let chain_len: usize = rec.chain.iter().map(|c| 4 + c.len()).sum();
    let mut out =
        Vec::with_capacity(1 + 16 + json.len() + rec.der.len() + original_len + chain_len);
    out.push(CERT_VERSION);
    put_len(&mut out, json.len());
    out.extend_from_slice(&json);
    put_len(&mut out, rec.der.len());
    out.extend_from_slice(&rec.der);
    if rec.original == rec.der {
        out.extend_from_slice(&SAME_AS_DER.to_be_bytes());
    } else {
        put_len(&mut out, rec.original.len());
        out.extend_from_slice(&rec.original);
    }
    put_len(&mut out, rec.chain.len());
    for c in &rec.chain {
        put_len(&mut out, c.len());
        out.extend_from_slice(c);
    }
    out
}

/// Reads the parts of a version 2 record in order.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn u32(&mut self) -> Result<u32, String> {
        let (n, rest) = self
            .rest
            .split_first_chunk::<4>()
            .ok_or("truncated record")?;
        self.rest = rest;
        Ok(u32::from_be_bytes(*n))
    }

    fn bytes(&mut self, n: u32) -> Result<&'a [u8], String> {
        let n = n as usize;
        if self.rest.len() < n {
            return Err("truncated record".into());
        }
        let (b, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(b)
    }
}

fn decode_v2(body: &[u8]) -> Result<CertRecord, String> {
    let mut r = Reader { rest: body };
    let n = r.u32()?;
    let meta: Meta = serde_json::from_slice(r.bytes(n)?).map_err(|e| e.to_string())?;
    let n = r.u32()?;
    let der = r.bytes(n)?.to_vec();
    let original = match r.u32()? {
        SAME_AS_DER => der.clone(),
        n => r.bytes(n)?.to_vec(),
    };
    let count = r.u32()?;
    let mut chain = Vec::with_capacity(count.min(64) as usize);
    for _ in 0..count {
        let n = r.u32()?;
        chain.push(r.bytes(n)?.to_vec());
    }
    if !r.rest.is_empty() {
        return Err("bytes after the record".into());
    }
    Ok(CertRecord {
        sha256: meta.sha256,
        desk: meta.desk,
        subject: meta.subject,
        issuer: meta.issuer,
        serial: meta.serial,
        not_before: meta.not_before,
        not_after: meta.not_after,
        der,
        original,
        source: meta.source,
        chain,
        ingested_at: meta.ingested_at,
        ingested_by: meta.ingested_by,
        warnings: meta.warnings,
    })
}

/// Decodes a certificate record of either version, read from `tree` at `key`.
pub fn decode_cert(bytes: &[u8], tree: &str, key: &[u8]) -> Result<CertRecord, StoreError> {
    match bytes.split_first() {
        Some((&CERT_VERSION, body)) => decode_v2(body).map_err(|reason| StoreError::Decode {
            tree: tree.to_owned(),
            key: String::from_utf8_lossy(key).escape_debug().to_string(),
            reason,
        }),
        Some((&VALUE_VERSION, _)) | None => codec::decode(bytes, tree, key),
        Some((v, _)) => Err(StoreError::Decode {
            tree: tree.to_owned(),
            key: String::from_utf8_lossy(key).escape_debug().to_string(),
            reason: format!(
                "certificate encoding version {v}, this vigie reads versions {VALUE_VERSION} and {CERT_VERSION}: a newer vigie wrote this store"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;

    fn rec(original: Vec<u8>, chain: Vec<Vec<u8>>) -> CertRecord {
        let at = parse_instant("2027-03-01T09:00:00Z").unwrap();
        CertRecord {
            sha256: Sha256::of(b"der"),
            desk: DeskId::parse("732829320-00001").unwrap(),
            subject: "C=FR, CN=Guichet «é»".into(),
            issuer: "CN=AC".into(),
            serial: "01ab".into(),
            not_before: at,
            not_after: at,
            der: b"der bytes \x00\xff".to_vec(),
            original,
            source: "g.cer".into(),
            chain,
            ingested_at: at,
            ingested_by: "gestion".into(),
            warnings: vec!["same_key".into()],
        }
    }

    #[test]
    fn version_2_round_trips_with_or_without_original_and_chain() {
        for r in [
            rec(b"der bytes \x00\xff".to_vec(), vec![]),
            rec(b"-----BEGIN".to_vec(), vec![b"ca1".to_vec(), Vec::new()]),
            rec(Vec::new(), vec![]),
        ] {
            let bytes = encode_cert(&r);
            assert_eq!(bytes[0], CERT_VERSION);
            assert_eq!(decode_cert(&bytes, "certs", b"k").unwrap(), r);
        }
        // The original is not stored twice when it is the DER.
        let same = encode_cert(&rec(b"der bytes \x00\xff".to_vec(), vec![]));
        let other = encode_cert(&rec(b"other bytes \x00".to_vec(), vec![]));
        assert!(same.len() < other.len());
    }

    #[test]
    fn version_1_is_still_read() {
        let r = rec(b"-----BEGIN".to_vec(), vec![b"ca1".to_vec()]);
        let v1 = codec::encode(&r);
        assert_eq!(v1[0], VALUE_VERSION);
        assert_eq!(decode_cert(&v1, "certs", b"k").unwrap(), r);
    }

    #[test]
    fn damaged_or_newer_values_are_errors_not_panics() {
        let bytes = encode_cert(&rec(b"x".to_vec(), vec![b"ca".to_vec()]));
        for cut in 1..bytes.len() {
            assert!(decode_cert(&bytes[..cut], "certs", b"k").is_err(), "{cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode_cert(&extra, "certs", b"k").is_err());
        let err = decode_cert(&[9, 0], "certs", b"k").unwrap_err().to_string();
        assert!(err.contains("newer vigie"), "{err}");
        assert!(decode_cert(&[], "certs", b"k").is_err());
    }
}
