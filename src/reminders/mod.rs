//! What the deadlines drive: the tick that queues each staff member's morning digest of their
//! working-day queues (as outbox emails) and purges what has expired, who is told what, the
//! `sla`/`calendar` commands, and the admin pages for the deadline policy and the calendar.

pub mod calendar_gaps;
pub mod cli;
pub mod digest;
mod feedback_settings;
pub mod rules;
mod settings;
pub mod tick;

pub use settings::staff_routes;
