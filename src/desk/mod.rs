//! The desk inventory: who the registration desks are and how to reach them.
//!
//! The desk record and its checked values live in the model
//! ([`crate::model`]), re-exported here under their usual names; this module
//! adds the import of a roster file ([`import`]) and the changes `vigie desk
//! edit` and an import make to a desk ([`edit`]).

pub mod edit;
pub mod import;

pub use crate::model::{
    check_name, luhn_ok, printable, Department, Desk, DeskId, DeskIdError, Email, EmailError, Lang,
    Mode,
};
