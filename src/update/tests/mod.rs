//! `update` tests: what the server says (snapshots, events), what the cook
//! does (keys, actions), and how the two meet (optimistic actions).

mod actions;
mod changes;
mod keys;
mod net;
