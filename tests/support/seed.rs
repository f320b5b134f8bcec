//! Seeding a store through the library, the way intake would: a desk, its
//! current certificate and a pending push job, for tests of what comes after.

use chrono::{TimeZone, Utc};
use vigie::cert::CertRecord;
use vigie::clock::Instant;
use vigie::desk::{Desk, DeskId, Email};
use vigie::fingerprint::Sha256;
use vigie::push::{PushJob, PushState};
use vigie::store::{StoreError, Tx};

/// A self-signed certificate named `Guichet <desk>`, valid 2026–2029.
pub fn self_signed(key: &rcgen::KeyPair, desk: &str) -> Vec<u8> {
    let mut p = rcgen::CertificateParams::new(vec![]).unwrap();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, format!("Guichet {desk}"));
    p.not_before = rcgen::date_time_ymd(2026, 1, 1);
    p.not_after = rcgen::date_time_ymd(2029, 1, 1);
    p.self_signed(key).unwrap().der().to_vec()
}

/// A certificate record for `desk` as intake would store it: `der` (real or
/// stand-in bytes) valid three years up to `not_after`, subject `Guichet
/// <desk>`; tests override the fields they care about.
pub fn cert_record(desk: &DeskId, der: &[u8], not_after: Instant) -> CertRecord {
    let not_before = not_after - chrono::Duration::days(1095);
    CertRecord {
        sha256: Sha256::of(der),
        desk: desk.clone(),
        subject: format!("CN=Guichet {desk}"),
        issuer: "CN=AC de test".into(),
        serial: "01".into(),
        not_before,
        not_after,
        der: der.to_vec(),
        original: der.to_vec(),
        source: format!("{desk}.cer"),
        chain: vec![],
        ingested_at: not_before,
        ingested_by: "test".into(),
        warnings: vec![],
    }
}

/// Writes a desk named `name`, `der` as its current certificate, and a
/// pending push job due at `now`.
pub fn desk_with_pending_push(
    tx: &mut Tx<'_>,
    id: &DeskId,
    name: &str,
    der: &[u8],
    now: Instant,
) -> Result<(), StoreError> {
    tx.put_desk(&Desk {
        id: id.clone(),
        name: name.to_owned(),
        emails: vec![Email::parse("guichet@example.org").unwrap()],
        department: None,
        mode: Default::default(),
        lang: Default::default(),
        thresholds: None,
        suspended: false,
        settings: Default::default(),
    })?;
    let sha = Sha256::of(der);
    tx.put_cert(&CertRecord {
        issuer: format!("CN=Guichet {id}"),
        not_before: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        ingested_at: now,
        ..cert_record(id, der, Utc.with_ymd_and_hms(2029, 1, 1, 0, 0, 0).unwrap())
    })?;
    tx.set_current(id, &sha)?;
    tx.put_push_job(&PushJob {
        desk: id.clone(),
        sha256: sha,
        destination: "seeded".into(),
        state: PushState::Pending,
        attempts: 0,
        next_attempt: Some(now),
        last_error: None,
        created_at: now,
        done_at: None,
    })
}
