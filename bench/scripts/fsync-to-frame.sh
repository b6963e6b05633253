#!/usr/bin/env bash
# Where the time between a commit's fsync and the first frame goes: a fresh
# server, 1,000 kds-bench clients, 100 orders at 5/s; 8 s of the run
# recorded with scheduler and syscall tracepoints (perf, server threads
# only), then read by fsync-to-frame.py (traced.sh says how).
#
#   bench/scripts/fsync-to-frame.sh target/release/kds-server OUT_PREFIX
#   KDS_NODE_WS_DIR=/tmp/nodews/node_ws bench/scripts/fsync-to-frame.sh node-ws OUT_PREFIX
#
# The tracepoints cost little, but the figures are for comparing servers
# traced alike, not with kds-bench's.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRIPT=bench/scripts/fsync-to-frame.sh
LOAD="--clients 1000 --orders 100 --rate 5"
RECORD="-p {pid} -e sched:sched_switch,sched:sched_wakeup,syscalls:sys_exit_fsync,syscalls:sys_exit_fdatasync,syscalls:sys_enter_sendto,syscalls:sys_enter_futex,syscalls:sys_enter_write,syscalls:sys_enter_writev"
FIELDS=comm,tid,cpu,time,event,trace
ANALYSE=bench/scripts/fsync-to-frame.py
source bench/scripts/traced.sh
traced "$@"
