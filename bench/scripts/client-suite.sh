#!/usr/bin/env bash
# The client footprint figures of docs/benchmarks.md: the lean kds binary
# in a 120x40 pty against a fresh server holding 200 tickets, RUNS times
# (default 3), then the medians. Results go to OUT.
#
#   cargo build --release -p kds-server -p kds-bench
#   bench/scripts/client-suite.sh [RUNS] [OUT]
#
# It builds the display as a kitchen installs it (the `lean` profile,
# without the demo) and measures a copy: a build of the package with its
# default features in that profile would put the demo-enabled binary at
# the same path.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs="${1:-3}"
out="${2:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
cargo build --profile lean --no-default-features -p kds
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
cp target/lean/kds "$copy/kds-lean"
for i in $(seq "$runs"); do
  echo "== footprint, run $i" >&2
  bench/scripts/with-server.sh target/release/kds-footprint --kds "$copy/kds-lean" \
    --url '{url}' --orders 200 --cols 120 --rows 40 --idle 60s --json >"$out/footprint-$i.json"
  sleep 2
done
python3 bench/scripts/median.py "$out"/footprint-*.json
