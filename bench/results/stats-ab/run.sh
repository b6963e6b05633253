#!/usr/bin/env bash
# Interleaved: base and index builds, sqlite and postgres.
set -u
export KDS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
cd /tmp/statsruns
for i in 1 2 3; do
  for backend in sqlite postgres; do
    for build in base index; do
      [[ $build == base && $i == 1 ]] && continue
      echo "== $backend $build $i $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
      /tmp/kds-stats-bench-$build --backend $backend --completed 1000000 --json > $backend-$build-$i.json || echo FAILED
    done
  done
done
echo ALLDONE
