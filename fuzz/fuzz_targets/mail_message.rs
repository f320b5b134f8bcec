//! Any bytes as a message in the team's mailbox (DESIGN §10): parsing, the
//! summary, the search for certificates (attachments, archives, forwarded
//! messages, bodies), the S/MIME signatures and the bounce reading never
//! panic, whatever a sender or a broken mail server puts together.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie::mail::{archive, bounce, find, smime, Summary};

fuzz_target!(|data: &[u8]| {
    if let Some(msg) = mail_parser::MessageParser::default().parse(data) {
        let summary = Summary::of(&msg);
        let _ = bounce::looks_like_bounce(summary.from.as_deref(), summary.subject.as_deref());
        let _ = find(&msg);
        let _ = smime::signatures(&msg);
    }
    let _ = bounce::quoted_ids(data);
    let _ = bounce::reason(data);
    if archive::is_zip(data) {
        let _ = archive::entries(data);
    }
});
