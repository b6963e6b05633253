//! kds: the terminal kitchen display.
//!
//! Data flows one way: the keyboard, a clock tick and the network task become
//! [`msg::Msg`]s; [`update::update`] applies each to the [`model::Model`] and
//! returns [`msg::Command`]s for the event loop ([`app`]) to carry out; the
//! [`view`] draws the model and nothing else.

pub mod app;
pub mod cli;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod input;
mod kept_file;
pub mod keymap;
pub mod logging;
pub mod model;
pub mod msg;
pub mod net;
pub mod output;
pub mod paint;
pub mod seen_file;
pub mod tail;
pub mod terminal;
pub mod text;
pub mod update;
pub mod view;
