# Sourced by fsync-to-frame.sh and send-to-read.sh, which set:
#   SCRIPT      the script itself (run again by the server's wrapper)
#   LOAD        kds-bench's load flags (`--clients 1000 --orders 100 --rate 5`)
#   RECORD      perf record's flags (what to record, and whose)
#   FIELDS      perf script's fields
#   ANALYSE     the analyser, given the trace's text file (and the server's
#               pid with ANALYSE_PID set)
# then call `traced "$@"`. With BINARY OUT_PREFIX it starts a fresh server
# (kds-server, or node_ws for `node-ws` with KDS_NODE_WS_DIR naming its
# installed copy) through with-server.sh or with-node-ws.sh, and runs the
# script again against it. That run sends LOAD, records 8 s of it (from
# 6 s in: past the connections, into the orders) and writes
# OUT_PREFIX.json (kds-bench's report) and OUT_PREFIX.txt (the analysis);
# with KDS_TRACE_KEEP set, OUT_PREFIX.perf.txt.gz (the trace).
traced() {
  if [[ "${1:-}" == --against ]]; then
    local url="$2" pid="$3" out="$4" dir bench
    dir="$(mktemp -d)"
    # shellcheck disable=SC2064
    trap "rm -rf '$dir'" EXIT
    # shellcheck disable=SC2086
    "${KDS_BENCH_TOOL:-target/release/kds-bench}" --url "$url" --server-pid "$pid" \
      --station grill --json $LOAD >"$out.json" 2>/dev/null &
    bench=$!
    sleep 6
    # shellcheck disable=SC2086
    perf record ${RECORD//\{pid\}/$pid} -o "$dir/perf.data" -- sleep 8 >/dev/null 2>&1
    wait "$bench"
    perf script -i "$dir/perf.data" -F "$FIELDS" 2>/dev/null >"$dir/perf.txt"
    local args=("$dir/perf.txt")
    [[ -n "${ANALYSE_PID:-}" ]] && args+=("$pid")
    python3 "$ANALYSE" "${args[@]}" | tee "$out.txt"
    [[ -n "${KDS_TRACE_KEEP:-}" ]] && gzip -c "$dir/perf.txt" >"$out.perf.txt.gz"
    return 0
  fi
  local binary="$1" out="$2" wrapper=bench/scripts/with-server.sh
  [[ "$binary" == node-ws ]] && wrapper=bench/scripts/with-node-ws.sh
  KDS_BENCH_PORT="${KDS_BENCH_PORT:-18095}" KDS_BENCH_SERVER="$binary" \
    "$wrapper" "$SCRIPT" --against '{url}' '{pid}' "$out"
}
