//! Attribution (DESIGN §3): which desk a certificate belongs to when none is
//! named. Evidence is taken in tiers, strongest first — the full desk id in
//! the subject or SAN; then the SIREN; then a subject DN equal to a desk's
//! current certificate's; then an rfc822 SAN equal to a desk contact — and the
//! first tier with any match decides. Exactly one desk must match.

use std::collections::{BTreeSet, HashMap};

use super::parse::CertInfo;
pub use super::reason::Evidence;
use super::reason::Refusal;
use crate::desk::{Desk, DeskId};

/// Lookup tables over the inventory, built once per command so that bulk
/// intake stays linear.
#[derive(Debug, Default)]
pub struct DeskIndex {
    ids: HashMap<String, DeskId>,
    by_siren: HashMap<String, Vec<DeskId>>,
    by_subject: HashMap<String, BTreeSet<DeskId>>,
    by_email: HashMap<String, Vec<DeskId>>,
    /// Each desk's current certificate's subject.
    subject_of: HashMap<DeskId, String>,
}

impl DeskIndex {
    /// Indexes the desks and the subjects of their current certificates.
    pub fn new<'a>(
        desks: &[Desk],
        current_subjects: impl IntoIterator<Item = (DeskId, &'a str)>,
    ) -> DeskIndex {
        let mut ix = DeskIndex::default();
        for d in desks {
            ix.ids.insert(d.id.as_str().to_owned(), d.id.clone());
            ix.by_siren
                .entry(d.id.siren().to_owned())
                .or_default()
                .push(d.id.clone());
            for e in &d.emails {
                ix.by_email
                    .entry(e.as_str().to_lowercase())
                    .or_default()
                    .push(d.id.clone());
            }
        }
        for (desk, subject) in current_subjects {
            ix.by_subject
                .entry(subject.to_owned())
                .or_default()
                .insert(desk.clone());
            ix.subject_of.insert(desk, subject.to_owned());
        }
        ix
    }

    /// Whether the desk is in the inventory.
    pub fn contains(&self, desk: &DeskId) -> bool {
        self.ids.contains_key(desk.as_str())
    }

    /// Records that a desk's current certificate changed subject.
    pub fn set_current_subject(&mut self, desk: &DeskId, old: Option<&str>, new: &str) {
        if let Some(old) = old {
            if let Some(set) = self.by_subject.get_mut(old) {
                set.remove(desk);
            }
        }
        self.by_subject
            .entry(new.to_owned())
            .or_default()
            .insert(desk.clone());
        self.subject_of.insert(desk.clone(), new.to_owned());
    }

    /// The desks of the strongest tier of evidence, sorted, narrowed by the
    /// weaker evidence when a tier names several (see [`Candidates`]).
    pub fn candidates(&self, cert: &CertInfo) -> Vec<DeskId> {
        self.weigh(cert).desks
    }

    /// The desks of the strongest tier of evidence and what named them.
    /// Among several desks of one SIREN (or one subject DN), those whose
    /// contacts include an address of the certificate (SAN or subject
    /// emailAddress) win, then those whose current certificate has the same
    /// subject (issue 14: `OU=0002 <SIREN>` alone is ambiguous for an
    /// organisation with several desks).
    pub fn weigh(&self, cert: &CertInfo) -> Candidates {
        let texts = texts(cert);
        let emails: BTreeSet<String> = cert.emails().map(str::to_lowercase).collect();
        let mut found = BTreeSet::new();
        for t in &texts {
            for id in desk_ids_in(t) {
                if let Some(d) = self.ids.get(&id) {
                    found.insert(d.clone());
                }
            }
        }
        if !found.is_empty() {
            return Candidates::of(found, Evidence::DeskId, &emails);
        }
        let mut sirens = BTreeSet::new();
        for t in &texts {
            for siren in sirens_in(t) {
                if let Some(ds) = self.by_siren.get(&siren) {
                    found.extend(ds.iter().cloned());
                    sirens.insert(siren);
                }
            }
        }
        if !found.is_empty() {
            let found = self.by_contact(found, &emails);
            let found = self.by_current_subject(found, &cert.subject);
            return Candidates::of(
                found,
                Evidence::Siren(sirens.into_iter().collect()),
                &emails,
            );
        }
        if let Some(ds) = self.by_subject.get(&cert.subject) {
            found.extend(ds.iter().cloned());
        }
        if !found.is_empty() {
            let found = self.by_contact(found, &emails);
            return Candidates::of(found, Evidence::Subject, &emails);
        }
        for e in &emails {
            if let Some(ds) = self.by_email.get(e) {
                // An address alone never hands a desk over to another
                // subject than its current certificate's (issue 18: a
                // forged certificate with only a desk's contact in it).
                found.extend(
                    ds.iter()
                        .filter(|d| self.subject_of.get(*d).is_none_or(|s| *s == cert.subject))
                        .cloned(),
                );
            }
        }
        Candidates::of(found, Evidence::Address, &emails)
    }

