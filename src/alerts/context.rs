//! What a template sees: plain values built from the records, with dates
//! already written the French way in the configured zone.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use minijinja::Value;
use serde::{Deserialize, Serialize};

use super::clean::{self, base_name, field, DN_CHARS, NAME_CHARS, SENTENCE_CHARS, SHORT_CHARS};
use super::{AlertKind, AlertRecord};
use crate::clock::{days_between, Instant};
use crate::config::Config;
use crate::desk::Desk;
use crate::model::CertRecord;

/// The desk, as templates see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeskView {
    /// `NNNNNNNNN-XXXXX`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `async`, `ws` or `both`: says what stops working.
    pub mode: String,
}

/// The certificate, as templates see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertView {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// The issuing CA's name (organisation, else common name): who to contact.
    pub issuer_name: String,
    /// Serial, hex.
    pub serial: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// End of validity, dd/mm/yyyy local.
    pub not_after: String,
    /// Start of validity, dd/mm/yyyy local.
    pub not_before: String,
}

/// The manager team, as templates see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ManagerView {
    /// Team name (signature).
    pub name: String,
    /// Where desks send their certificates.
    pub email: String,
    /// The team's telephone number, for urgent alerts.
    pub phone: Option<String>,
    /// The team's postal address, for urgent alerts.
    pub address: Option<String>,
}

/// From this many days left (and after expiry) an alert is urgent: its
/// subject says "URGENT" and its text asks the desk to call the team.
pub const URGENT_DAYS: i64 = 7;

/// Everything a message template can use.
#[derive(Debug, Clone, Serialize)]
pub struct MessageContext {
    /// The desk, when the message concerns one.
    pub desk: Option<DeskView>,
    /// The certificate, when the message concerns one.
    pub cert: Option<CertView>,
    /// Calendar days left (negative once expired).
    pub days_left: Option<i64>,
    /// Calendar days since expiry (0 on the day).
    pub days_since: Option<i64>,
    /// The threshold crossed, for a threshold alert.
    pub threshold_days: Option<i64>,
    /// Whether the team is copied.
    pub escalated: bool,
    /// An end-of-life alert with [`URGENT_DAYS`] or fewer left, or after
    /// expiry: the desk is asked to call the team.
    pub urgent: bool,
    /// For a refusal, what the desk should do, by reason: `renew` (get a new
    /// certificate), `export` (export the public part), `revoke` (a private
    /// key travelled) or `check` (which certificate, which desk).
    pub advice: Option<&'static str>,
    /// The desk has no address: the team receives the message in its place.
    pub no_desk_email: bool,
    /// The manager team.
    pub manager: ManagerView,
    /// Kind-specific values (a refusal's file, code and reasons).
    pub details: BTreeMap<String, String>,
    /// The digest's content, for the digest.
    pub digest: Option<DigestData>,
    /// The date of the message, dd/mm/yyyy.
    pub today: String,
}

/// One desk line of the digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestDesk {
    /// Desk id.
    pub id: String,
    /// Desk name.
    pub name: String,
    /// End of validity, dd/mm/yyyy (empty without certificate).
    #[serde(default)]
    pub not_after: String,
    /// Days left.
    #[serde(default)]
    pub days_left: Option<i64>,
    /// Issuing CA.
    #[serde(default)]
    pub issuer_name: String,
}

/// One refused intake in the digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestRefusal {
    /// When, dd/mm/yyyy.
    pub date: String,
    /// The desk, if it was known.
    pub desk: String,
    /// The reason given.
    pub detail: String,
    /// How many times the same file was refused in the period (`date` is
    /// the last); 1 in digests recorded before refusals were grouped.
    #[serde(default = "one")]
    pub count: u64,
}

fn one() -> u64 {
    1
}

/// The most lines a section of the digest lists; the rest are counted
/// and the digest points to `vigie log` or `vigie status` for them.
pub const DIGEST_SECTION_LINES: usize = 200;

/// How many lines each section of the digest left out (see
/// [`DIGEST_SECTION_LINES`]).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct DigestMore {
    /// Upcoming ends of life.
    pub upcoming: usize,
    /// Expired certificates.
    pub expired: usize,
    /// Refused intakes (groups).
    pub refused: usize,
    /// Failed pushes.
    pub failed_pushes: usize,
    /// Desks with no certificate.
    pub no_cert: usize,
    /// Desks with no address.
    pub no_email: usize,
    /// Refused addresses.
    pub failed_recipients: usize,
    /// Changes of issuer.
    pub issuer_changes: usize,
    /// Desk addresses that bounce.
    pub bounced: usize,
}

