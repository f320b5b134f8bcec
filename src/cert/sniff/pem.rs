//! PEM text: its blocks, whatever the line endings and the text around.

use base64::Engine;

use super::classify::{classify, Blob};
use super::{problem, Format, SniffError, Sniffed};

/// One PEM block: its label and its Base64 body.
struct PemBlock {
    label: String,
    body: String,
}

/// Every `-----BEGIN X-----` … `-----END X-----` block, whatever the line
/// endings, with header lines (`Proc-Type:`) skipped and text around ignored.
fn pem_blocks(text: &str) -> Vec<PemBlock> {
    let mut out = Vec::new();
    let mut current: Option<PemBlock> = None;
    for line in text.split(['\n', '\r']) {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("-----BEGIN ") {
            let label = rest.trim_end_matches('-').trim().to_owned();
            current = Some(PemBlock {
                label,
                body: String::new(),
            });
        } else if l.starts_with("-----END ") {
            if let Some(b) = current.take() {
                out.push(b);
            }
        } else if let Some(b) = current.as_mut() {
            if !l.contains(':') {
                b.body.push_str(l);
            }
        }
    }
    out
}

pub(super) fn sniff_pem(text: &str) -> Sniffed {
    let mut certs = Vec::new();
    let mut from_pkcs7 = false;
    let mut key: Option<SniffError> = None;
    let mut other: Option<SniffError> = None;
    let blocks = pem_blocks(text);
    if blocks.is_empty() {
        return problem(SniffError::Unreadable(
            "a PEM block is opened but never closed".into(),
        ));
    }
    for b in blocks {
        let label = b.label.to_ascii_uppercase();
        if label.contains("PRIVATE KEY") {
            key.get_or_insert(SniffError::PrivateKey(format!("PEM «{label}»")));
            continue;
        }
        let der = match base64::engine::general_purpose::STANDARD.decode(b.body.as_bytes()) {
            Ok(d) => d,
            Err(e) => {
                other.get_or_insert(SniffError::Unreadable(format!(
                    "the PEM block «{label}» is not valid Base64 ({e})"
                )));
                continue;
            }
        };
        match label.as_str() {
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                other.get_or_insert(SniffError::Csr);
                continue;
            }
            "X509 CRL" => {
                other.get_or_insert(SniffError::Crl);
                continue;
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                other.get_or_insert(SniffError::Unrecognized("a public key alone".into()));
                continue;
            }
            _ => {}
        }
        match classify(&der) {
            Blob::Certs(c, pkcs7) => {
                from_pkcs7 |= pkcs7;
                certs.extend(c);
            }
            Blob::Problem(p) if p.is_private_key() => {
                key.get_or_insert(p);
            }
            Blob::Problem(p) => {
                other.get_or_insert(p);
            }
        }
    }
    let format = (!certs.is_empty()).then_some(if from_pkcs7 {
        Format::Pkcs7Pem
    } else {
        Format::Pem
    });
    let problem = match key {
        Some(k) => Some(k),
        None if certs.is_empty() => Some(other.unwrap_or(SniffError::Unrecognized(
            "PEM blocks without certificate".into(),
        ))),
        None => None,
    };
    Sniffed {
        format,
        certs,
        problem,
    }
}
