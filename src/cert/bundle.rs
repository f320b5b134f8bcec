//! Which certificate of a file is the desk's: the one end-entity certificate
//! among the chain that may come with it.

use super::parse::CertInfo;
use super::reason::Refusal;

/// The index of the leaf among a file's certificates.
pub fn pick_leaf(certs: &[CertInfo]) -> Result<usize, Refusal> {
    if certs.len() == 1 {
        return Ok(0);
    }
    let leaves: Vec<usize> = (0..certs.len()).filter(|&i| !certs[i].is_ca).collect();
    match leaves.len() {
        1 => Ok(leaves[0]),
        0 => Err(Refusal::CaCertificate),
        _ => {
            // Several non-CA certificates: keep those that issued none of the
            // others (a chain with a non-CA-flagged intermediate).
            let tops: Vec<usize> = leaves
                .iter()
                .copied()
                .filter(|&i| {
                    !certs
                        .iter()
                        .any(|c| c.issuer == certs[i].subject && c.sha256 != certs[i].sha256)
                })
                .collect();
            if tops.len() == 1 {
                Ok(tops[0])
            } else {
                Err(Refusal::SeveralLeaves(leaves.len()))
            }
        }
    }
}
