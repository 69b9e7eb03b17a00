//! Deadlines at work: the working-day calendar an admin keeps up to date, the SLA policy, and
//! the tick that turns due dates into reminders, escalations and digests (as outbox emails).

pub mod cli;
mod routes;

pub use routes::staff_routes;
pub mod reminders;
pub mod tick;
