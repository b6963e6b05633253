//! What a process costs, read from `/proc/<pid>/status` and `/proc/<pid>/stat`.

use procfs::FromRead;
use procfs::process::Stat;
use serde::Serialize;
use std::io::Read;

/// One reading of a process's memory and CPU.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Usage {
    /// Resident memory now (`VmRSS`).
    pub rss_kib: u64,
    /// The most it has ever been resident (`VmHWM`): its peak so far.
    pub peak_rss_kib: u64,
    /// Of `rss_kib`: private memory (`RssAnon`), and pages mapped from files
    /// (`RssFile`: the binary's and libraries' code, shared with other copies).
    pub rss_anon_kib: u64,
    pub rss_file_kib: u64,
    /// User plus system CPU time since the process started.
    pub cpu_seconds: f64,
    pub threads: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("cannot read /proc/{pid}/{file}: {source}")]
    Read {
        pid: i32,
        file: &'static str,
        source: std::io::Error,
    },
    #[error("cannot parse /proc/{pid}/{file}: {source}")]
    Parse {
        pid: i32,
        file: &'static str,
        source: procfs::ProcError,
    },
}

/// Reads the current usage of process `pid`.
pub fn read(pid: i32) -> Result<Usage, UsageError> {
    let status = read_file(pid, "status")?;
    let stat = read_file(pid, "stat")?;
    parse(pid, &status, &stat, procfs::ticks_per_second())
}

/// Reads the usage of this process.
pub fn read_self() -> Result<Usage, UsageError> {
    // Linux pids fit in i32 (at most 2^22); this is never out of range.
    read(i32::try_from(std::process::id()).unwrap_or(i32::MAX))
}

fn read_file(pid: i32, file: &'static str) -> Result<Vec<u8>, UsageError> {
    let mut bytes = Vec::new();
    std::fs::File::open(format!("/proc/{pid}/{file}"))
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| UsageError::Read { pid, file, source })?;
    Ok(bytes)
}

/// Usage from the text of `status` and `stat`; `ticks` is the kernel's clock
/// ticks per second, the unit of the CPU times in `stat`.
pub fn parse(pid: i32, status: &[u8], stat: &[u8], ticks: u64) -> Result<Usage, UsageError> {
    let stat = Stat::from_read(stat).map_err(|source| UsageError::Parse {
        pid,
        file: "stat",
        source,
    })?;
    // procfs's `Status` insists on some forty fields (signal masks,
    // capabilities) that kernels and containers do not all show; the two
    // needed here are plain `Key: value kB` lines.
    let status = String::from_utf8_lossy(status);
    let rss_kib = kib_field(&status, "VmRSS").unwrap_or(0);
    Ok(Usage {
        rss_kib,
        // Kernel threads have no VmHWM; their peak is what they hold.
        peak_rss_kib: kib_field(&status, "VmHWM").unwrap_or(rss_kib),
        rss_anon_kib: kib_field(&status, "RssAnon").unwrap_or(0),
        rss_file_kib: kib_field(&status, "RssFile").unwrap_or(0),
        cpu_seconds: (stat.utime + stat.stime) as f64 / ticks.max(1) as f64,
        threads: stat.num_threads,
    })
}

/// The value of a `Key:   1234 kB` line of `/proc/<pid>/status`.
fn kib_field(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        value.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tkds-server\nUmask:\t0022\nState:\tS (sleeping)\n\
Tgid:\t4242\nNgid:\t0\nPid:\t4242\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\n\
Gid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t0 \nVmPeak:\t  120000 kB\nVmSize:\t  110000 kB\n\
VmLck:\t       0 kB\nVmPin:\t       0 kB\nVmHWM:\t   48812 kB\nVmRSS:\t   30100 kB\n\
RssAnon:\t   26000 kB\nRssFile:\t    4100 kB\nRssShmem:\t       0 kB\n\
Threads:\t3\nSigQ:\t0/94796\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n";

    const STAT: &str = "4242 (kds-server) S 1 4242 4242 0 -1 4194560 1500 0 0 0 \
250 75 0 0 20 0 3 0 12345 112640000 7525 18446744073709551615 1 1 0 0 0 0 0 4096 \
17664 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

    #[test]
    fn reads_memory_in_kib_and_cpu_in_seconds() {
        let usage = parse(4242, STATUS.as_bytes(), STAT.as_bytes(), 100).unwrap();
        assert_eq!(usage.rss_kib, 30_100);
        assert_eq!(usage.peak_rss_kib, 48_812);
        assert_eq!((usage.rss_anon_kib, usage.rss_file_kib), (26_000, 4_100));
        // (250 + 75) ticks at 100 per second.
        assert!((usage.cpu_seconds - 3.25).abs() < 1e-9);
        assert_eq!(usage.threads, 3);
    }

    #[test]
    fn missing_memory_lines_read_as_zero() {
        let usage = parse(2, b"Name:\tkthreadd\n", STAT.as_bytes(), 100).unwrap();
        assert_eq!((usage.rss_kib, usage.peak_rss_kib), (0, 0));
        assert_eq!(kib_field("VmRSSX: 5 kB\nVmRSS: 7 kB", "VmRSS"), Some(7));
    }

    #[test]
    fn a_garbled_stat_is_an_error_not_a_panic() {
        let err = parse(1, STATUS.as_bytes(), b"garbage", 100).unwrap_err();
        assert!(err.to_string().contains("/proc/1/stat"), "{err}");
    }

    #[test]
    fn reads_this_very_process() {
        let pid = i32::try_from(std::process::id()).unwrap();
        let usage = read(pid).unwrap();
        assert!(usage.rss_kib > 0);
        assert!(usage.peak_rss_kib >= usage.rss_kib);
        assert!(usage.threads >= 1);
    }

    #[test]
    fn a_missing_process_is_an_error() {
        // Pids are below 2^22 on Linux.
        let err = read(i32::MAX).unwrap_err();
        assert!(matches!(err, UsageError::Read { .. }), "{err}");
    }
}
