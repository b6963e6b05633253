//! The order simulator: new tickets at a steady pace across a few stations,
//! and (with `advance`) the life of a kitchen around them, so a newcomer
//! sees every state within a minute: checks split across two or three
//! stations, lines marked done, tickets bumped along, add-ons, late notes,
//! voided lines and voided orders that a cook then clears.
//!
//! It writes through the same path as the HTTP API, so displays see its
//! orders exactly as they would see a till's.

mod menu;

pub use menu::{BUILT_IN_MENU, Menu, MenuError, MenuItem};

use crate::DemoConfig;
use crate::kitchen::Kitchen;
use crate::store::{Created, Outcome};
use kds_protocol::{Edit, Field, ItemVoidRequest, Order, OrderPatch, Station, Status, StatusMove};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The simulator follows at most this many open tickets; older ones are
/// left where they are.
const MAX_TRACKED: usize = 200;
/// Changes per tick, so a backlog drains gradually like a real kitchen
/// (an order takes five or so: three bumps and a few lines done).
const MAX_MOVES_PER_TICK: usize = 10;
/// Every this many orders, one is a check across several stations.
const CHECK_EVERY: u64 = 3;
/// What happens to the orders, one every other tick, in turn.
const LIFE: [Life; 6] = [
    Life::AddOn,
    Life::LateNote,
    Life::VoidLine,
    Life::AddOn,
    Life::VoidOrder,
    Life::LateNote,
];
const VOID_REASONS: [&str; 4] = [
    "guest left",
    "rung in twice",
    "wrong table",
    "guest changed their mind",
];

/// Something the point of sale does to an order after it was sent.
#[derive(Debug, Clone, Copy)]
enum Life {
    AddOn,
    LateNote,
    VoidLine,
    VoidOrder,
}

/// A ticket the simulator will move on.
struct Tracked {
    order: Order,
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

/// The simulator's state between ticks.
struct Simulator {
    kitchen: Kitchen,
    config: DemoConfig,
    menu: Menu,
    rng: StdRng,
    tracked: VecDeque<Tracked>,
    ticks: u64,
}

/// Runs until `stop`: one new ticket every `config.every`.
pub async fn run(kitchen: Kitchen, config: DemoConfig, menu: Menu, stop: CancellationToken) {
    let mut tick = tokio::time::interval(config.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(every = ?config.every, stations = config.stations.len(), "order simulator running");
    let mut simulator = Simulator {
        kitchen,
        config,
        menu,
        rng: StdRng::from_os_rng(),
        tracked: VecDeque::new(),
        ticks: 0,
    };
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        simulator.tick().await;
    }
}

impl Simulator {
    async fn tick(&mut self) {
        self.ticks += 1;
        self.create().await;
        if !self.config.advance {
            return;
        }
        if self.ticks.is_multiple_of(2) {
            let life = LIFE[(self.ticks / 2) as usize % LIFE.len()];
            self.live(life).await;
        }
        self.advance().await;
    }

    /// One new order, or every so often a check for two or three stations.
    async fn create(&mut self) {
        let stations = &self.config.stations;
        let count = if self.ticks.is_multiple_of(CHECK_EVERY) && stations.len() > 1 {
            self.rng.random_range(2..=3.min(stations.len()))
        } else {
            1
        };
        let chosen: Vec<Station> = stations
            .choose_multiple(&mut self.rng, count)
            .cloned()
            .collect();
        let body = self.menu.order(&chosen, &mut self.rng);
        let created = if count > 1 {
            match body.validate_check() {
                Ok(check) => self
                    .kitchen
                    .create_check(check, None)
                    .await
                    .map(|c| match c {
                        Created::New(check, _) => check.orders,
                        _ => Vec::new(),
                    }),
                Err(err) => return tracing::warn!(%err, "simulator drew an invalid check"),
            }
        } else {
            match body.validate() {
                Ok(draft) => self
                    .kitchen
                    .create_order(draft, None)
                    .await
                    .map(|c| match c {
                        Created::New(order, _) => vec![order],
                        _ => Vec::new(),
                    }),
                Err(err) => return tracing::warn!(%err, "simulator drew an invalid ticket"),
            }
        };
        match created {
            Ok(orders) if self.config.advance => {
                for order in orders {
                    let due =
                        Instant::now() + dwell(Status::Pending, self.config.every, &mut self.rng);
                    self.tracked.push_back(Tracked { order, due });
                }
                while self.tracked.len() > MAX_TRACKED {
                    self.tracked.pop_front();
                }
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "simulator could not create an order"),
        }
    }

