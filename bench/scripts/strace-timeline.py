#!/usr/bin/env python3
"""Where the time of a POST goes, from a server run under strace.

Per POST /api/orders: from reading the request to the start of the commit's
fsync, the fsync itself, and from its end to the first WebSocket frame and to
the 2xx. Medians over the run. The server is started under strace, so that
only the traced calls stop it (--seccomp-bpf works only on a child):

  strace -f -tt -T --seccomp-bpf -s 40 -o /tmp/server.trace \
    -e trace=recvfrom,read,sendto,write,writev,fsync,fdatasync \
    target/release/kds-server --listen 127.0.0.1:18095 --database sqlite:///tmp/t/kds.db
  target/release/kds-bench --url http://127.0.0.1:18095 --station grill \
    --clients 200 --orders 100 --rate 10
  bench/scripts/strace-timeline.py /tmp/server.trace

It reads node_ws's traces the same way. The traced calls are slowed down, so
compare builds traced alike, not these figures with kds-bench's.
"""
import re
import statistics
import sys

CALL = re.compile(r"(\d+)\s+(\S+)\s+(\w+)\((.*)")
RESUMED = re.compile(r"(\d+)\s+(\S+)\s+<\.\.\. (\w+) resumed>.*<([\d.]+)>\s*$")
DURATION = re.compile(r"<([\d.]+)>\s*$")
SYNCS = ("fsync", "fdatasync")
WRITES = ("sendto", "write", "writev")


def millis(clock):
    hours, minutes, seconds = clock.split(":")
    return (int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000


def orders(lines):
    found, current = [], None
    for line in lines:
        resumed = RESUMED.match(line)
        if resumed:
            # The end of a call another thread's line interrupted.
            if current and resumed.group(3) in SYNCS and current.get("sync_end") is None:
                current["sync_end"] = current["sync"] + float(resumed.group(4)) * 1000
            continue
        call = CALL.match(line)
        if not call:
            continue
        _, clock, name, rest = call.groups()
        at = millis(clock)
        duration = DURATION.search(line)
        if name in ("recvfrom", "read") and "POST /api" in rest:
            current = {"read": at}
            found.append(current)
        elif current is None:
            continue
        elif name in SYNCS and "sync" not in current:
            current["sync"] = at
            current["sync_end"] = at + float(duration.group(1)) * 1000 if duration else None
        elif name in WRITES and current.get("sync_end") is not None:
            if "HTTP/1.1 20" in rest:
                current.setdefault("answer", at)
            elif '"type' in rest:
                # A WebSocket frame, not a runtime's wake-up write.
                current.setdefault("frame", at)
    return [o for o in found if all(o.get(k) is not None for k in ("sync_end", "frame", "answer"))]


def main(path):
    with open(path) as trace:
        rows = orders(trace)
    if not rows:
        sys.exit(f"{path}: no POST with its fsync, frame and answer")

    def median(f):
        return statistics.median(f(o) for o in rows)

    print(f"{len(rows)} orders (medians, ms)")
    print(f"  request read -> fsync start  {median(lambda o: o['sync'] - o['read']):.3f}")
    print(f"  fsync                        {median(lambda o: o['sync_end'] - o['sync']):.3f}")
    print(f"  fsync end -> first frame     {median(lambda o: o['frame'] - o['sync_end']):.3f}")
    print(f"  fsync end -> 2xx written     {median(lambda o: o['answer'] - o['sync_end']):.3f}")
    print(f"  request read -> first frame  {median(lambda o: o['frame'] - o['read']):.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
