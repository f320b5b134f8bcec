//! The normal form (DESIGN §4): the leaf alone, PEM, label `CERTIFICATE`,
//! Base64 in 64-character lines, LF endings, one trailing newline.

use base64::Engine;

/// A PEM block with 64-character lines and LF endings.
pub fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // Base64 output is ASCII: each chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The normal form of a leaf certificate given as DER.
pub fn normal_pem(der: &[u8]) -> String {
    pem_block("CERTIFICATE", der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_64_and_one_trailing_newline() {
        let pem = normal_pem(&[0u8; 100]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
        assert!(!pem.contains('\r'));
    }
}
