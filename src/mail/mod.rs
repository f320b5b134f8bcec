//! Mail intake (DESIGN §10): reading the messages desks send to the team's
//! mailbox, finding the certificates in them wherever they hide, and
//! deciding which desk a message speaks for. The certificates themselves
//! are decided by `cert`'s intake, the very code `cert ingest` runs.
//!
//! Pure decisions over values: reading mailboxes and files is in
//! [`source`]; the application operation (`app::mail`) opens the store and
//! writes.

pub mod archive;
pub mod attribute;
mod ber;
pub mod bounce;
pub mod find;
pub mod imap;
pub mod maildir;
pub mod message;
pub mod refusal;
pub mod reply;
pub mod smime;
pub mod source;

pub use attribute::{attribute, Attribution, Evidence};
pub use find::{find, find_within, Candidate, Found};
pub use message::Summary;
pub use refusal::MailRefusal;
