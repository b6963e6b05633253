#!/usr/bin/env bash
# Runs one server workload against several server builds, interleaved
# (A, B, A, B, ...), so that builds measured in one session share its noise.
# Each run gets a fresh server; results go to OUT/<name>-<build>-<i>.json.
#
#   bench/scripts/ab-suite.sh RUNS OUT NAME 'BUILD=BINARY ...' -- KDS-BENCH-ARGS...
#
#   bench/scripts/ab-suite.sh 3 /tmp/ab fanout-1000x200-10 \
#     "base=/tmp/kds-server-base new=target/release/kds-server" \
#     -- --clients 1000 --orders 200 --rate 10
#
# A BINARY of `node-ws` runs the peer node_ws instead (with-node-ws.sh,
# KDS_NODE_WS_DIR naming its installed copy).
# KDS_BENCH_TOOL names the kds-bench binary (default target/release/kds-bench);
# KDS_AB_FIRST_RUN numbers the runs from there (default 1), to add runs later.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs="$1"
out="$2"
name="$3"
read -r -a builds <<<"$4"
shift 4
[[ "${1:-}" == "--" ]] && shift
tool="${KDS_BENCH_TOOL:-target/release/kds-bench}"
mkdir -p "$out"
first="${KDS_AB_FIRST_RUN:-1}"
for i in $(seq "$first" $((first + runs - 1))); do
  for build in "${builds[@]}"; do
    label="${build%%=*}"
    echo "== $name, $label, run $i" >&2
    binary="${build#*=}"
    wrapper=bench/scripts/with-server.sh
    [[ "$binary" == node-ws ]] && wrapper=bench/scripts/with-node-ws.sh
    KDS_BENCH_SERVER="$binary" "$wrapper" "$tool" --url '{url}' \
      --server-pid '{pid}' --station grill --json "$@" >"$out/$name-$label-$i.json"
    sleep 2
  done
done
