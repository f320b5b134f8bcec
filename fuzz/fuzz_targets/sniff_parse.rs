//! Any bytes a desk could send: sniffing and parsing never panic, and every
//! certificate found survives the normal form unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie::cert::normal::normal_pem;
use vigie::cert::parse::CertInfo;
use vigie::cert::sniff::sniff;

fuzz_target!(|data: &[u8]| {
    let found = sniff(data);
    for der in &found.certs {
        if let Ok(info) = CertInfo::from_der(der) {
            let _ = serde_json::to_string(&info);
        }
        // DER -> normal PEM -> DER is the identity.
        let pem = normal_pem(der);
        let again = sniff(pem.as_bytes());
        assert_eq!(again.certs.first(), Some(der));
    }
});
