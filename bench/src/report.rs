//! The reports as plain-text tables, for a person reading a terminal.

use crate::procstat::Usage;
use crate::stats::{Summary, ms};
use crate::{fanout, idle};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn fanout_table(r: &fanout::Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "fan-out: {} clients ({} connected), {} orders at {}/s, {:.1} s",
        r.clients, r.connected, r.orders, r.rate_per_s, r.seconds
    );
    failures(&mut out, "connect failures", &r.connect_failures);
    failures(&mut out, "POST failures", &r.post_failures);
    let _ = writeln!(
        out,
        "deliveries: {} of {} expected, missing {}, duplicated {}, via resync {}, clients dropped {}",
        r.delivered, r.expected, r.missing, r.duplicated, r.via_resync, r.dropped
    );
    let _ = writeln!(
        out,
        "{:<22} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "latency (ms)", "count", "p50", "p90", "p99", "max"
    );
    latency_row(&mut out, "POST -> client frame", r.delivery.as_ref());
    latency_row(&mut out, "POST -> first client", r.first_delivery.as_ref());
    latency_row(&mut out, "POST -> frame arrived", r.arrival.as_ref());
    latency_row(&mut out, "POST -> first arrived", r.first_arrival.as_ref());
    latency_row(&mut out, "POST answer", r.post.as_ref());
    if r.unstamped > 0 {
        let _ = writeln!(
            out,
            "arrivals without the kernel's stamp (counted at their read): {}",
            r.unstamped
        );
    }
    if let Some(server) = &r.server {
        usage_row(&mut out, "server before", &server.before);
        usage_row(&mut out, "server connected", &server.connected);
        usage_row(&mut out, "server after", &server.after);
        let _ = writeln!(out, "server CPU during run: {:.2} s", server.cpu_seconds);
    }
    let _ = writeln!(out, "kds-bench CPU during run: {:.2} s", r.tool_cpu_seconds);
    out
}

pub fn idle_table(r: &idle::Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "idle: {} of {} connected in {:.1} s; {} still open after {:.0} s",
        r.connected, r.attempted, r.connect_seconds, r.still_open, r.hold_seconds
    );
    failures(&mut out, "connect failures", &r.connect_failures);
    if let Some(server) = &r.server {
        usage_row(&mut out, "server before", &server.before);
        usage_row(&mut out, "server holding", &server.held);
        let _ = writeln!(
            out,
            "server: {:.1} KiB per connection, {:.2} CPU s during the hold",
            server.kib_per_connection, server.hold_cpu_seconds
        );
    }
    out
}

fn failures(out: &mut String, title: &str, list: &BTreeMap<String, usize>) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    for (kind, count) in list {
        let _ = writeln!(out, "  {count:>6}  {kind}");
    }
}

fn latency_row(out: &mut String, name: &str, summary: Option<&Summary>) {
    match summary {
        Some(s) => {
            let _ = writeln!(
                out,
                "{name:<22} {:>8} {:>9} {:>9} {:>9} {:>9}",
                s.count,
                ms(s.p50_us),
                ms(s.p90_us),
                ms(s.p99_us),
                ms(s.max_us)
            );
        }
        None => {
            let _ = writeln!(out, "{name:<22} {:>8}", 0);
        }
    }
}

fn usage_row(out: &mut String, name: &str, usage: &Usage) {
    let _ = writeln!(
        out,
        "{name:<17} RSS {:>7.1} MiB  peak {:>7.1} MiB  CPU {:>7.2} s  threads {}",
        usage.rss_kib as f64 / 1024.0,
        usage.peak_rss_kib as f64 / 1024.0,
        usage.cpu_seconds,
        usage.threads
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fanout_table_names_every_figure() {
        let report = fanout::Report {
            clients: 10,
            connected: 9,
            connect_failures: BTreeMap::from([("timeout".to_owned(), 1)]),
            orders: 5,
            rate_per_s: 50.0,
            posted: 5,
            post_failures: BTreeMap::new(),
            expected: 45,
            delivered: 44,
            missing: 1,
            duplicated: 0,
            via_resync: 0,
            dropped: 0,
            delivery: Some(Summary {
                count: 44,
                p50_us: 1_200,
                p90_us: 2_000,
                p99_us: 3_500,
                max_us: 4_000,
            }),
            first_delivery: None,
            arrival: None,
            first_arrival: None,
            unstamped: 0,
            post: None,
            seconds: 0.2,
            tool_cpu_seconds: 0.1,
            server: None,
        };
        let table = fanout_table(&report);
        for needle in [
            "10 clients (9 connected)",
            "1  timeout",
            "missing 1",
            "1.200",
            "3.500",
        ] {
            assert!(table.contains(needle), "{needle:?} in\n{table}");
        }
    }
}
