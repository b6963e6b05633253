//! The real `kds` binary in a pseudo-terminal rides out the faults: the
//! server killed, the link cut while the cook bumps, the display itself
//! killed with bumps queued. What the screen shows at the end is compared
//! with the server's HTTP snapshot.

// Test code: a failed unwrap is a failed test, helpers included.
#![allow(clippy::unwrap_used)]

mod fault_support;
mod net_support;
mod support;

use fault_support::PATIENCE;
use fault_support::api::Api;
use fault_support::proxy::FaultProxy;
use fault_support::screen::{
    expected_board, expected_counts, header_counts, shows, tickets_on_screen,
};
use fault_support::server::{FAST_SERVER_CONFIG, ServerProcess};
use kds_protocol::{Order, Snapshot, Status};
use std::path::Path;
use support::pty::Screen;

/// Network timings for the binary: quick reconnects, a 2 s dead-peer bound.
const FAST_CLIENT_CONFIG: &str = "\
[network]
backoff_start_ms = 50
backoff_cap_secs = 1
dead_peer_secs = 2
poll_wait_secs = 1
request_timeout_secs = 2
";

/// A server in its own process behind a proxy, and a runtime for both.
struct Kitchen {
    runtime: tokio::runtime::Runtime,
    server: ServerProcess,
    proxy: FaultProxy,
    home: tempfile::TempDir,
}

impl Kitchen {
    fn start() -> Kitchen {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = ServerProcess::start(FAST_SERVER_CONFIG);
        let proxy = runtime.block_on(FaultProxy::start(server.addr));
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join("kds.toml"), FAST_CLIENT_CONFIG).unwrap();
        Kitchen {
            runtime,
            server,
            proxy,
            home,
        }
    }

    /// The API straight at the server (the proxy is the display's link).
    fn api(&self) -> Api {
        Api::new(&self.server.url)
    }

    fn create(&self, item: &str) -> Order {
        self.runtime.block_on(self.api().create("grill", item))
    }

    /// An order of each item, in turn.
    fn create_all(&self, items: &[&str]) -> Vec<Order> {
        items.iter().map(|item| self.create(item)).collect()
    }

    fn snapshot(&self) -> Snapshot {
        self.runtime.block_on(self.api().snapshot("grill"))
    }

    fn order(&self, id: &str) -> Order {
        self.runtime.block_on(self.api().order(id))
    }

    /// The real `kds` for station grill, through the proxy.
    fn display(&self) -> Screen {
        self.display_via(&self.proxy.url)
    }

    /// The real `kds` for station grill, talking to `url`.
    fn display_via(&self, url: &str) -> Screen {
        let config = self.home.path().join("kds.toml");
        Screen::start(
            self.home.path(),
            &[
                "--config",
                config.to_str().unwrap(),
                "--server",
                url,
                "--station",
                "grill",
            ],
            150,
            40,
        )
    }

    /// The actions waiting in the display's queue log.
    fn queued(&self) -> Vec<serde_json::Value> {
        net_support::queued_in(&self.home.path().join("data").join("queue-grill.json"))
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    /// Waits until the display's queue file holds no action (it is written
    /// just after the server's answer arrives).
    fn wait_for_empty_queue(&self) {
        let deadline = std::time::Instant::now() + PATIENCE;
        while !self.queued().is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the queue file still holds {:?}",
                self.queued()
            );
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
    }
}

/// Waits until the screen shows exactly the server's snapshot, live.
fn wait_for_truth(kitchen: &Kitchen, screen: &Screen) -> String {
    wait_for_truth_in(kitchen, screen, "LIVE")
}

