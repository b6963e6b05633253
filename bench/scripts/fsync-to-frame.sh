#!/usr/bin/env bash
# Where the time between a commit's fsync and the first frame goes: a fresh
# server (kds-server, or node_ws with `node-ws` as BINARY and
# KDS_NODE_WS_DIR naming its installed copy, started as with-server.sh and
# with-node-ws.sh start them), 1,000 kds-bench clients, 100 orders at 5/s;
# 8 s of the run recorded with scheduler and syscall tracepoints (perf,
# server threads only), then read by fsync-to-frame.py.
#
#   bench/scripts/fsync-to-frame.sh target/release/kds-server OUT_PREFIX
#
# Writes OUT_PREFIX.json (kds-bench's report) and OUT_PREFIX.txt (the
# summary); with KDS_TRACE_KEEP set, OUT_PREFIX.perf.txt.gz (the trace). The tracepoints cost little, but the figures are for comparing
# servers traced alike, not with kds-bench's.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ "${1:-}" == --against ]]; then
  # Run by the wrapper below, with the server up: URL PID OUT_PREFIX.
  url="$2" pid="$3" out="$4"
  dir="$(mktemp -d)"
  trap 'rm -rf "$dir"' EXIT
  "${KDS_BENCH_TOOL:-target/release/kds-bench}" --url "$url" --server-pid "$pid" \
    --station grill --json --clients 1000 --orders 100 --rate 5 >"$out.json" 2>/dev/null &
  bench=$!
  # Past the connections, into the orders.
  sleep 6
  perf record -p "$pid" -o "$dir/perf.data" -e sched:sched_switch,sched:sched_wakeup,syscalls:sys_exit_fsync,syscalls:sys_exit_fdatasync,syscalls:sys_enter_sendto,syscalls:sys_enter_futex,syscalls:sys_enter_write,syscalls:sys_enter_writev \
    -- sleep 8 >/dev/null 2>&1
  wait "$bench"
  perf script -i "$dir/perf.data" -F comm,tid,cpu,time,event,trace 2>/dev/null >"$dir/perf.txt"
  python3 bench/scripts/fsync-to-frame.py "$dir/perf.txt" | tee "$out.txt"
  # The trace itself, to read one order's events with fsync-to-frame.py.
  [[ -n "${KDS_TRACE_KEEP:-}" ]] && gzip -c "$dir/perf.txt" >"$out.perf.txt.gz"
  exit
fi

binary="$1"
out="$2"
wrapper=bench/scripts/with-server.sh
[[ "$binary" == node-ws ]] && wrapper=bench/scripts/with-node-ws.sh
KDS_BENCH_PORT="${KDS_BENCH_PORT:-18095}" KDS_BENCH_SERVER="$binary" \
  "$wrapper" bench/scripts/fsync-to-frame.sh --against '{url}' '{pid}' "$out"
