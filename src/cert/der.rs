//! A tolerant BER/DER reader: just enough to tell what a blob of ASN.1 is
//! (private key, PKCS#12, public key…) and to walk PKCS#7 bundles written in
//! BER with indefinite lengths, which the `cms` crate (DER only) refuses.

/// One element: its tag byte, its content and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The identifier octet (multi-byte tags are reported as their first byte).
    pub tag: u8,
    /// The content octets (for an indefinite length: up to the end-of-contents).
    pub content: &'a [u8],
    /// Tag, length and content.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Whether the element is constructed.
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// The children of a constructed element.
    pub fn children(&self) -> Result<Vec<Tlv<'a>>, DerError> {
        let mut out = Vec::new();
        let mut rest = self.content;
        while !rest.is_empty() {
            if rest.starts_with(&[0, 0]) {
                break;
            }
            let (t, r) = read_tlv(rest)?;
            out.push(t);
            rest = r;
        }
        Ok(out)
    }
}

/// Malformed ASN.1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed ASN.1 at byte {0}")]
pub struct DerError(pub usize);

/// Nesting beyond this is refused: real files never come close, and a
/// crafted one must not exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Reads one element; returns it and what follows.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), DerError> {
    read_at_depth(input, 0)
}

fn read_at_depth(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), DerError> {
    if depth > MAX_DEPTH {
        return Err(DerError(0));
    }
    let tag = *input.first().ok_or(DerError(0))?;
    let mut pos = 1;
    if tag & 0x1f == 0x1f {
        // High tag number: skip its continuation bytes.
        loop {
            let b = *input.get(pos).ok_or(DerError(pos))?;
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let first = *input.get(pos).ok_or(DerError(pos))?;
    pos += 1;
    if first == 0x80 {
        // Indefinite length: children until end-of-contents (00 00).
        if tag & 0x20 == 0 {
            return Err(DerError(pos));
        }
        let start = pos;
        let mut rest = &input[pos..];
        loop {
            if rest.starts_with(&[0, 0]) {
                let end = input.len() - rest.len();
                let t = Tlv {
                    tag,
                    content: &input[start..end],
                    raw: &input[..end + 2],
                };
                return Ok((t, &rest[2..]));
            }
            let (_, r) = read_at_depth(rest, depth + 1)?;
            rest = r;
        }
    }
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n > 8 {
            return Err(DerError(pos));
        }
        let mut len = 0usize;
        for _ in 0..n {
            let b = *input.get(pos).ok_or(DerError(pos))?;
            len = len.checked_mul(256).ok_or(DerError(pos))? | b as usize;
            pos += 1;
        }
        len
    };
    let end = pos.checked_add(len).ok_or(DerError(pos))?;
    if end > input.len() {
        return Err(DerError(pos));
    }
    Ok((
        Tlv {
            tag,
            content: &input[pos..end],
            raw: &input[..end],
        },
        &input[end..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite_lengths() {
        let (t, rest) = read_tlv(&[0x30, 0x03, 0x02, 0x01, 0x05, 0xff]).unwrap();
        assert_eq!(t.content, &[0x02, 0x01, 0x05]);
        assert_eq!(rest, &[0xff]);
        let (t, rest) = read_tlv(&[0x30, 0x80, 0x02, 0x01, 0x05, 0, 0]).unwrap();
        assert_eq!(t.children().unwrap().len(), 1);
        assert!(rest.is_empty());
        assert!(read_tlv(&[0x30, 0x05, 0x01]).is_err());
        assert!(read_tlv(&[]).is_err());
        // Deep nesting of indefinite lengths does not overflow the stack.
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 10_000)
            .flatten()
            .collect();
        assert!(read_tlv(&deep).is_err());
    }
}