/// One failed push in the digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestPush {
    /// Desk id.
    pub desk: String,
    /// Certificate, short fingerprint.
    pub sha256: String,
    /// The destination's last answer.
    pub last_error: String,
}

/// An address refused in a message delivered to others, in the digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestFailedRecipient {
    /// The desk the message was for (empty for the team's own messages).
    pub desk: String,
    /// The address refused.
    pub address: String,
    /// The server's answer.
    pub answer: String,
}

/// A desk address that bounces (DESIGN §10): a message vigie sent it came
/// back undeliverable, and the desk still has that address.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestBounce {
    /// Desk id.
    pub desk: String,
    /// Desk name.
    pub name: String,
    /// The address that bounced (empty when the bounce named none).
    pub address: String,
    /// The reason the bouncing server gave.
    pub reason: String,
    /// When the latest bounce was read, dd/mm/yyyy.
    pub date: String,
}

/// The digest's content, fixed when the digest is decided so that a retry
/// sends the same words.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestData {
    /// The period's start, dd/mm/yyyy (the previous digest), if any.
    pub since: Option<String>,
    /// Certificates ending within the largest threshold, soonest first.
    pub upcoming: Vec<DigestDesk>,
    /// Certificates past their end, with no newer one.
    pub expired: Vec<DigestDesk>,
    /// Intakes refused since the previous digest.
    pub refused: Vec<DigestRefusal>,
    /// Pushes that failed for good.
    pub failed_pushes: Vec<DigestPush>,
    /// Desks with no certificate.
    pub no_cert: Vec<DigestDesk>,
    /// Desks with no e-mail address.
    pub no_email: Vec<DigestDesk>,
    /// Addresses the server refused since the previous digest (absent from
    /// digests recorded before it existed).
    #[serde(default)]
    pub failed_recipients: Vec<DigestFailedRecipient>,
    /// Certificates accepted from another issuer than the desk's previous
    /// one (warning `issuer_changed`) since the previous digest.
    #[serde(default)]
    pub issuer_changes: Vec<DigestRefusal>,
    /// Desk addresses that bounce (absent from digests recorded before it
    /// existed).
    #[serde(default)]
    pub bounced: Vec<DigestBounce>,
    /// Lines left out of each section.
    #[serde(default)]
    pub more: DigestMore,
    /// Issue 16: the open deadline campaigns, with who is left (absent
    /// from digests recorded before campaigns existed).
    #[serde(default)]
    pub campaigns: Vec<DigestCampaign>,
}

/// One open deadline campaign in the digest (issue 16).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestCampaign {
    /// Its name.
    pub name: String,
    /// The setting to reach, `KEY=VALUE`.
    pub set: String,
    /// The deadline, dd/mm/yyyy.
    pub deadline: String,
    /// Desks done.
    pub done: usize,
    /// Desks scheduled.
    pub scheduled: usize,
    /// Desks left.
    pub left: usize,
    /// The desks left, at most [`DIGEST_SECTION_LINES`] of them.
    pub left_desks: Vec<DigestCampaignDesk>,
}

/// A desk left in a campaign, in the digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestCampaignDesk {
    /// Desk id.
    pub id: String,
    /// Desk name.
    pub name: String,
    /// Its current value of the campaign's key.
    pub current: String,
}

/// The desk as templates see it.
pub fn desk_view(desk: &Desk) -> DeskView {
    DeskView {
        id: desk.id.to_string(),
        name: field(&desk.name, NAME_CHARS),
        mode: desk.mode.to_string(),
    }
}

/// The certificate as templates see it.
pub fn cert_view(cert: &CertRecord, tz: Tz) -> CertView {
    CertView {
        subject: field(&cert.subject, DN_CHARS),
        issuer: field(&cert.issuer, DN_CHARS),
        issuer_name: field(&issuer_name(&cert.issuer), SHORT_CHARS),
        serial: field(&cert.serial, SHORT_CHARS),
        sha256: cert.sha256.to_hex(),
        not_after: clean::date(cert.not_after, tz),
        not_before: clean::date(cert.not_before, tz),
    }
}

/// The CA's name from an issuer DN: its organisation, else its common name.
pub fn issuer_name(dn: &str) -> String {
    let attr = |key: &str| {
        dn.split(',')
            .map(str::trim)
            .find_map(|p| p.strip_prefix(key).map(str::to_owned))
    };
    attr("O=")
        .or_else(|| attr("CN="))
        .unwrap_or_else(|| dn.to_owned())
}

