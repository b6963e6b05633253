#!/usr/bin/env bash
# The server figures of docs/benchmarks.md: each workload RUNS times (default
# 3), every run against a fresh server (so its peak RSS is that run's), then
# the median of each figure. Results go to OUT (default bench/results/<time>).
#
#   cargo build --release -p kds-server -p kds-bench
#   bench/scripts/server-suite.sh [RUNS] [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."

runs="${1:-3}"
out="${2:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
run() {
  local name="$1"
  shift
  for i in $(seq "$runs"); do
    echo "== $name, run $i" >&2
    bench/scripts/with-server.sh target/release/kds-bench --url '{url}' --server-pid '{pid}' \
      --station grill --json "$@" >"$out/$name-$i.json"
    sleep 2
  done
}
run fanout-10x500-50 --clients 10 --orders 500 --rate 50
run fanout-200x500-20 --clients 200 --orders 500 --rate 20
run fanout-1000x200-10 --clients 1000 --orders 200 --rate 10
run idle-10000 --idle --clients 10000 --hold 20s
python3 bench/scripts/median.py "$out"/*.json