    /// What the point of sale does to one of the open orders.
    async fn live(&mut self, event: Life) {
        let candidates: Vec<usize> = (0..self.tracked.len())
            .filter(|&i| {
                let order = &self.tracked[i].order;
                !order.is_voided()
                    && match event {
                        Life::AddOn => order.status != Status::Pending,
                        Life::VoidLine => order.live_items().count() > 1,
                        Life::LateNote | Life::VoidOrder => order.status != Status::Ready,
                    }
            })
            .collect();
        let Some(&index) = candidates.choose(&mut self.rng) else {
            return;
        };
        let order = &self.tracked[index].order;
        let edit = match event {
            Life::AddOn => {
                let Some(extra) = self.menu.add_on(&order.station, &mut self.rng) else {
                    return;
                };
                let request = kds_protocol::AddItemsRequest {
                    items: Some(vec![extra]),
                    version: Some(order.version),
                };
                request.validate()
            }
            Life::LateNote => Ok(Edit::Patch {
                patch: OrderPatch {
                    notes: self
                        .menu
                        .late_note(&mut self.rng)
                        .map_or(Field::Keep, Field::Set),
                    ..OrderPatch::default()
                },
                version: Some(order.version),
            }),
            Life::VoidLine => {
                let lines: Vec<&str> = order.live_items().map(|(_, i)| i.id.as_str()).collect();
                let Some(item) = lines.choose(&mut self.rng) else {
                    return;
                };
                ItemVoidRequest {
                    version: Some(order.version),
                }
                .validate(item)
            }
            Life::VoidOrder => Ok(Edit::Void {
                reason: VOID_REASONS.choose(&mut self.rng).map(|r| (*r).to_owned()),
                version: Some(order.version),
            }),
        };
        match edit {
            Ok(edit) => {
                self.change(index, "demo_edit", edit).await;
            }
            Err(err) => tracing::warn!(%err, "simulator drew an invalid change"),
        }
    }

    /// Applies `edit` to tracked ticket `index`; keeps following it if it
    /// changed and is still open. Returns whether it changed.
    async fn change(&mut self, index: usize, op: &'static str, edit: Edit) -> bool {
        let id = self.tracked[index].order.id.clone();
        match self.kitchen.change(op, id, edit, None).await {
            Ok(Outcome::Changed(event)) => {
                if event.order.status == Status::Completed {
                    self.tracked.remove(index);
                } else {
                    self.tracked[index].order = event.order;
                }
                true
            }
            // Someone else changed it (a person at a display): stop following it.
            Ok(_) => {
                self.tracked.remove(index);
                false
            }
            Err(err) => {
                tracing::warn!(%err, "simulator could not change an order");
                false
            }
        }
    }

    /// Moves on the tickets whose time has come, oldest first: a cook marks
    /// the lines of a preparing ticket done one by one, then bumps it; a
    /// voided ticket is cleared.
    async fn advance(&mut self) {
        let now = Instant::now();
        let every = self.config.every;
        let mut moves = 0;
        let mut i = 0;
        while i < self.tracked.len() && moves < MAX_MOVES_PER_TICK {
            let Tracked { order, due } = &self.tracked[i];
            if *due > now {
                i += 1;
                continue;
            }
            moves += 1;
            // Every other ticket's cook marks its lines done one by one.
            let undone = order
                .live_items()
                .find(|(_, item)| !item.is_done())
                .map(|(_, item)| item.id.clone())
                .filter(|_| order.number % 2 == 0);
            let edit = match (order.is_voided(), order.status, undone) {
                (true, status, _) => Edit::Status(StatusMove {
                    to: Status::Completed,
                    from: Some(status),
                }),
                (false, Status::Preparing, Some(item_id)) => Edit::Done {
                    item_id,
                    done: true,
                },
                (false, status, _) => {
                    let Some(to) = status.next() else {
                        self.tracked.remove(i);
                        continue;
                    };
                    Edit::Status(StatusMove {
                        to,
                        from: Some(status),
                    })
                }
            };
            let marking = matches!(edit, Edit::Done { .. });
            let len = self.tracked.len();
            if !self.change(i, "demo_advance", edit).await {
                continue;
            }
            if self.tracked.len() < len {
                continue;
            }
            let ticket = &mut self.tracked[i];
            ticket.due = if marking {
                now + every
            } else {
                now + dwell(ticket.order.status, every, &mut self.rng)
            };
            i += 1;
        }
    }
}
