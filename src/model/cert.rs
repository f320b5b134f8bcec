//! What the store keeps of an accepted certificate.

use serde::{Deserialize, Serialize};

use super::{DeskId, Instant, PushState, Sha256};

/// An accepted certificate, attributed to one desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertRecord {
    /// SHA-256 of the leaf's DER: its identity.
    pub sha256: Sha256,
    /// The desk it belongs to.
    pub desk: DeskId,
    /// Subject DN, RFC 4514 order as x509-parser prints it.
    pub subject: String,
    /// Issuer DN: the CA the desk must contact to renew.
    pub issuer: String,
    /// Serial, lower-case hex of the INTEGER's content octets.
    pub serial: String,
    /// Start of validity.
    pub not_before: Instant,
    /// End of validity.
    pub not_after: Instant,
    /// The leaf, DER.
    #[serde(with = "b64")]
    pub der: Vec<u8>,
    /// The file as received, byte for byte.
    #[serde(with = "b64")]
    pub original: Vec<u8>,
    /// The name of the file it came from.
    pub source: String,
    /// Other certificates that came with it (chain), DER.
    #[serde(default, with = "b64_vec")]
    pub chain: Vec<Vec<u8>>,
    /// When it was accepted.
    pub ingested_at: Instant,
    /// Who accepted it.
    pub ingested_by: String,
    /// Warnings raised at intake.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// What most readers need of a certificate: everything but its bytes. Kept
/// beside each desk's current certificate so that status, planning and
/// metrics over 100,000 desks never decode a certificate's DER.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertSummary {
    /// SHA-256 of the leaf's DER.
    pub sha256: Sha256,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial, lower-case hex.
    pub serial: String,
    /// Start of validity.
    #[serde(with = "crate::model::instant::stored")]
    pub not_before: Instant,
    /// End of validity.
    #[serde(with = "crate::model::instant::stored")]
    pub not_after: Instant,
    /// Where the push of this certificate to the national configuration
    /// stands, when one was made: a copy of its outbox job's state, kept
    /// by the store (`Tx`) so that status need not read the outbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<PushState>,
}

impl CertRecord {
    /// The record without its bytes.
    pub fn summary(&self) -> CertSummary {
        CertSummary {
            sha256: self.sha256,
            subject: self.subject.clone(),
            issuer: self.issuer.clone(),
            serial: self.serial.clone(),
            not_before: self.not_before,
            not_after: self.not_after,
            push: None,
        }
    }
}

mod b64 {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

mod b64_vec {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|b| STANDARD.encode(b)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.into_iter()
            .map(|s| STANDARD.decode(s).map_err(serde::de::Error::custom))
            .collect()
    }
}
