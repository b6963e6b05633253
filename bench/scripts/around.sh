# Sourced by with-server.sh and with-node-ws.sh once they have started their
# server in the background: `run_around PID PORT DIR COMMAND...` stops the
# server and removes DIR on exit, waits (at most 10 s) for PORT to accept
# connections, then runs COMMAND with {url} and {pid} filled in.
run_around() {
  local pid="$1" port="$2" dir="$3"
  shift 3
  # Expanded now: the trap runs after this function's locals are gone.
  # shellcheck disable=SC2064
  trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf '$dir'" EXIT
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  local args=() arg
  for arg in "$@"; do
    arg="${arg//\{url\}/http://127.0.0.1:$port}"
    args+=("${arg//\{pid\}/$pid}")
  done
  "${args[@]}"
}
