//! How long one `tokio::sync::broadcast` send takes to wake N waiting
//! tasks on a two-worker runtime, and when the first and the last of them
//! run (docs/benchmarks.md, "Issue 12, item 1"). The feed handed every
//! event to the sessions this way until `8759609`. A second argument K
//! splits the tasks over K channels, sent to one after the other; a third,
//! `relay`, sends once to K relay tasks, each of which sends on to its
//! channel (the shape of the feed's wake groups since). Not part of the
//! build; to run it:
//!
//!   cargo new /tmp/bcast && cp bench/experiments/broadcast-wake.rs /tmp/bcast/src/main.rs
//!   (cd /tmp/bcast && cargo add tokio --features full && cargo run --release -- 1000 32 relay)

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let k: usize = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(1);
        let relay = std::env::args().nth(3).as_deref() == Some("relay");
        let shards: Vec<_> = (0..k).map(|_| broadcast::channel::<Instant>(64).0).collect();
        let txs: Vec<_> = if relay {
            let top = broadcast::channel::<Instant>(64).0;
            for shard in &shards {
                let (mut rx, shard) = (top.subscribe(), shard.clone());
                tokio::spawn(async move {
                    while let Ok(sent) = rx.recv().await { let _ = shard.send(sent); }
                });
            }
            vec![top]
        } else { shards.clone() };
        let first = Arc::new(Mutex::new(Vec::<Instant>::new()));
        for i in 0..n {
            let mut rx = shards[i % k].subscribe();
            let first = first.clone();
            tokio::spawn(async move {
                while let Ok(_sent) = rx.recv().await {
                    first.lock().unwrap().push(Instant::now());
                }
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut to_first = vec![]; let mut send_cost = vec![]; let mut to_last = vec![];
        for _ in 0..200 {
            first.lock().unwrap().clear();
            let h = tokio::spawn({ let txs = txs.clone(); async move {
                let t0 = Instant::now();
                for tx in &txs { tx.send(t0).unwrap(); }
                let t1 = Instant::now();
                tokio::task::yield_now().await;
                (t0, t1)
            }});
            let (t0, t1) = h.await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            let v = first.lock().unwrap().clone();
            let mn = v.iter().min().unwrap(); let mx = v.iter().max().unwrap();
            to_first.push(mn.duration_since(t0).as_micros());
            to_last.push(mx.duration_since(t0).as_micros());
            send_cost.push(t1.duration_since(t0).as_micros());
        }
        for (name, v) in [("send() returns", &mut send_cost), ("first receiver runs", &mut to_first), ("last receiver runs", &mut to_last)] {
            v.sort(); println!("n={n} k={k} {name}: p50 {} us p90 {} us", v[v.len()/2], v[v.len()*9/10]);
        }
    });
}
