#!/usr/bin/env bash
# How long the load tool takes to read an order's first frame once the
# server has sent it: a fresh kds-server, 1,000 kds-bench clients, 200
# orders at 10/s; 8 s of the run recorded on every CPU (perf, scheduler
# tracepoints and the send, read and fsync syscalls), then read by
# send-to-read.py (traced.sh says how).
#
#   bench/scripts/send-to-read.sh target/release/kds-server OUT_PREFIX
#
# OUT_PREFIX.txt has the median, the slowest orders, and the scheduler's
# switches in the slowest order's wait.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRIPT=bench/scripts/send-to-read.sh
LOAD="--clients 1000 --orders 200 --rate 10"
RECORD="-a -e sched:sched_switch,sched:sched_wakeup,syscalls:sys_enter_sendto,syscalls:sys_exit_recvfrom,syscalls:sys_exit_read,syscalls:sys_exit_fsync"
FIELDS=comm,pid,tid,cpu,time,event,trace
ANALYSE=bench/scripts/send-to-read.py
ANALYSE_PID=1
source bench/scripts/traced.sh
traced "$@"