/// The context of a message about `rec`.
pub fn build(
    rec: &AlertRecord,
    desk: Option<&Desk>,
    cert: Option<&CertRecord>,
    config: &Config,
    now: Instant,
) -> MessageContext {
    let tz = config.tz();
    let days_left = cert.map(|c| days_between(now, c.not_after, tz));
    let digest = rec
        .details
        .get("data")
        .and_then(|d| serde_json::from_str::<DigestData>(d).ok())
        .map(DigestData::cleaned);
    // What intake recorded came from outside: the file's name is the path
    // the operator gave (only its base name is the desk's business), the
    // reasons quote the certificate.
    let details: BTreeMap<String, String> = rec
        .details
        .iter()
        .filter(|(k, _)| k.as_str() != "data")
        .map(|(k, v)| {
            let v = match k.as_str() {
                "file" => base_name(v),
                _ => field(v, SENTENCE_CHARS),
            };
            (k.clone(), v)
        })
        .collect();
    let kind = rec.kind();
    let urgent = matches!(kind, AlertKind::Threshold | AlertKind::Expired)
        && days_left.is_some_and(|d| d <= URGENT_DAYS);
    let advice = (kind == AlertKind::Refusal)
        .then(|| advice(details.get("code").map_or("", String::as_str)));
    MessageContext {
        desk: desk.map(desk_view),
        cert: cert.map(|c| cert_view(c, tz)),
        days_left,
        days_since: days_left.map(|d| (-d).max(0)),
        threshold_days: rec.threshold_days(),
        escalated: rec
            .recipients
            .iter()
            .any(|r| config.manager.team.iter().any(|t| t.as_str() == r))
            && desk.is_some_and(|d| !d.emails.is_empty()),
        urgent,
        advice,
        no_desk_email: desk.is_some_and(|d| d.emails.is_empty()),
        manager: manager_view(config),
        details,
        digest,
        today: clean::date(now, tz),
    }
}

/// The team as templates see it.
pub fn manager_view(config: &Config) -> ManagerView {
    ManagerView {
        name: config.manager.name.clone(),
        email: config.manager.email.to_string(),
        phone: config.manager.phone.clone(),
        address: config.manager.address.clone(),
    }
}

/// What a desk whose file was refused with `code` should do.
pub fn advice(code: &str) -> &'static str {
    match code {
        // The key travelled: the certificate must be revoked.
        "private_key" | "pkcs12" => "revoke",
        // The certificate itself cannot serve: a new one is needed.
        "expired" | "weak_key" | "weak_signature" | "untrusted" | "invalid_validity"
        | "self_signed" => "renew",
        // The wrong file, or not the public part as Windows exports it.
        "csr" | "crl" | "empty" | "too_large" | "unreadable" | "unrecognized"
        | "several_leaves" | "ca_certificate" | "older" => "export",
        _ => "check",
    }
}

impl DigestData {
    /// The digest with every text from desks and certificates cleaned (see
    /// [`clean`]): digests recorded before the cleaning read the same.
    pub fn cleaned(mut self) -> DigestData {
        for d in self
            .upcoming
            .iter_mut()
            .chain(&mut self.expired)
            .chain(&mut self.no_cert)
            .chain(&mut self.no_email)
        {
            d.name = field(&d.name, NAME_CHARS);
            d.issuer_name = field(&d.issuer_name, SHORT_CHARS);
        }
        for r in self.refused.iter_mut().chain(&mut self.issuer_changes) {
            r.detail = field(&r.detail, SENTENCE_CHARS);
        }
        for p in &mut self.failed_pushes {
            p.last_error = field(&p.last_error, SENTENCE_CHARS);
        }
        for c in &mut self.campaigns {
            for d in &mut c.left_desks {
                d.name = field(&d.name, NAME_CHARS);
            }
        }
        for f in &mut self.failed_recipients {
            f.address = field(&f.address, SHORT_CHARS);
            f.answer = field(&f.answer, SENTENCE_CHARS);
        }
        self
    }
}

impl MessageContext {
    /// As a template value.
    pub fn value(&self) -> Value {
        Value::from_serialize(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_names() {
        assert_eq!(
            issuer_name("CN=Certigna Entity CA, O=Dhimyotis, C=FR"),
            "Dhimyotis"
        );
        assert_eq!(
            issuer_name("CN=ChamberSign France CA3"),
            "ChamberSign France CA3"
        );
    }
}
