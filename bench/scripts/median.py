#!/usr/bin/env python3
"""Medians of kds-bench JSON reports, grouped by file name (NAME-RUN.json)."""
import json
import statistics
import sys
from collections import defaultdict

FIGURES = {
    "fanout": [
        ("delivery p50 ms", lambda r: r["delivery"]["p50_us"] / 1000),
        ("delivery p90 ms", lambda r: r["delivery"]["p90_us"] / 1000),
        ("delivery p99 ms", lambda r: r["delivery"]["p99_us"] / 1000),
        ("delivery max ms", lambda r: r["delivery"]["max_us"] / 1000),
        ("first client p50 ms", lambda r: r["first_delivery"]["p50_us"] / 1000),
        ("first client p99 ms", lambda r: r["first_delivery"]["p99_us"] / 1000),
        ("arrival p50 ms", lambda r: r["arrival"]["p50_us"] / 1000),
        ("arrival p99 ms", lambda r: r["arrival"]["p99_us"] / 1000),
        ("first arrival p50 ms", lambda r: r["first_arrival"]["p50_us"] / 1000),
        ("first arrival p99 ms", lambda r: r["first_arrival"]["p99_us"] / 1000),
        ("arrivals unstamped", lambda r: r["unstamped"]),
        ("POST p50 ms", lambda r: r["post"]["p50_us"] / 1000),
        ("POST p99 ms", lambda r: r["post"]["p99_us"] / 1000),
        ("missing", lambda r: r["missing"]),
        ("duplicated", lambda r: r["duplicated"]),
        ("server peak RSS MiB", lambda r: r["server"]["after"]["peak_rss_kib"] / 1024),
        ("server CPU s", lambda r: r["server"]["cpu_seconds"]),
        ("tool CPU s", lambda r: r["tool_cpu_seconds"]),
    ],
    "check": [
        ("order p50 ms", lambda r: r["order"]["p50_us"] / 1000),
        ("order p99 ms", lambda r: r["order"]["p99_us"] / 1000),
        ("check p50 ms", lambda r: r["check"]["p50_us"] / 1000),
        ("check p99 ms", lambda r: r["check"]["p99_us"] / 1000),
        ("check/order p50", lambda r: r["ratio_p50"]),
        ("check/order p99", lambda r: r["ratio_p99"]),
    ],
    "idle": [
        ("connected", lambda r: r["connected"]),
        ("still open", lambda r: r["still_open"]),
        ("connect s", lambda r: r["connect_seconds"]),
        ("server RSS MiB", lambda r: r["server"]["held"]["rss_kib"] / 1024),
        ("KiB per connection", lambda r: r["server"]["kib_per_connection"]),
        ("hold CPU s", lambda r: r["server"]["hold_cpu_seconds"]),
    ],
    "footprint": [
        ("binary bytes", lambda r: r["binary_bytes"]),
        ("tickets", lambda r: r["tickets"]),
        ("start to output ms", lambda r: r["start_to_first_output_ms"]),
        ("start to data ms", lambda r: r["start_to_data_ms"]),
        ("peak RSS MiB", lambda r: r["end"]["peak_rss_kib"] / 1024),
        ("RSS anon MiB", lambda r: r["end"]["rss_anon_kib"] / 1024),
        ("RSS file MiB", lambda r: r["end"]["rss_file_kib"] / 1024),
        ("idle CPU %", lambda r: r["idle_cpu_percent"]),
        ("idle bytes/s", lambda r: r["idle_bytes_per_second"]),
    ],
}


def figure(get, report):
    try:
        return get(report)
    except (KeyError, TypeError):
        return None


def main(paths):
    groups = defaultdict(list)
    for path in paths:
        name = path.rsplit("/", 1)[-1].rsplit("-", 1)[0]
        with open(path) as f:
            groups[name].append(json.load(f))
    for name, reports in sorted(groups.items()):
        print(f"{name} (median of {len(reports)})")
        for label, get in FIGURES[name.split("-")[0]]:
            values = [v for v in map(lambda r: figure(get, r), reports) if v is not None]
            if not values:
                # Reports older than the figure (the arrival ones) lack it.
                continue
            shown = ", ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in values)
            print(f"  {label:<22} {statistics.median(values):>10.3f}   [{shown}]")


if __name__ == "__main__":
    main(sys.argv[1:])
