//! The order simulator: new tickets at a steady pace across a few stations,
//! and (with `advance`) tickets bumped along so every column fills.
//!
//! It writes through the same path as the HTTP API, so displays see its
//! orders exactly as they would see a till's.

mod menu;

pub use menu::{BUILT_IN_MENU, Menu, MenuError, MenuItem};

use crate::DemoConfig;
use crate::kitchen::Kitchen;
use crate::store::Outcome;
use kds_protocol::{Status, StatusMove};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The simulator follows at most this many open tickets; older ones are
/// left where they are.
const MAX_TRACKED: usize = 200;
/// Bumps per tick, so a backlog drains gradually like a real kitchen.
const MAX_MOVES_PER_TICK: usize = 4;

/// A ticket the simulator will move on.
struct Tracked {
    id: String,
    status: Status,
    due: Instant,
}

/// How many ticks a ticket stays in a status before it is bumped.
fn dwell(status: Status, every: Duration, rng: &mut impl Rng) -> Duration {
    let ticks = match status {
        Status::Preparing => rng.random_range(3..=8),
        Status::Pending | Status::Ready | Status::Completed => rng.random_range(2..=5),
    };
    every * ticks
}

/// Runs until `stop`: one new ticket every `config.every`.
pub async fn run(kitchen: Kitchen, config: DemoConfig, menu: Menu, stop: CancellationToken) {
    let mut rng = StdRng::from_os_rng();
    let mut tick = tokio::time::interval(config.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tracked: VecDeque<Tracked> = VecDeque::new();
    tracing::info!(every = ?config.every, stations = config.stations.len(), "order simulator running");
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Some(station) = config
            .stations
            .get(rng.random_range(0..config.stations.len()))
        {
            match menu.ticket(station, &mut rng) {
                Ok(draft) => match kitchen.create_order(draft, None).await {
                    Ok(Outcome::Changed(event)) if config.advance => {
                        let due = Instant::now() + dwell(Status::Pending, config.every, &mut rng);
                        tracked.push_back(Tracked {
                            id: event.order.id,
                            status: Status::Pending,
                            due,
                        });
                        if tracked.len() > MAX_TRACKED {
                            tracked.pop_front();
                        }
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(%err, "simulator could not create an order"),
                },
                Err(err) => tracing::warn!(%err, "simulator drew an invalid ticket"),
            }
        }
        if config.advance {
            advance(&kitchen, &mut tracked, config.every, &mut rng).await;
        }
    }
}

/// Bumps the tickets whose time has come, oldest first.
async fn advance(
    kitchen: &Kitchen,
    tracked: &mut VecDeque<Tracked>,
    every: Duration,
    rng: &mut StdRng,
) {
    let now = Instant::now();
    let mut moves = 0;
    let mut i = 0;
    while i < tracked.len() && moves < MAX_MOVES_PER_TICK {
        let ticket = &mut tracked[i];
        let Some(next) = ticket.status.next().filter(|_| ticket.due <= now) else {
            i += 1;
            continue;
        };
        moves += 1;
        let change = StatusMove {
            to: next,
            from: Some(ticket.status),
        };
        match kitchen.move_status(ticket.id.clone(), change, None).await {
            Ok(Outcome::Changed(_)) if next != Status::Completed => {
                ticket.status = next;
                ticket.due = now + dwell(next, every, rng);
                i += 1;
            }
            // Completed, or someone else moved it (a person at a display):
            // stop following it.
            Ok(_) => {
                tracked.remove(i);
            }
            Err(err) => {
                tracing::warn!(%err, "simulator could not bump an order");
                return;
            }
        }
    }
}
