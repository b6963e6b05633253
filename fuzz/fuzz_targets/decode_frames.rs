//! Bytes from the server, as a client decodes them: WebSocket frames, event
//! pages, snapshots, error bodies, orders, timestamps. None may panic, and
//! whatever decodes must write back and decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

// Shared with the seeded CI run; each target uses one of its two bodies.
#[allow(dead_code)]
#[path = "../../protocol/tests/fuzz_bodies/mod.rs"]
mod fuzz_bodies;

fuzz_target!(|data: &[u8]| fuzz_bodies::decode_frames(data));
