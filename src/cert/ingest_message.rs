//! Intake's entry points for certificates that come inside a message (mail
//! intake, DESIGN §10): the same deciding and the same writes as `cert
//! ingest`, with the message's evidence naming the desk and the message's
//! record written in the same transaction as its certificates.
//!
//! A child of `ingest` so that it reuses intake's private state and writes
//! rather than copying them.

use super::{Decision, Examined, Intake, Op, OpenJobs, Writer};
use crate::cert::bundle::pick_leaf;
use crate::cert::parse::CertInfo;
use crate::desk::DeskId;
use crate::store::{StoreError, Tx};

impl Examined {
    /// The leaf certificate the file holds, when it holds one that parsed.
    pub fn leaf(&self) -> Option<&CertInfo> {
        let infos = self.infos.as_ref().ok()?;
        pick_leaf(infos).ok().map(|i| &infos[i])
    }

    /// The file's bytes, when they were read.
    pub fn bytes(&self) -> Option<&[u8]> {
        self.bytes.as_deref().ok()
    }

    /// The problem sniffing found (a private key, not a certificate…).
    pub fn problem(&self) -> Option<&crate::cert::sniff::SniffError> {
        self.sniffed.problem.as_ref()
    }

    /// Whether sniffing found any certificate.
    pub fn has_certificates(&self) -> bool {
        !self.sniffed.certs.is_empty()
    }
}

impl Intake {
    /// The desks a certificate names by its own evidence (`cert ingest`'s
    /// attribution, strongest tier), sorted; empty when it names none.
    pub fn desks_named_by(&self, leaf: &CertInfo) -> Vec<DeskId> {
        self.index.candidates(leaf)
    }

    /// The desks whose current certificate is this one (a signature by it
    /// proves who sent the message).
    pub fn desks_with_current(&self, sha: &crate::fingerprint::Sha256) -> Vec<DeskId> {
        let mut v: Vec<DeskId> = self
            .currents
            .iter()
            .filter(|(_, c)| c.sha256 == *sha)
            .map(|(d, _)| d.clone())
            .collect();
        v.sort();
        v
    }

    /// Whether the desk is in the inventory.
    pub fn knows(&self, desk: &DeskId) -> bool {
        self.index.contains(desk)
    }

    /// [`Intake::decide`] with `desk` named as `--desk` names it: the desk
    /// the message's evidence points to, or none.
    pub fn decide_for(&mut self, e: Examined, desk: Option<DeskId>) -> Decision {
        let before = std::mem::replace(&mut self.named, desk);
        let d = self.decide(e);
        self.named = before;
        d
    }
}

/// The writes that the decisions about one message's certificates call
/// for, decided and not yet written ([`Writer::message_ops`]).
pub struct MessageOps(Vec<Op>);

impl Writer<'_> {
    /// The writes of the decisions about one message's certificates,
    /// written by [`MessageOps::apply`] in the transaction that records the
    /// message. `replied`: the message gets a reply, which tells the desk
    /// of each refusal in its thread, so no refusal alert is written (one
    /// answer is enough); without a reply (a no-reply sender, the day's
    /// limit reached, replies off) the refusal alert tells it.
    pub fn message_ops(
        &self,
        decisions: &[Decision],
        open: &mut OpenJobs,
        replied: bool,
    ) -> MessageOps {
        let mut ops = Vec::new();
        for d in decisions {
            let mut these = self.ops(d, &open.destination, &mut open.by_desk);
            // A refusal that is the team's to answer (a self-signed
            // certificate, an unknown issuer: perhaps a forgery naming the
            // desk) is never mailed to the desk; the message goes to people.
            if replied || refusal_for_people(d) {
                these.retain(|op| !matches!(op, Op::Alert(_)));
            }
            ops.extend(these);
        }
        MessageOps(ops)
    }
}

impl MessageOps {
    /// Writes them in `tx` (as [`Writer::write_batch`] writes a batch of
    /// files' decisions).
    pub fn apply(&self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        super::apply(tx, &self.0)
    }
}

/// Whether the decision is a refusal the team answers, not the desk
/// ([`crate::cert::reason::Refusal::needs_people`]).
pub fn refusal_for_people(d: &Decision) -> bool {
    matches!(&d.outcome, super::Outcome::Refused { refusal, .. } if refusal.needs_people())
}
