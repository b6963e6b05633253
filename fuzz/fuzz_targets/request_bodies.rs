//! Bytes from a client, as the server decodes them: order and status bodies
//! (JSON, the loose request types, `validate`), `Idempotency-Key` headers
//! and station path segments. None may panic; what validates obeys every rule.
#![no_main]

use libfuzzer_sys::fuzz_target;

// Shared with the seeded CI run; each target uses one of its two bodies.
#[allow(dead_code)]
#[path = "../../protocol/tests/fuzz_bodies/mod.rs"]
mod fuzz_bodies;

fuzz_target!(|data: &[u8]| fuzz_bodies::request_bodies(data));
