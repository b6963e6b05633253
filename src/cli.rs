//! The command line of `kds`.

use crate::config::Overrides;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// A kitchen display for the terminal: shows a station's tickets live and
/// bumps them from the keyboard or a bump bar.
#[derive(Debug, Parser)]
#[command(name = "kds", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub display: DisplayArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try kds with no setup: an embedded server with simulated orders, and
    /// the display connected to it.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// The guests' pickup board for a screen in the dining room: the
    /// numbers being prepared, and those ready, in big digits.
    Board(WatchArgs),
    /// Follow a station: one line per event on standard output, for a
    /// kitchen printer, a log or a script (`kds tail --station bar | lp`).
    Tail(TailArgs),
    /// Check a configuration file and exit: 0 when it is good, 2 with the
    /// file, line and key of the first problem otherwise.
    CheckConfig {
        /// The file to check (default: the same file `kds` would read).
        path: Option<PathBuf>,
    },
}

/// How to reach the server and what to show.
#[derive(Debug, Args)]
pub struct DisplayArgs {
    /// Configuration file [default: config.toml in the user's config directory].
    #[arg(long, env = "KDS_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// kds-server URL; repeat it (or separate with commas) for several instances.
    #[arg(
        long = "server",
        env = "KDS_SERVER",
        value_name = "URL",
        value_delimiter = ','
    )]
    pub servers: Vec<String>,
    /// Station to show: a name such as `grill`, or `all` for every station.
    #[arg(long, env = "KDS_STATION")]
    pub station: Option<String>,
    /// Access token, when the server requires one.
    #[arg(long, env = "KDS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Where the action queue and the log file are kept.
    #[arg(long, env = "KDS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Show the tickets but change nothing from this screen (a manager's
    /// office, a mirror over SSH), whatever the token may do.
    #[arg(long)]
    pub read_only: bool,
    #[command(flatten)]
    pub look: LookArgs,
}

/// How the screen looks; shared by the display and the demo.
#[derive(Debug, Args)]
pub struct LookArgs {
    /// Draw with plain ASCII instead of Unicode box drawing.
    #[arg(long)]
    pub ascii: bool,
    /// Ring the terminal bell when a new ticket arrives.
    #[arg(long)]
    pub bell: bool,
    /// No colours (the `NO_COLOR` variable does the same).
    #[arg(long)]
    pub no_color: bool,
}

/// A screen that only watches: the server, the station and the token as
/// for the display.
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub display: DisplayArgs,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    #[command(flatten)]
    pub display: DisplayArgs,
    /// One line per event: `text` for people, `json` for scripts (the
    /// event object as the events API gives it).
    #[arg(long, value_enum, default_value_t = crate::tail::Format::Text)]
    pub format: crate::tail::Format,
    /// Start after this event seq (replaying what is still kept) instead
    /// of from now.
    #[arg(long, value_name = "SEQ", value_parser = clap::value_parser!(i64).range(0..))]
    pub since: Option<i64>,
    /// Keep the seq of the last event written in this file, and start
    /// after the seq it holds (`--since`, or now, while it holds none): a
    /// printer restarted misses nothing made meanwhile.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
}

#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The station to show (the demo's orders go to grill, fry, cold and bar).
    #[arg(long, default_value = "all")]
    pub station: String,
    /// New orders per minute.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=600))]
    pub rate: u32,
    #[command(flatten)]
    pub look: LookArgs,
}

impl LookArgs {
    /// `NO_COLOR` counts when it is set to anything but the empty string (no-color.org).
    pub fn no_color(&self) -> bool {
        self.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }
}

impl DisplayArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config: self.config.clone(),
            servers: self.servers.clone(),
            station: self.station.clone(),
            token: self.token.clone(),
            data_dir: self.data_dir.clone(),
            read_only: self.read_only,
            ascii: self.look.ascii,
            bell: self.look.bell,
            no_color: self.look.no_color(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn servers_repeat_or_split_on_commas() {
        let cli = Cli::parse_from([
            "kds",
            "--server",
            "http://a:1,http://b:2",
            "--server",
            "http://c:3",
        ]);
        assert_eq!(
            cli.display.servers,
            ["http://a:1", "http://b:2", "http://c:3"]
        );
    }
}
