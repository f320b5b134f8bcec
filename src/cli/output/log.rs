//! The JSON shape of `vigie log`.

use crate::audit::AuditEntry;

/// One element of `vigie log --json`: the audit entry as it serialises,
/// pinned by the snapshot below.
pub type Row = AuditEntry;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output::tests::streamed;
    use crate::desk::DeskId;
    use crate::fingerprint::Sha256;

    #[test]
    fn log_json() {
        let at = crate::clock::parse_instant("2026-03-01T09:30:00Z").unwrap();
        let rows: [Row; 2] = [
            AuditEntry::new(at, "marie", "init").detail("data directory /var/lib/vigie"),
            AuditEntry::new(at, "vigie-serve", "cert.ingest")
                .desk(&DeskId::parse("732829320-00001").unwrap())
                .cert(Sha256::of(b"certificate"))
                .outcome("refused")
                .detail("clé privée"),
        ];
        insta::assert_snapshot!(streamed(&rows));
    }
}
