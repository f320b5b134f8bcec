//! Deadline campaigns (issue 16): add one, list them with who is done,
//! scheduled and left, show one, close one. The reminders go out with the
//! alerts run (`crate::alerts::campaign`).

mod add;
mod close;
mod list;

pub use add::{add, NewCampaign};
pub use close::close;
pub use list::{list, show};
