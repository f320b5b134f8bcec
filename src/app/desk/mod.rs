//! The desk inventory: add, import, list, show, remove.

mod add;
mod import;
mod list;
mod remove;
mod show;

pub use add::add;
pub use import::{import, ImportReport};
pub use list::list;
pub use remove::remove;
pub use show::{show, DeskView};
