//! Just enough BER to look inside S/MIME blobs without trusting their
//! declared type: a ContentInfo's content type, and for signed-data the
//! number of signers and the encapsulated content. BER, not DER: Outlook
//! and `openssl cms -stream` write indefinite lengths and chunked OCTET
//! STRINGs. Depth and sizes are bounded, so a crafted blob costs nothing.

/// `pkcs7-signedData`.
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// `pkcs7-envelopedData`.
const ENVELOPED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
/// `id-ct-authEnvelopedData` (RFC 5083).
const AUTH_ENVELOPED_DATA: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
];

/// Nesting deeper than this is not a real S/MIME blob.
const MAX_DEPTH: usize = 24;

/// One element: tag octet, whether constructed, content (for indefinite
/// lengths, up to the end-of-contents), and the rest of the input.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    indefinite: bool,
}

fn read(input: &[u8], depth: usize) -> Option<(Tlv<'_>, &[u8])> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        // Multi-byte tags never occur in the structures read here.
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    if first == 0x80 {
        if tag & 0x20 == 0 {
            return None;
        }
        // Indefinite: children until the end-of-contents octets.
        let mut cursor = rest;
        loop {
            if cursor.starts_with(&[0, 0]) {
                let used = rest.len() - cursor.len();
                return Some((
                    Tlv {
                        tag,
                        content: &rest[..used],
                        indefinite: true,
                    },
                    &cursor[2..],
                ));
            }
            let (_, after) = read(cursor, depth + 1)?;
            cursor = after;
        }
    }
    let (len, rest) = if first & 0x80 == 0 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((
        Tlv {
            tag,
            content: &rest[..len],
            indefinite: false,
        },
        &rest[len..],
    ))
}

fn children(content: &[u8], depth: usize) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut cursor = content;
    while !cursor.is_empty() {
        let (t, rest) = read(cursor, depth)?;
        out.push(t);
        cursor = rest;
    }
    Some(out)
}

/// An OCTET STRING's bytes, its chunks joined when it is constructed.
fn octets(t: &Tlv<'_>, depth: usize, out: &mut Vec<u8>) -> Option<()> {
    match t.tag {
        0x04 => out.extend_from_slice(t.content),
        0x24 => {
            for c in children(t.content, depth + 1)? {
                octets(&c, depth + 1, out)?;
            }
        }
        _ => return None,
    }
    let _ = t.indefinite;
    Some(())
}

/// What an S/MIME blob is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cms {
    /// Encrypted (enveloped or auth-enveloped data): vigie cannot read it.
    Encrypted,
    /// Signed data: how many signers, and the encapsulated content (the
    /// signed message of an opaque signature), if any.
    Signed {
        /// The number of SignerInfos (0 for a certs-only bundle).
        signers: usize,
        /// The encapsulated content.
        content: Option<Vec<u8>>,
    },
}

/// Reads a ContentInfo; `None` when the bytes are not one.
pub fn content_info(bytes: &[u8]) -> Option<Cms> {
    let (ci, _) = read(bytes, 0)?;
    if ci.tag != 0x30 {
        return None;
    }
    let kids = children(ci.content, 1)?;
    let oid = kids.first().filter(|k| k.tag == 0x06)?.content;
    if oid == ENVELOPED_DATA || oid == AUTH_ENVELOPED_DATA {
        return Some(Cms::Encrypted);
    }
    if oid != SIGNED_DATA {
        return None;
    }
    let wrapper = kids.get(1).filter(|k| k.tag == 0xa0)?;
    let (sd, _) = read(wrapper.content, 2)?;
    let fields = children(sd.content, 3)?;
    // version, digestAlgorithms, encapContentInfo, [0] certs, [1] crls, signerInfos
    let encap = fields.get(2).filter(|f| f.tag == 0x30)?;
    let mut content = None;
    let encap_kids = children(encap.content, 4)?;
    if let Some(explicit) = encap_kids.get(1).filter(|k| k.tag == 0xa0) {
        let (os, _) = read(explicit.content, 5)?;
        let mut out = Vec::new();
        octets(&os, 5, &mut out)?;
        content = Some(out);
    }
    let signers = fields
        .last()
        .filter(|f| f.tag == 0x31)
        .and_then(|f| children(f.content, 4))
        .map_or(0, |s| s.len());
    Some(Cms::Signed { signers, content })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 128);
        [&[tag, content.len() as u8][..], content].concat()
    }

    #[test]
    fn der_lengths() {
        assert_eq!(der(0x31, &[7; 3]), vec![0x31, 3, 7, 7, 7]);
        let long = der(0x30, &[0; 300]);
        assert_eq!(&long[..4], &[0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(long.len(), 304);
    }

    #[test]
    fn reads_signed_and_encrypted_shapes() {
        let encap = tlv(
            0x30,
            &[tlv(0x06, &[1]), tlv(0xa0, &tlv(0x04, b"hello"))].concat(),
        );
        let sd = tlv(
            0x30,
            &[
                tlv(0x02, &[1]),
                tlv(0x31, &[]),
                encap,
                tlv(0x31, &tlv(0x30, &[])),
            ]
            .concat(),
        );
        let ci = tlv(0x30, &[tlv(0x06, SIGNED_DATA), tlv(0xa0, &sd)].concat());
        assert_eq!(
            content_info(&ci),
            Some(Cms::Signed {
                signers: 1,
                content: Some(b"hello".to_vec())
            })
        );
        let env = tlv(0x30, &[tlv(0x06, ENVELOPED_DATA), tlv(0xa0, &[])].concat());
        assert_eq!(content_info(&env), Some(Cms::Encrypted));
        assert_eq!(content_info(b"not asn.1"), None);
        // Indefinite lengths and a chunked OCTET STRING.
        let chunked = [
            &[0x24, 0x80][..],
            &tlv(0x04, b"he"),
            &tlv(0x04, b"llo"),
            &[0, 0],
        ]
        .concat();
        let encap = [
            &[0x30, 0x80][..],
            &tlv(0x06, &[1]),
            &[0xa0, 0x80],
            &chunked,
            &[0, 0, 0, 0],
        ]
        .concat();
        let sd = [
            &[0x30, 0x80][..],
            &tlv(0x02, &[1]),
            &tlv(0x31, &[]),
            &encap,
            &tlv(0x31, &[]),
            &[0, 0],
        ]
        .concat();
        let ci = [
            &[0x30, 0x80][..],
            &tlv(0x06, SIGNED_DATA),
            &[0xa0, 0x80],
            &sd,
            &[0, 0, 0, 0],
        ]
        .concat();
        assert_eq!(
            content_info(&ci),
            Some(Cms::Signed {
                signers: 0,
                content: Some(b"hello".to_vec())
            })
        );
    }
}

/// One SignerInfo, as verification needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo {
    /// The issuer's Name, DER (IssuerAndSerialNumber), if that form is used.
    pub issuer: Option<Vec<u8>>,
    /// The serial number's content octets.
    pub serial: Option<Vec<u8>>,
    /// The subject key identifier, if that form is used.
    pub ski: Option<Vec<u8>>,
    /// The digest algorithm's OID.
    pub digest: Vec<u8>,
    /// The signed attributes, re-tagged as the SET OF that was signed.
    pub signed_attrs: Option<Vec<u8>>,
    /// The messageDigest attribute's value.
    pub message_digest: Option<Vec<u8>>,
    /// The signature algorithm's OID.
    pub signature_alg: Vec<u8>,
    /// The signature.
    pub signature: Vec<u8>,
}

