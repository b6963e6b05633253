//! Room for thousands of sockets: the default limit of open files (often
//! 1024) is far below the 10,000 connections the idle workload opens.

use rlimit::Resource;

/// Raises this process's limit of open files to at least `want` if it can
/// (the hard limit too, which needs root), else as far as the hard limit
/// allows. Returns the limit now in force.
pub fn raise_open_files(want: u64) -> std::io::Result<u64> {
    let (soft, hard) = Resource::NOFILE.get()?;
    if soft >= want {
        return Ok(soft);
    }
    if hard < want && Resource::NOFILE.set(want, want).is_ok() {
        return Ok(want);
    }
    rlimit::increase_nofile_limit(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_never_lowered() {
        let (soft, _) = Resource::NOFILE.get().unwrap();
        assert_eq!(raise_open_files(1).unwrap(), soft);
        let raised = raise_open_files(soft).unwrap();
        assert!(raised >= soft);
    }
}
