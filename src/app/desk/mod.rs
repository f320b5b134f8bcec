//! The desk inventory: add, import, list, show, edit, suspend, remove.

mod add;
mod edit;
mod import;
mod list;
mod remove;
mod show;

pub use add::add;
pub use edit::{edit, set_suspended, Edited};
pub use import::{import, ImportReport};
pub use list::list;
pub use remove::remove;
pub use show::{exists, known, show, DeskView};
