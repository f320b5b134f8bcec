//! The desk CSV reader never panics, and what it accepts is valid.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = vigie::desk::import::parse(data) {
        for (_, row) in parsed.desks {
            // Everything accepted must survive a round trip through its checks.
            assert!(vigie::desk::DeskId::parse(row.id.as_str()).is_ok());
            if let Some(name) = &row.changes.name {
                assert!(vigie::desk::check_name(name).is_ok());
            }
            for e in row.changes.emails.iter().flatten() {
                assert!(vigie::desk::Email::parse(e.as_str()).is_ok());
            }
        }
    }
});
