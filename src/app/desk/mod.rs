//! The desk inventory: add, import, list, show, edit, suspend, remove; and
//! the scheduled changes of their national settings: schedule, changes,
//! cancel.

mod add;
mod cancel;
mod changes;
mod edit;
mod import;
mod list;
mod remove;
mod schedule;
mod show;

pub use add::add;
pub use cancel::cancel;
pub use changes::changes;
pub use edit::{edit, set_suspended, Edited};
pub use import::{import, ImportReport};
pub use list::list;
pub use remove::remove;
pub use schedule::{schedule, Request, Scheduled, Target};
pub use show::{exists, known, show, DeskView};
