//! `kds`: parse the command line, load the configuration, start logging and
//! hand over to the library. Configuration errors stop here, with exit code
//! 2, before the terminal is taken over.

use clap::Parser;
use kds::cli::{Cli, Command};
use kds::config::{self, ConfigError, Settings};
use kds::keymap::{KeyMap, KeyMapError};
use std::process::ExitCode;

/// `eprintln!` that cannot panic: after an SSH session closes, stderr is a
/// terminal that is gone, and a message nobody can read is no reason to abort.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    one_malloc_arena();
    let cli = Cli::parse();
    match cli.command {
        None => match checked_settings(&cli.display.overrides()) {
            Ok((settings, keymap)) => run(settings, |settings| kds::app::run(settings, keymap)),
            Err(err) => config_failure(&err),
        },
        Some(Command::Board(args)) => match checked_settings(&args.display.overrides()) {
            Ok((settings, keymap)) => {
                run(settings, |settings| kds::app::run_board(settings, keymap))
            }
            Err(err) => config_failure(&err),
        },
        Some(Command::Tail(args)) => match checked_settings(&args.display.overrides()) {
            Ok((settings, _)) => tail(
                settings,
                args.format,
                kds::tail::Start {
                    since: args.since,
                    resume: args.resume,
                },
            ),
            Err(err) => config_failure(&err),
        },
        Some(Command::CheckConfig { path }) => {
            let mut overrides = cli.display.overrides();
            overrides.config = path.or(overrides.config);
            match checked_settings(&overrides) {
                Ok((settings, _)) => {
                    let file = settings.file.map_or_else(
                        || "no file (defaults)".to_owned(),
                        |f| f.display().to_string(),
                    );
                    println!("kds: configuration OK: {file}");
                    ExitCode::SUCCESS
                }
                Err(err) => config_failure(&err),
            }
        }
        #[cfg(feature = "demo")]
        Some(Command::Demo(args)) => match kds::demo::settings(&args) {
            // The temporary directory lives until the demo is over.
            Ok((settings, _dir)) => run(settings, |settings| kds::demo::run(settings, args.rate)),
            Err(err) => config_failure(&err),
        },
    }
}

/// Makes every thread allocate from glibc's main arena, as
/// `MALLOC_ARENA_MAX=1` would. By default each new thread gets an arena of
/// its own, each with its own slack; the display's threads (the runtime, the
/// keyboard, the screen, the log, the file writes) allocate little and
/// seldom at once, so sharing one costs no waiting and keeps about 0.4 MiB
/// less resident (docs/benchmarks.md, "Client: footprint of the lean
/// binary").
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[expect(
    unsafe_code,
    reason = "mallopt is a C function; see the SAFETY comment"
)]
fn one_malloc_arena() {
    // SAFETY: mallopt takes two integers and touches only the allocator's
    // own settings, under its lock; it is called before any thread starts.
    // If it fails (it returns 0), the default arenas stay: nothing to do.
    let _ = unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
}

/// Other C libraries have no per-thread arenas to limit.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}

/// The settings, with the `[keys]` table checked too.
fn checked_settings(overrides: &config::Overrides) -> Result<(Settings, KeyMap), ConfigError> {
    let settings = config::load(overrides)?;
    let keymap = KeyMap::from_bindings(&settings.keys).map_err(|err| {
        let action = match &err {
            KeyMapError::UnknownAction { action } | KeyMapError::BadKey { action, .. } => action,
            KeyMapError::Conflict { second, .. } => second,
        };
        settings.key_error(action, err.to_string())
    })?;
    Ok((settings, keymap))
}

/// `kds tail`: 0 when the reader went away or a signal came, 1 with the
/// reason otherwise (a refused token).
fn tail(settings: Settings, format: kds::tail::Format, start: kds::tail::Start) -> ExitCode {
    let mut failed = None;
    let code = run(settings, |settings| async {
        if let Err(err) = kds::tail::run(settings, format, start).await {
            failed = Some(err.to_string());
        }
        Ok(())
    });
    match failed {
        Some(reason) => {
            say!("kds tail: {reason}");
            ExitCode::FAILURE
        }
        None => code,
    }
}

fn config_failure(err: &ConfigError) -> ExitCode {
    say!("kds: configuration error: {err}");
    ExitCode::from(2)
}

fn run<F, Fut>(settings: Settings, body: F) -> ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let _log = match kds::logging::to_file(&settings.data_dir, &settings.log_filter) {
        Ok(guard) => guard,
        Err(err) => {
            say!(
                "kds: cannot start the log in {}: {err:#}",
                settings.data_dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    // One thread is plenty for a display: a WebSocket, the odd HTTP request
    // and a screen; it keeps a Pi's second core free.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            say!("kds: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(body(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("kds stopped: {err:#}");
            say!("kds: {err:#}");
            ExitCode::FAILURE
        }
    }
}
