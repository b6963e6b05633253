#!/usr/bin/env bash
# Runs a command against a fresh kds-server (release build, new SQLite file,
# 127.0.0.1 only) and stops the server afterwards. In the command, {url}
# and {pid} stand for the server's URL and process id:
#
#   bench/scripts/with-server.sh target/release/kds-bench --url {url} --server-pid {pid} --clients 10
#
# Build first: cargo build --release -p kds-server -p kds-bench
# KDS_BENCH_SERVER names another server binary (e.g. a patched build).
set -euo pipefail
cd "$(dirname "$0")/../.."

port="${KDS_BENCH_PORT:-18080}"
dir="$(mktemp -d)"
# 10,000 idle connections need as many descriptors in the server.
ulimit -n "${KDS_BENCH_NOFILE:-20000}"

# KDS_BENCH_SERVER_CPUS pins the server to those cores (taskset -c), so
# that a load tool pinned to the others cannot steal its time.
pin=()
if [[ -n "${KDS_BENCH_SERVER_CPUS:-}" ]]; then pin=(taskset -c "$KDS_BENCH_SERVER_CPUS"); fi
# The load tools send from one address (10,000 WebSocket upgrades in two
# seconds, orders at any --rate) and measure the server, not its rate
# limits, so those are off here, and only here: a kitchen keeps them on.
# Set through the environment, which builds from before the limits ignore.
export KDS_CHANGES_PER_SECOND=0 KDS_READS_PER_SECOND=0
"${pin[@]}" "${KDS_BENCH_SERVER:-target/release/kds-server}" --listen "127.0.0.1:$port" \
  --database "sqlite://$dir/kds.db" --log warn 2>"$dir/server.log" &
pid=$!
source bench/scripts/around.sh
run_around "$pid" "$port" "$dir" "$@"
