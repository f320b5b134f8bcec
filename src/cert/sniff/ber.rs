//! The ASN.1 elements the sniffer looks at, read by asn1-rs (the reader
//! under x509-parser). It accepts BER, so PKCS#7 bundles written with
//! indefinite lengths (macOS, some Windows tools), which the `cms` crate
//! (DER only) refuses, can still be walked; its recursion limit keeps a
//! crafted file from exhausting the stack.

use x509_parser::asn1_rs::{Any, FromBer};

/// One element: its identifier octet, its content and its whole encoding.
#[derive(Debug, Clone, Copy)]
pub(super) struct Element<'a> {
    /// The identifier octet (multi-byte tags are reported as their first
    /// byte): the sniffer's tests compare it with universal and
    /// context-specific tags as they appear on the wire.
    pub tag: u8,
    /// The content octets (for an indefinite length: up to, not including,
    /// the end-of-contents).
    pub content: &'a [u8],
    /// Identifier, length and content (and end-of-contents, if any).
    pub raw: &'a [u8],
}

impl<'a> Element<'a> {
    /// The children of a constructed element, up to an end-of-contents.
    pub(super) fn children(&self) -> Option<Vec<Element<'a>>> {
        let mut out = Vec::new();
        let mut rest = self.content;
        while !rest.is_empty() {
            if rest.starts_with(&[0, 0]) {
                break;
            }
            let (e, r) = read(rest)?;
            out.push(e);
            rest = r;
        }
        Some(out)
    }
}

/// Reads one element; returns it and what follows, or `None` if the input
/// does not start with a well-formed one.
pub(super) fn read(input: &[u8]) -> Option<(Element<'_>, &[u8])> {
    let (rest, any) = Any::from_ber(input).ok()?;
    let element = Element {
        tag: *input.first()?,
        content: any.data,
        raw: &input[..input.len() - rest.len()],
    };
    Some((element, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite_lengths() {
        let (e, rest) = read(&[0x30, 0x03, 0x02, 0x01, 0x05, 0xff]).unwrap();
        assert_eq!(e.content, &[0x02, 0x01, 0x05]);
        assert_eq!(rest, &[0xff]);
        let (e, rest) = read(&[0x30, 0x80, 0x02, 0x01, 0x05, 0, 0]).unwrap();
        assert_eq!(e.children().unwrap().len(), 1);
        assert_eq!(e.raw.len(), 7);
        assert!(rest.is_empty());
        assert!(read(&[0x30, 0x05, 0x01]).is_none());
        assert!(read(&[]).is_none());
        // Deep nesting of indefinite lengths does not overflow the stack.
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 10_000)
            .flatten()
            .collect();
        assert!(read(&deep).is_none());
    }
}
