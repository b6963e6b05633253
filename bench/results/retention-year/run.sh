#!/usr/bin/env bash
# The two runs of docs/benchmarks.md, "The database over a year", written
# next to this script. Build first:
#   cargo build --release -p kds-bench --bin kds-retention-bench
set -u
here="$(cd "$(dirname "$0")" && pwd)"
tool="$here/../../../target/release/kds-retention-bench"
for keep in 30days off; do
  echo "== keep $keep $(date +%T)"
  "$tool" --days 365 --keep-completed "$keep" --dir /dev/shm --json \
    >"$here/year-keep-$keep.json" 2>"$here/year-keep-$keep.log" || echo FAILED
done
echo ALLDONE "$(date +%T)"
