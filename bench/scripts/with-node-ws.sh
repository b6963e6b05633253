#!/usr/bin/env bash
# Runs a command against a fresh node_ws (../shared/peers/node_ws: Node's
# `ws` + better-sqlite3, the fifty-line fan-out kds is compared with), on a
# new SQLite file, 127.0.0.1 only, and stops it afterwards. {url} and {pid}
# in the command stand for its URL and process id, as in with-server.sh.
#
#   KDS_NODE_WS_DIR=/tmp/nodews/node_ws bench/scripts/with-node-ws.sh \
#     target/release/kds-bench --url {url} --server-pid {pid} --clients 10
#
# KDS_NODE_WS_DIR is a copy of the peer with its packages installed (copy it
# out of shared/ first, then `npm install`; better-sqlite3's native module
# may need `node-gyp rebuild --release --nodedir=/usr` in its folder).
set -euo pipefail
cd "$(dirname "$0")/../.."

port="${KDS_BENCH_PORT:-18080}"
node_dir="${KDS_NODE_WS_DIR:?KDS_NODE_WS_DIR names the installed node_ws copy}"
dir="$(mktemp -d)"
ulimit -n "${KDS_BENCH_NOFILE:-20000}"
# KDS_BENCH_SERVER_CPUS pins it as with-server.sh pins kds-server.
pin=()
if [[ -n "${KDS_BENCH_SERVER_CPUS:-}" ]]; then pin=(taskset -c "$KDS_BENCH_SERVER_CPUS"); fi
"${pin[@]}" node "$node_dir/server.js" "$port" "$dir/peer.db" >"$dir/server.log" 2>&1 &
pid=$!
source bench/scripts/around.sh
run_around "$pid" "$port" "$dir" "$@"
