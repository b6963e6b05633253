//! The order simulator streams orders that move along.

use crate::support::{Backend, TestServer};
use kds_server::DemoConfig;
use std::collections::HashSet;
use std::time::Duration;

pub async fn the_simulator_streams_orders_that_move_along(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.demo = Some(DemoConfig {
            every: Duration::from_millis(30),
            ..DemoConfig::default()
        });
    })
    .await;
    let mut ws = server.connect("/ws/stations/all").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    let mut statuses = HashSet::new();
    let mut stations = HashSet::new();
    let mut last = 0;
    for _ in 0..2000 {
        let frame = ws.json().await;
        if frame["type"] == "event" {
            let seq = frame["seq"].as_i64().unwrap();
            assert!(seq > last);
            last = seq;
            statuses.insert(frame["order"]["status"].as_str().unwrap().to_owned());
            stations.insert(frame["order"]["station"].as_str().unwrap().to_owned());
            assert!(!frame["order"]["items"].as_array().unwrap().is_empty());
        }
        if statuses.len() == 4 && stations.len() >= 3 {
            break;
        }
    }
    assert_eq!(statuses.len(), 4, "every column fills: {statuses:?}");
    assert!(stations.len() >= 3, "{stations:?}");
}
