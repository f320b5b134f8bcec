//! Attribution (DESIGN §3): which desk a certificate belongs to when none is
//! named. Evidence is taken in tiers, strongest first — the full desk id in
//! the subject or SAN; then the SIREN; then a subject DN equal to a desk's
//! current certificate's; then an rfc822 SAN equal to a desk contact — and the
//! first tier with any match decides. Exactly one desk must match.

use std::collections::{BTreeSet, HashMap};

use super::parse::CertInfo;
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
                .insert(desk);
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
    }

    /// The desks of the strongest tier of evidence, sorted.
    pub fn candidates(&self, cert: &CertInfo) -> Vec<DeskId> {
        let texts: Vec<&str> = cert
            .subject_values
            .iter()
            .map(String::as_str)
            .chain(cert.san.iter().map(String::as_str))
            .collect();
        let mut found = BTreeSet::new();
        for t in &texts {
            for id in desk_ids_in(t) {
                if let Some(d) = self.ids.get(&id) {
                    found.insert(d.clone());
                }
            }
        }
        if found.is_empty() {
            for t in &texts {
                for siren in sirens_in(t) {
                    if let Some(ds) = self.by_siren.get(&siren) {
                        found.extend(ds.iter().cloned());
                    }
                }
            }
        }
        if found.is_empty() {
            if let Some(ds) = self.by_subject.get(&cert.subject) {
                found.extend(ds.iter().cloned());
            }
        }
        if found.is_empty() {
            for e in cert.emails() {
                if let Some(ds) = self.by_email.get(&e.to_lowercase()) {
                    found.extend(ds.iter().cloned());
                }
            }
        }
        found.into_iter().collect()
    }

    /// The one desk a certificate belongs to. With `named` (`--desk`), that
    /// desk, unless the evidence points elsewhere.
    pub fn attribute(&self, cert: &CertInfo, named: Option<&DeskId>) -> Result<DeskId, Refusal> {
        let found = self.candidates(cert);
        match named {
            Some(d) if !self.contains(d) => Err(Refusal::UnknownDesk(d.clone())),
            Some(d) if found.is_empty() || found.contains(d) => Ok(d.clone()),
            Some(d) => Err(Refusal::DeskMismatch(d.clone(), found)),
            None => match found.len() {
                0 => Err(Refusal::NoDesk),
                1 => Ok(found.into_iter().next().unwrap_or_else(|| unreachable!())),
                _ => Err(Refusal::AmbiguousDesk(found)),
            },
        }
    }
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
