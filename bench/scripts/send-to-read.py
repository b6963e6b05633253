#!/usr/bin/env python3
"""From the server's first frame of an order to the load tool's first read.

Reads `perf script -F comm,pid,tid,cpu,time,event,trace` of a whole machine
recorded with scheduler tracepoints and the sendto, read, recvfrom and fsync
syscalls (bench/scripts/send-to-read.sh does both), and the server's pid.
For every commit of the server (an fsync that returns), finds the server's
next `sendto` (the order's first frame) and then kds-bench's next read of
more than 100 bytes. Prints the median and the slowest orders, and the
scheduler's switches during the slowest order's wait: which threads held
each CPU while the tool's woken thread waited.
"""
import re
import statistics
import sys

EVENT = re.compile(r"\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)")
READS = ("syscalls:sys_exit_read", "syscalls:sys_exit_recvfrom")


def read_size(text):
    try:
        return int(text, 16)
    except ValueError:
        return -1


def main(path, server):
    rows = []
    # Thread -> process, to tell the server's runtime workers from the
    # tool's (both are named tokio-rt-worker).
    owners = {}
    with open(path) as trace:
        for line in trace:
            match = EVENT.match(line)
            if match:
                comm, pid, tid, cpu, at, event, rest = match.groups()
                rows.append((comm, int(pid), int(cpu), float(at), event, rest))
                owners[int(tid)] = int(pid)
    tool = next((r[1] for r in rows if r[0].startswith("kds-bench")), None)
    if tool is None:
        sys.exit(f"{path}: no kds-bench thread in the trace")
    waits = []
    commits = [i for i, r in enumerate(rows) if r[4] == "syscalls:sys_exit_fsync" and r[1] == server]
    for start in commits:
        sent = None
        for i in range(start + 1, min(start + 400_000, len(rows))):
            row = rows[i]
            if sent is None and row[4] == "syscalls:sys_enter_sendto" and row[1] == server:
                sent = i
            elif sent is not None and row[1] == tool and row[4] in READS and 100 < read_size(row[5]) < 1 << 20:
                waits.append(((row[3] - rows[sent][3]) * 1e3, (rows[sent][3] - rows[start][3]) * 1e3, sent, i))
                break
    if not waits:
        sys.exit(f"{path}: no commit followed by a frame and a read")
    waits.sort(reverse=True)
    print(
        f"{len(waits)} orders: first frame sent -> tool's first read median {statistics.median(w[0] for w in waits):.3f} ms;"
        f" slowest {', '.join(f'{w[0]:.3f}' for w in waits[:5])} ms"
        f" (fsync -> send {', '.join(f'{w[1]:.3f}' for w in waits[:5])} ms)"
    )
    def who(tid):
        pid = owners.get(int(tid))
        return "the server" if pid == server else "the tool" if pid == tool else f"pid {pid}"

    _, _, sent, read = waits[0]
    print("switches during the slowest wait (ms after the send, CPU, what ran next):")
    for row in rows[sent : read + 1]:
        if row[4] == "sched:sched_switch":
            switch = re.search(
                r"prev_comm=(\S+) prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=(\S+) next_pid=(\d+)", row[5]
            )
            if switch:
                prev, prev_tid, state, after, next_tid = switch.groups()
                print(
                    f"  {(row[3] - rows[sent][3]) * 1e3:7.3f}  [{row[2]}] {prev} of {who(prev_tid)} ({state})"
                    f" -> {after} of {who(next_tid)}"
                )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
