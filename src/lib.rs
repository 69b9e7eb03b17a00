//! jianduka (监督卡): business-environment supervision cards, from the printed card through
//! the anonymous report to the inspector's case and its deadlines.

pub mod access;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cards;
pub mod cases;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod console;
pub mod cookies;
pub mod crypto;
pub mod db;
pub mod deadlines;
pub mod doctor;
pub mod dossier;
pub mod embedded;
pub mod enterprises;
pub mod entities;
pub mod error;
pub mod i18n;
pub mod intake;
pub mod limits;
pub mod mail;
pub mod msg;
pub mod negative_list;
pub mod openapi;
pub mod pool;
pub mod reminders;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod text;
pub mod web;

#[cfg(test)]
mod layering;
