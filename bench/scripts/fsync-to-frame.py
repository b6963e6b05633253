#!/usr/bin/env python3
"""From the end of a commit's fsync to the first WebSocket frame, per order.

Reads `perf script -F comm,tid,cpu,time,event,trace` of a server recorded
with scheduler and syscall tracepoints (bench/scripts/fsync-to-frame.sh does
both). For every fsync that returns, the first frame is the next `sendto`
(kds-server), or the next `write`/`writev` of the thread named `node`
(node_ws); kds-server's own `write`s are the runtime's wake-ups (eventfd).
Prints the median and p90 in µs, and how many thread switches and futex
waits of the server fell between. With an order's index as the second
argument, prints that order's events.
"""
import re
import statistics
import sys

EVENT = re.compile(r"\s*(\S+)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)")
SYNCS = ("syscalls:sys_exit_fsync", "syscalls:sys_exit_fdatasync")


def is_frame(comm, event):
    if event == "syscalls:sys_enter_sendto":
        return True
    return comm == "node" and event in ("syscalls:sys_enter_write", "syscalls:sys_enter_writev")


def main(path, show):
    rows = []
    with open(path) as trace:
        for line in trace:
            match = EVENT.match(line)
            if match:
                comm, tid, cpu, at, event, rest = match.groups()
                rows.append((comm, int(tid), int(cpu), float(at), event, rest))
    waits, switches, futex_waits = [], [], []
    for order, start in enumerate(i for i, row in enumerate(rows) if row[4] in SYNCS):
        began, switched, waited = rows[start][3], 0, 0
        for row in rows[start + 1 : start + 5000]:
            if order == show:
                print(f"{(row[3] - began) * 1e6:8.1f} µs  {row[0][:15]:15} {row[1]} [{row[2]}] {row[4]} {row[5][:80]}")
            if row[4] == "sched:sched_switch":
                switched += 1
            # FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG: a thread blocking.
            if row[4] == "syscalls:sys_enter_futex" and "op: 0x00000089" in row[5]:
                waited += 1
            if is_frame(row[0], row[4]):
                waits.append((row[3] - began) * 1e6)
                switches.append(switched)
                futex_waits.append(waited)
                break
    if not waits:
        sys.exit(f"{path}: no fsync followed by a frame")
    waits.sort()
    print(
        f"{len(waits)} orders: fsync end -> first frame median {statistics.median(waits):.0f} µs,"
        f" p90 {waits[int(len(waits) * 0.9)]:.0f} µs;"
        f" thread switches {statistics.median(switches):.0f}, futex waits {statistics.median(futex_waits):.0f} (medians)"
    )


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else -1)
