//! What the deadlines drive: the tick that turns due dates into reminders, escalations and
//! digests (as outbox emails) and purges what has expired, who is reminded of what, the
//! `sla`/`calendar` commands, and the admin pages for the deadline policy and the calendar.

pub mod cli;
pub mod rules;
mod settings;
pub mod tick;

pub use settings::staff_routes;
