//! A backup document, however damaged, is refused with an error, never a panic,
//! and leaves an empty store empty when refused.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(backup) = serde_json::from_slice::<vigie::store::Backup>(data) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = vigie::store::Store::open(dir.path(), std::time::Duration::from_secs(1)).unwrap();
    if store.restore(&backup, false).is_err() {
        assert!(store.is_empty());
    }
});
