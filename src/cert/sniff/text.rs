//! Telling text from binary, and reading Base64 without armour.

use base64::Engine;

/// The bytes as text, if they look like text (PEM, Base64, `openssl -text`
/// output). Windows-1252 or Latin-1 comments around PEM are tolerated.
pub(super) fn as_text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    let printable = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
        .count();
    // DER almost always holds control bytes early on; text does not.
    let head_ok = bytes
        .iter()
        .take(64)
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || *b >= 0x80);
    if head_ok && printable * 100 >= bytes.len() * 95 {
        Some(String::from_utf8_lossy(bytes).into_owned())
    } else {
        None
    }
}

/// The decoded bytes of text that is nothing but Base64 (whitespace allowed).
pub(super) fn bare_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 16
        || !compact
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    {
        return None;
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let der = engine.decode(compact.as_bytes()).ok()?;
    (der.first() == Some(&0x30)).then_some(der)
}