    /// The desks among `found` with one of `emails` as contact, if any
    /// (else `found` unchanged).
    fn by_contact(&self, found: BTreeSet<DeskId>, emails: &BTreeSet<String>) -> BTreeSet<DeskId> {
        if found.len() < 2 {
            return found;
        }
        let hit: BTreeSet<DeskId> = emails
            .iter()
            .filter_map(|e| self.by_email.get(e))
            .flatten()
            .filter(|d| found.contains(*d))
            .cloned()
            .collect();
        if hit.is_empty() {
            found
        } else {
            hit
        }
    }

    /// The desks among `found` whose current certificate has `subject`, if
    /// any (else `found` unchanged).
    fn by_current_subject(&self, found: BTreeSet<DeskId>, subject: &str) -> BTreeSet<DeskId> {
        if found.len() < 2 {
            return found;
        }
        let hit: BTreeSet<DeskId> = found
            .iter()
            .filter(|d| self.subject_of.get(*d).is_some_and(|s| s == subject))
            .cloned()
            .collect();
        if hit.is_empty() {
            found
        } else {
            hit
        }
    }

    /// The one desk a certificate belongs to. With `named` (`--desk`), that
    /// desk, unless the certificate names another: a desk id, or else a SIREN,
    /// written in it contradicts `named` whether or not that other desk is
    /// in the inventory (issue 14: `--desk` must not paper over another
    /// desk's certificate).
    pub fn attribute(&self, cert: &CertInfo, named: Option<&DeskId>) -> Result<DeskId, Refusal> {
        if let Some(d) = named {
            if !self.contains(d) {
                return Err(Refusal::UnknownDesk(d.clone()));
            }
            let texts = texts(cert);
            let ids: BTreeSet<String> = texts.iter().flat_map(|t| desk_ids_in(t)).collect();
            if !ids.is_empty() {
                return if ids.contains(d.as_str()) {
                    Ok(d.clone())
                } else {
                    Err(Refusal::DeskMismatch(d.clone(), ids.into_iter().collect()))
                };
            }
            let sirens: BTreeSet<String> = texts.iter().flat_map(|t| sirens_in(t)).collect();
            if !sirens.is_empty() && !sirens.contains(d.siren()) {
                return Err(Refusal::DeskMismatch(
                    d.clone(),
                    sirens.into_iter().map(|s| format!("SIREN {s}")).collect(),
                ));
            }
            // A subject DN or an address is no contradiction: desks of one
            // organisation share its DN and often its contacts (issue 14: a
            // false desk_mismatch between two desks sharing a DN).
            return Ok(d.clone());
        }
        let c = self.weigh(cert);
        match c.desks.len() {
            0 => Err(Refusal::NoDesk),
            1 => Ok(c.desks.into_iter().next().unwrap_or_else(|| unreachable!())),
            _ => Err(Refusal::AmbiguousDesk(c.desks, c.evidence, c.emails)),
        }
    }
}

/// What attribution found: the desks, sorted, what named them, and the
/// certificate's addresses (which did not single one out when there are
/// several desks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    /// The desks.
    pub desks: Vec<DeskId>,
    /// What named them.
    pub evidence: Evidence,
    /// The certificate's addresses, lower-cased.
    pub emails: Vec<String>,
}

impl Candidates {
    fn of(desks: BTreeSet<DeskId>, evidence: Evidence, emails: &BTreeSet<String>) -> Candidates {
        Candidates {
            desks: desks.into_iter().collect(),
            evidence,
            emails: emails.iter().cloned().collect(),
        }
    }
}

/// The texts of a certificate that may name a desk: the subject's values
/// and the subject alternative names.
fn texts(cert: &CertInfo) -> Vec<&str> {
    cert.subject_values
        .iter()
        .map(String::as_str)
        .chain(cert.san.iter().map(String::as_str))
        .collect()
}

/// Desk ids (`NNNNNNNNN-XXXXX`) written in a text, upper-cased.
pub(crate) fn desk_ids_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    if b.len() < 15 {
        return out;
    }
    for i in 0..=b.len() - 15 {
        let before_ok = i == 0 || !b[i - 1].is_ascii_digit();
        let after_ok = b.get(i + 15).is_none_or(|c| !c.is_ascii_alphanumeric());
        if before_ok
            && after_ok
            && b[i..i + 9].iter().all(u8::is_ascii_digit)
            && b[i + 9] == b'-'
            && b[i + 10..i + 15].iter().all(u8::is_ascii_alphanumeric)
        {
            out.push(text[i..i + 15].to_ascii_uppercase());
        }
    }
    out
}

/// SIRENs written in a text: runs of exactly 9 digits, or the first 9 of a
/// 14-digit SIRET.
fn sirens_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in text.split(|c: char| !c.is_ascii_digit()) {
        if run.len() == 9 || run.len() == 14 {
            out.push(run[..9].to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ids_and_sirens() {
        assert_eq!(desk_ids_in("Guichet 732829320-00001"), ["732829320-00001"]);
        assert_eq!(desk_ids_in("x732829320-abc12y"), Vec::<String>::new());
        assert_eq!(desk_ids_in("ab 732829320-abc12"), ["732829320-ABC12"]);
        assert_eq!(sirens_in("0002 732829320"), ["732829320"]);
        assert_eq!(sirens_in("NTRFR-73282932000015"), ["732829320"]);
        assert!(sirens_in("069122300012345678").is_empty());
    }
}
