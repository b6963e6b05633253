//! `kds demo`: a whole kitchen in one process. An embedded kds-server keeps
//! its orders in a temporary directory, its simulator sends orders, and the
//! display connects to it over a real loopback WebSocket. Quitting removes
//! everything.

use crate::cli::DemoArgs;
use crate::config::{self, ConfigError, Overrides, Settings};
use crate::keymap::KeyMap;
use kds_server::{DemoConfig, ServerConfig};
use std::time::Duration;

/// The demo's settings: defaults, the station and look from the command line,
/// and a fresh temporary directory (removed when the returned guard drops).
pub fn settings(args: &DemoArgs) -> Result<(Settings, tempfile::TempDir), ConfigError> {
    let dir = tempfile::Builder::new()
        .prefix("kds-demo-")
        .tempdir()
        .map_err(|err| ConfigError::in_setting("temporary directory", "", err.to_string()))?;
    let settings = config::defaults(&Overrides {
        station: Some(args.station.clone()),
        data_dir: Some(dir.path().to_path_buf()),
        ascii: args.look.ascii,
        bell: args.look.bell,
        no_color: args.look.no_color(),
        ..Overrides::default()
    })?;
    Ok((settings, dir))
}

/// Starts the embedded server with the simulator, runs the display on it
/// until the cook quits, then stops the server.
pub async fn run(mut settings: Settings, orders_per_minute: u32) -> anyhow::Result<()> {
    let server = kds_server::spawn(ServerConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        database: format!("sqlite://{}", settings.data_dir.join("demo.db").display()),
        demo: Some(DemoConfig {
            every: Duration::from_secs(60) / orders_per_minute.max(1),
            ..DemoConfig::default()
        }),
        ..ServerConfig::default()
    })
    .await?;
    settings.servers = vec![server.base_url().parse()?];
    let shown = crate::app::run(settings, KeyMap::default()).await;
    server.shutdown().await;
    shown
}
