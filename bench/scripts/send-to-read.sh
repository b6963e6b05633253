#!/usr/bin/env bash
# How long the load tool takes to read an order's first frame once the
# server has sent it: a fresh server (as with-server.sh starts it), 1,000
# kds-bench clients, 200 orders at 10/s; 10 s of the run recorded on every
# CPU (perf, scheduler tracepoints and the send, read and fsync syscalls),
# then read by send-to-read.py.
#
#   bench/scripts/send-to-read.sh target/release/kds-server OUT_PREFIX
#
# Writes OUT_PREFIX.json (kds-bench's report) and OUT_PREFIX.txt (the
# summary, and the scheduler's switches in the slowest order's wait).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ "${1:-}" == --against ]]; then
  # Run by the wrapper below, with the server up: URL PID OUT_PREFIX.
  url="$2" pid="$3" out="$4"
  dir="$(mktemp -d)"
  trap 'rm -rf "$dir"' EXIT
  "${KDS_BENCH_TOOL:-target/release/kds-bench}" --url "$url" --server-pid "$pid" \
    --station grill --json --clients 1000 --orders 200 --rate 10 >"$out.json" 2>/dev/null &
  bench=$!
  # Past the connections, into the orders.
  sleep 8
  perf record -a -o "$dir/perf.data" -e sched:sched_switch,sched:sched_wakeup,syscalls:sys_enter_sendto,syscalls:sys_exit_recvfrom,syscalls:sys_exit_read,syscalls:sys_exit_fsync \
    -- sleep 10 >/dev/null 2>&1
  wait "$bench"
  perf script -i "$dir/perf.data" -F comm,pid,tid,cpu,time,event,trace 2>/dev/null >"$dir/perf.txt"
  python3 bench/scripts/send-to-read.py "$dir/perf.txt" "$pid" | tee "$out.txt"
  exit
fi

binary="$1"
out="$2"
KDS_BENCH_PORT="${KDS_BENCH_PORT:-18095}" KDS_BENCH_SERVER="$binary" \
  bench/scripts/with-server.sh bench/scripts/send-to-read.sh --against '{url}' '{pid}' "$out"