/// Waits until the screen shows exactly the server's snapshot, and `state`
/// in its footer.
fn wait_for_truth_in(kitchen: &Kitchen, screen: &Screen, state: &str) -> String {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let truth = kitchen.snapshot();
        let text = screen.text();
        if text.contains(state) && shows(&text, &truth) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the screen never showed the server's state: board {:?} counts {:?}, server {:?} {:?}\n{text}",
            tickets_on_screen(&text),
            header_counts(&text),
            expected_board(&truth),
            expected_counts(&truth),
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Orders for `items`, a display showing them, then a cut link during which
/// the cook bumps the two oldest: Enter bumps the focused (oldest) ticket,
/// the focus then falls on the next one, which the second Enter bumps.
fn two_bumps_queued_during_a_cut(kitchen: &Kitchen, items: &[&str]) -> (Vec<Order>, Screen) {
    let orders = kitchen.create_all(items);
    let mut screen = kitchen.display();
    wait_for_truth(kitchen, &screen);

    kitchen.proxy.cut();
    screen.wait_for("the link to drop", PATIENCE, not_live);
    screen.press("\r");
    screen.press("\r");
    screen.wait_for_text("2 queued", PATIENCE);
    (orders, screen)
}

fn not_live(text: &str) -> bool {
    !text.contains("LIVE") && (text.contains("RECONNECTING") || text.contains("OFFLINE"))
}

#[test]
fn the_real_display_rides_out_a_server_kill_and_keeps_the_bump_made_meanwhile() {
    let mut kitchen = Kitchen::start();
    let orders = kitchen.create_all(&["Burger", "Fries", "Salad"]);
    let mut screen = kitchen.display();
    wait_for_truth(&kitchen, &screen);

    kitchen.server.kill();
    screen.wait_for("the link to drop", PATIENCE, not_live);
    // The cook bumps the oldest ticket while the server is down.
    screen.press("\r");
    screen.wait_for_text("1 queued", PATIENCE);

    kitchen.server.restart();
    kitchen.proxy.retarget(kitchen.server.addr);
    let late = kitchen.create("Shake");
    let text = wait_for_truth(&kitchen, &screen);
    assert_eq!(tickets_on_screen(&text).get(&orders[0].number), Some(&1));
    assert_eq!(tickets_on_screen(&text).get(&late.number), Some(&0));
    let bumped = kitchen.order(&orders[0].id);
    assert_eq!((bumped.status, bumped.version), (Status::Preparing, 2));
    kitchen.wait_for_empty_queue();
    screen.press("q");
    assert_eq!(screen.wait_exit(PATIENCE), 0);
}

#[test]
fn a_cut_link_with_a_conflicting_bump_shows_the_conflict_and_the_true_state() {
    let kitchen = Kitchen::start();
    let (orders, mut screen) =
        two_bumps_queued_during_a_cut(&kitchen, &["Burger", "Fries", "Salad"]);
    // Meanwhile another terminal takes the first ticket to Ready, and a new order comes.
    let api = kitchen.api();
    kitchen.runtime.block_on(async {
        let preparing = api.set_status(&orders[0], Status::Preparing).await;
        api.set_status(&preparing, Status::Ready).await;
    });
    let late = kitchen.create("Shake");

    kitchen.proxy.resume();
    let conflict = format!(
        "#{} was already moved to Ready by another station",
        orders[0].number
    );
    screen.wait_for_text(&conflict, PATIENCE);
    let text = wait_for_truth(&kitchen, &screen);
    let board = tickets_on_screen(&text);
    assert_eq!(board.get(&orders[0].number), Some(&2), "{text}");
    assert_eq!(board.get(&orders[1].number), Some(&1), "{text}");
    assert_eq!(board.get(&orders[2].number), Some(&0), "{text}");
    assert_eq!(board.get(&late.number), Some(&0), "{text}");
    assert_eq!(
        kitchen.order(&orders[0].id).version,
        3,
        "moved twice, by the other terminal"
    );
    assert_eq!(
        kitchen.order(&orders[1].id).version,
        2,
        "moved once, by this one"
    );
    screen.press("q");
    assert_eq!(screen.wait_exit(PATIENCE), 0);
}

#[test]
fn a_display_killed_with_bumps_queued_sends_them_when_started_again() {
    let kitchen = Kitchen::start();
    let (orders, mut screen) = two_bumps_queued_during_a_cut(&kitchen, &["Burger", "Fries"]);
    // SIGKILL: no shutdown, no chance to save anything more.
    screen.signal("KILL");
    screen.wait_exit(PATIENCE);
    drop(screen);
    let queued = kitchen.queued();
    let ids: Vec<&str> = queued
        .iter()
        .map(|a| a["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [orders[0].id.as_str(), orders[1].id.as_str()]);
    for order in &orders {
        assert_eq!(kitchen.order(&order.id).status, Status::Pending);
    }

    kitchen.proxy.resume();
    let mut screen = kitchen.display();
    let text = wait_for_truth(&kitchen, &screen);
    for order in &orders {
        let now = kitchen.order(&order.id);
        assert_eq!(
            (now.status, now.version),
            (Status::Preparing, 2),
            "exactly once"
        );
        assert_eq!(tickets_on_screen(&text).get(&order.number), Some(&1));
    }
    kitchen.wait_for_empty_queue();
    screen.press("q");
    assert_eq!(screen.wait_exit(PATIENCE), 0);
    assert!(kitchen.home().exists());
}

/// A display restarted while its link is down (a power cut that took the
/// router too, Wi-Fi not up yet) shows the cards it held, takes a bump of
/// one into its queue, and sends it once the server is reachable.
#[test]
fn a_display_restarted_during_a_cut_shows_what_it_held_and_bumps_it() {
    let kitchen = Kitchen::start();
    let orders = kitchen.create_all(&["Burger", "Fries"]);
    let mut screen = kitchen.display();
    let before = wait_for_truth(&kitchen, &screen);
    let kept = kitchen.home().join("data").join("seen-grill.json");
    screen.wait_for("the screen kept", PATIENCE, |_| {
        std::fs::read_to_string(&kept)
            .is_ok_and(|text| orders.iter().all(|order| text.contains(&order.id)))
    });
    kitchen.proxy.cut();
    screen.signal("KILL");
    screen.wait_exit(PATIENCE);
    drop(screen);

    let mut screen = kitchen.display();
    let text = screen.wait_for_text("kept from before the restart", PATIENCE);
    assert!(not_live(&text), "{text}");
    assert_eq!(
        tickets_on_screen(&text),
        tickets_on_screen(&before),
        "{text}"
    );
    // Enter bumps the focused (oldest) ticket.
    screen.press("\r");
    let text = screen.wait_for_text("1 queued", PATIENCE);
    assert_eq!(
        tickets_on_screen(&text).get(&orders[0].number),
        Some(&1),
        "{text}"
    );
    assert_eq!(kitchen.order(&orders[0].id).status, Status::Pending);

    kitchen.proxy.resume();
    let text = wait_for_truth(&kitchen, &screen);
    let bumped = kitchen.order(&orders[0].id);
    assert_eq!((bumped.status, bumped.version), (Status::Preparing, 2));
    assert_eq!(tickets_on_screen(&text).get(&orders[0].number), Some(&1));
    assert!(!text.contains("kept from before the restart"), "{text}");
    kitchen.wait_for_empty_queue();
    screen.press("q");
    assert_eq!(screen.wait_exit(PATIENCE), 0);
}

#[test]
fn lines_marked_done_during_a_cut_arrive_exactly_once_in_order_after_a_restart() {
    let kitchen = Kitchen::start();
    let body = serde_json::json!({"station": "grill", "items": [
        {"name": "Burger", "qty": 1}, {"name": "Fries", "qty": 1}, {"name": "Salad", "qty": 1}
    ]});
    let order = kitchen
        .runtime
        .block_on(kitchen.api().post_order(&body, None))
        .order()
        .unwrap();
    let mut screen = kitchen.display();
    wait_for_truth(&kitchen, &screen);

    kitchen.proxy.cut();
    screen.wait_for("the link to drop", PATIENCE, not_live);
    // Into the ticket: Burger done, then not done after all, then Fries done.
    screen.press("i");
    screen.press("\r");
    screen.press("\r");
    screen.press("j");
    screen.press("\r");
    screen.wait_for_text("3 queued", PATIENCE);
    screen.signal("KILL");
    screen.wait_exit(PATIENCE);
    drop(screen);
    let queued = kitchen.queued();
    let steps: Vec<(&str, bool)> = queued
        .iter()
        .map(|a| (a["item_id"].as_str().unwrap(), a["done"].as_bool().unwrap()))
        .collect();
    assert_eq!(steps, [("1", true), ("1", false), ("2", true)]);
    assert_eq!(kitchen.order(&order.id).version, 1, "nothing sent yet");

    kitchen.proxy.resume();
    let mut screen = kitchen.display();
    kitchen.wait_for_empty_queue();
    let now = kitchen.order(&order.id);
    let done: Vec<bool> = now.items.iter().map(kds_protocol::Item::is_done).collect();
    assert_eq!(done, [false, true, false], "in order");
    assert_eq!(now.version, 4, "each exactly once");
    assert_eq!(now.status, Status::Pending, "not every line is done");
    screen.wait_for_text("DONE", PATIENCE);
    screen.press("q");
    assert_eq!(screen.wait_exit(PATIENCE), 0);
}

#[test]
fn a_stalled_link_is_noticed_within_the_configured_dead_peer_bound() {
    let kitchen = Kitchen::start();
    let first = kitchen.create("Burger");
    let screen = kitchen.display();
    wait_for_truth(&kitchen, &screen);

    // TCP stays up, nothing arrives: only the dead-peer clock (2 s in
    // FAST_CLIENT_CONFIG, 45 s by default) can tell.
    kitchen.proxy.stall();
    let stalled_at = std::time::Instant::now();
    screen.wait_for("the stall noticed", PATIENCE, not_live);
    let noticed = stalled_at.elapsed();
    // Not at once (nothing closed), and not long after the bound.
    assert!(
        noticed >= std::time::Duration::from_secs(1) && noticed < std::time::Duration::from_secs(5),
        "noticed after {noticed:?}"
    );
    let api = kitchen.api();
    kitchen
        .runtime
        .block_on(api.set_status(&first, Status::Preparing));
    kitchen.proxy.resume();
    let text = wait_for_truth(&kitchen, &screen);
    assert_eq!(tickets_on_screen(&text).get(&first.number), Some(&1));
}

#[test]
fn behind_a_proxy_that_refuses_websockets_the_real_display_polls_to_the_same_screen() {
    let kitchen = Kitchen::start();
    let orders = kitchen.create_all(&["Burger", "Fries"]);
    let refusing = kitchen.runtime.block_on(net_support::kitchen::Proxy::start(
        kitchen.server.addr,
        "403 Forbidden",
    ));
    let mut screen = kitchen.display_via(&refusing.url);
    wait_for_truth_in(&kitchen, &screen, "POLLING");
    // The cook bumps over HTTP; another terminal moves the other ticket on;
    // a new order arrives.
    screen.press("\r");
    let api = kitchen.api();
    kitchen
        .runtime
        .block_on(api.set_status(&orders[1], Status::Preparing));
    let late = kitchen.create("Shake");
    let text = wait_for_truth_in(&kitchen, &screen, "POLLING");
    assert!(!text.contains("LIVE"), "{text}");
    let board = tickets_on_screen(&text);
    assert_eq!(board.get(&orders[0].number), Some(&1), "{text}");
    assert_eq!(board.get(&orders[1].number), Some(&1), "{text}");
    assert_eq!(board.get(&late.number), Some(&0), "{text}");
    assert_eq!(kitchen.order(&orders[0].id).version, 2);
    screen.press("q");
    assert_eq!(screen.wait_exit(PATIENCE), 0);
}
