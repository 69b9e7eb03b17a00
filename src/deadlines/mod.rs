//! Deadlines: the working-day calendar (official holidays and swapped working days), the
//! deadline policy (working days per stage), and the rules that turn them into a due date for
//! each stage of a case. Below the server state: it knows the database, never a page or a
//! request. What the deadlines drive (the tick, the reminders, the admin pages) is in
//! `reminders`.

pub mod calendar;
pub mod calendar_file;
pub mod lights;
mod policy;
mod rules;

pub use policy::{INITIAL_POLICY_FROM, SlaPolicy, current, initial_policy_id, seed_default};
pub use rules::{PolicyRow, SlaCache, SlaRules, load_rules};