/// What S/MIME verification reads of a signed-data blob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedParts {
    /// The certificates carried, DER.
    pub certs: Vec<Vec<u8>>,
    /// The signers.
    pub signers: Vec<SignerInfo>,
    /// The encapsulated content (opaque signatures).
    pub content: Option<Vec<u8>>,
}

/// A definite-length DER encoding of `content` under `tag`.
pub fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// `pkcs9-messageDigest`.
const MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];

fn oid_of(t: &Tlv<'_>) -> Option<Vec<u8>> {
    // An AlgorithmIdentifier: SEQUENCE { OID, params }.
    let kids = children(t.content, 6)?;
    kids.first()
        .filter(|k| k.tag == 0x06)
        .map(|k| k.content.to_vec())
}

fn signer(t: &Tlv<'_>) -> Option<SignerInfo> {
    let f = children(t.content, 5)?;
    // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, [1]?
    let sid = f.get(1)?;
    let (mut issuer, mut serial, mut ski) = (None, None, None);
    if sid.tag == 0x30 {
        let k = children(sid.content, 6)?;
        issuer = k.first().map(|n| der(0x30, n.content));
        serial = k
            .get(1)
            .filter(|s| s.tag == 0x02)
            .map(|s| s.content.to_vec());
    } else if sid.tag == 0x80 {
        ski = Some(sid.content.to_vec());
    }
    let digest = oid_of(f.get(2)?)?;
    let mut i = 3;
    let mut signed_attrs = None;
    let mut message_digest = None;
    if f.get(i).is_some_and(|a| a.tag == 0xa0) {
        let attrs = &f[i];
        signed_attrs = Some(der(0x31, attrs.content));
        for a in children(attrs.content, 6)? {
            let k = children(a.content, 7)?;
            if k.first()
                .is_some_and(|o| o.tag == 0x06 && o.content == MESSAGE_DIGEST)
            {
                let values = children(k.get(1)?.content, 8)?;
                message_digest = values
                    .first()
                    .filter(|v| v.tag == 0x04)
                    .map(|v| v.content.to_vec());
            }
        }
        i += 1;
    }
    let signature_alg = oid_of(f.get(i)?)?;
    let signature = f.get(i + 1).filter(|s| s.tag == 0x04)?.content.to_vec();
    Some(SignerInfo {
        issuer,
        serial,
        ski,
        digest,
        signed_attrs,
        message_digest,
        signature_alg,
        signature,
    })
}

/// Reads a signed-data ContentInfo for verification; `None` when the bytes
/// are not one.
pub fn signed_parts(bytes: &[u8]) -> Option<SignedParts> {
    let (ci, _) = read(bytes, 0)?;
    let kids = children(ci.content, 1)?;
    if kids.first().filter(|k| k.tag == 0x06)?.content != SIGNED_DATA {
        return None;
    }
    let (sd, _) = read(kids.get(1).filter(|k| k.tag == 0xa0)?.content, 2)?;
    let fields = children(sd.content, 3)?;
    let mut out = SignedParts::default();
    let encap = fields.get(2).filter(|f| f.tag == 0x30)?;
    let encap_kids = children(encap.content, 4)?;
    if let Some(explicit) = encap_kids.get(1).filter(|k| k.tag == 0xa0) {
        let (os, _) = read(explicit.content, 5)?;
        let mut c = Vec::new();
        octets(&os, 5, &mut c)?;
        out.content = Some(c);
    }
    for f in &fields[3..] {
        match f.tag {
            0xa0 => {
                for c in children(f.content, 4)? {
                    if c.tag == 0x30 {
                        out.certs.push(der(0x30, c.content));
                    }
                }
            }
            0x31 => {
                for s in children(f.content, 4)? {
                    out.signers.push(signer(&s)?);
                }
            }
            _ => {}
        }
    }
    Some(out)
}
