//! The certificates of a PKCS#7 bundle, DER or BER.

use super::ber::Element;

/// The certificates of a PKCS#7 SignedData, DER, in the sender's order.
/// They are taken by the BER reader, which also reads BER bundles
/// (indefinite lengths, as macOS and some Windows tools write them) and keeps
/// the file order that `cms`'s sorted SET OF loses; a bundle in which it
/// finds none is decoded with the `cms` crate, to tell an empty bundle from a
/// damaged one.
pub(super) fn pkcs7_certs(der: &[u8], kids: &[Element<'_>]) -> Option<Vec<Vec<u8>>> {
    use der::Decode;
    // Only when no certificate was found: decoding the whole bundle with
    // `cms` costs as much as reading its certificates.
    let cms_ok = || {
        cms::content_info::ContentInfo::from_der(der)
            .ok()
            .and_then(|ci| ci.content.decode_as::<cms::signed_data::SignedData>().ok())
            .is_some()
    };
    // [0] EXPLICIT SignedData { version, digestAlgorithms, encapContentInfo, [0] certificates … }
    let explicit = kids.get(1).filter(|t| t.tag == 0xa0)?;
    let sd = explicit.children()?.into_iter().next()?;
    let mut out = Vec::new();
    for part in sd.children()? {
        if part.tag == 0xa0 {
            for c in part.children()? {
                if c.tag == 0x30 && x509_parser::parse_x509_certificate(c.raw).is_ok() {
                    out.push(c.raw.to_vec());
                }
            }
        }
    }
    if out.is_empty() && !cms_ok() {
        return None;
    }
    Some(out)
}
