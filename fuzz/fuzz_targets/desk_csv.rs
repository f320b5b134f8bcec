//! The desk CSV reader never panics, and what it accepts is valid.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = vigie::desk::import::parse(data) {
        for (_, desk) in parsed.desks {
            // Everything accepted must survive a round trip through its checks.
            assert!(vigie::desk::DeskId::parse(desk.id.as_str()).is_ok());
            assert!(vigie::desk::check_name(&desk.name).is_ok());
            for e in &desk.emails {
                assert!(vigie::desk::Email::parse(e.as_str()).is_ok());
            }
        }
    }
});
