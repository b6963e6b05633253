//! The event loop: one `select!` over the keyboard, the network task, the
//! clock and the signals that end a session. It turns each into a [`Msg`],
//! lets [`update`] change the model, carries out the [`Command`]s that come
//! back, and redraws only when something changed: an idle kitchen screen
//! wakes once a second, for its timers.

use crate::config::Settings;
use crate::keymap::KeyMap;
use crate::model::{Model, ModelOptions, Thresholds};
use crate::msg::{Command, Msg, NetEvent};
use crate::net::{self, NetConfig, NetHandle};
use crate::output::Output;
use crate::seen_file::{self, Keeper};
use crate::terminal::Tui;
use crate::update::update;
use crate::view::{self, Theme};
use chrono::{FixedOffset, Offset, TimeZone};
use crossterm::event::{Event as TermEvent, KeyEventKind};
use kds_protocol::Timestamp;
use ratatui::layout::Rect;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// Room for a burst of network news while the screen is being drawn.
const NET_CHANNEL_CAPACITY: usize = 256;
/// How long quitting waits for the screen thread to give the terminal back.
const OUTPUT_GRACE: Duration = Duration::from_secs(1);
/// How long quitting waits, after the terminal is back, for what the screen
/// held to reach the disk (each of at most two writes).
const KEEP_GRACE: Duration = Duration::from_secs(1);

/// What the event loop shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    /// The kitchen display: columns of tickets, every key.
    Display,
    /// The guests' pickup board: numbers only; no key but quit.
    Board { show_names: bool },
}

/// Runs the display until the cook quits or the session ends.
pub async fn run(settings: Settings, keymap: KeyMap) -> anyhow::Result<()> {
    let config = NetConfig::display(&settings);
    show(settings, keymap, config, Face::Display).await
}

/// Runs the pickup board (`kds board`) until it is quit or the session
/// ends. It only watches: its engine has no queue and sends nothing.
pub async fn run_board(settings: Settings, keymap: KeyMap) -> anyhow::Result<()> {
    let config = NetConfig::watching(&settings);
    let face = Face::Board {
        show_names: settings.board_show_names,
    };
    show(settings, keymap, config, face).await
}

async fn show(
    settings: Settings,
    keymap: KeyMap,
    config: NetConfig,
    face: Face,
) -> anyhow::Result<()> {
    let (to_app, mut from_net) = mpsc::channel(NET_CHANNEL_CAPACITY);
    let net = net::spawn(config, to_app);
    let now = Timestamp::now();
    let mut model = Model::new(model_options(&settings, keymap), now);
    update(&mut model, Msg::TimeZone(local_offset(now)));
    // A display keeps what it shows for its next run; the pickup board
    // marks no changes, so it keeps nothing.
    let mut keeper = (face == Face::Display).then(|| {
        let path = seen_file::path(&settings.data_dir, settings.station.as_str());
        if let Some(seen) = seen_file::load(&path) {
            update(&mut model, Msg::Carry(seen));
        }
        Keeper::new(path, model.board().revision())
    });
    let theme = Theme::new(settings.ascii, settings.color);

    let (output, mut gone) = Output::spawn(Tui::enter()?)?;
    let screen = Screen {
        output: &output,
        theme: &theme,
        face,
    };
    let result = event_loop(
        &screen,
        &mut gone,
        &mut model,
        &net,
        &mut from_net,
        keeper.as_mut(),
    )
    .await;
    output.stop(OUTPUT_GRACE);
    if let Some(keeper) = keeper {
        keeper.finish(model.board(), KEEP_GRACE).await;
    }
    net.shutdown().await;
    result
}

/// The terminal's size; 80x24 when it cannot be read (it is gone, and the
/// screen thread will say so).
fn terminal_size() -> (u16, u16) {
    crossterm::terminal::size().unwrap_or(crate::model::DEFAULT_SIZE)
}

/// Where and how the event loop draws.
struct Screen<'a> {
    output: &'a Output,
    theme: &'a Theme,
    face: Face,
}

impl Screen<'_> {
    /// Draws the model and hands the frame to the screen thread.
    fn draw(&self, model: &Model) {
        let (width, height) = model.size();
        let area = Rect::new(0, 0, width, height);
        let mut frame = self.output.canvas(area);
        match self.face {
            Face::Display => view::draw(&mut frame, area, model, self.theme),
            Face::Board { show_names } => {
                view::board::draw(&mut frame, area, model, self.theme, show_names);
            }
        }
        self.output.show(frame);
    }
}

async fn event_loop(
    screen: &Screen<'_>,
    gone: &mut tokio::sync::oneshot::Receiver<()>,
    model: &mut Model,
    net: &NetHandle,
    from_net: &mut mpsc::Receiver<NetEvent>,
    mut keeper: Option<&mut Keeper>,
) -> anyhow::Result<()> {
    let output = screen.output;
    let mut keys = crate::input::spawn()?;
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    // The input thread only reads when a key arrives (see `input`).
    let mut resized = signal(SignalKind::window_change())?;
    // The model pages tickets by the screen's size: tell it before the first frame.
    let (width, height) = terminal_size();
    let mut queued = Some(Msg::Resize(width, height));
    let mut dirty = true;

    loop {
        let msg = if let Some(msg) = queued.take() {
            msg
        } else {
            if dirty {
                // Drawn here, written by the screen thread: a terminal that
                // stops taking output never stops this loop.
                screen.draw(model);
                dirty = false;
            }
            tokio::select! {
                key = keys.recv() => match key {
                    // The board has no key but quit.
                    Some(TermEvent::Key(key)) if matches!(screen.face, Face::Board { .. }) => {
                        if model.options().keymap.action(&key) == Some(crate::keymap::KeyAction::Quit) {
                            return Ok(());
                        }
                        continue;
                    }
                    Some(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => Msg::Key(key),
                    Some(TermEvent::Resize(cols, rows)) => Msg::Resize(cols, rows),
                    Some(_) => continue,
                    // The terminal is gone (SSH closed): nothing left to show.
                    None => return Ok(()),
                },
                _ = resized.recv() => {
                    let (width, height) = terminal_size();
                    Msg::Resize(width, height)
                }
                // A terminal that cannot be written to has gone (an SSH
                // session closed before its SIGHUP arrived): end as on SIGHUP.
                _ = &mut *gone => return Ok(()),
                Some(event) = from_net.recv() => {
                    if let NetEvent::Events { events, .. } = &event {
                        tracing::debug!(count = events.len(), last = ?events.last().map(|e| e.seq), "events");
                    }
                    Msg::Net(event)
                }
                _ = ticks.tick() => {
                    if let Some(keeper) = keeper.as_deref_mut() {
                        keeper.tick(model.board());
                    }
                    let now = Timestamp::now();
                    let zone = local_offset(now);
                    if zone == model.utc_offset() {
                        Msg::Tick(now)
                    } else {
                        queued = Some(Msg::Tick(now));
                        Msg::TimeZone(zone)
                    }
                }
                _ = terminate.recv() => return Ok(()),
                _ = hangup.recv() => return Ok(()),
            }
        };
        for command in update(model, msg) {
            match command {
                Command::Send(action) => net.send(action),
                Command::Bell => output.bell(),
                Command::Quit => return Ok(()),
            }
        }
        if model.should_quit() {
            return Ok(());
        }
        dirty = true;
    }
}

/// The local time zone's offset from UTC at `now`. chrono re-reads the
/// system's zone when it changes, and the zone's rules say when summer time
/// starts, so a display left running through the night follows the switch.
fn local_offset(now: Timestamp) -> FixedOffset {
    chrono::Local
        .offset_from_utc_datetime(&now.as_datetime().naive_utc())
        .fix()
}

fn model_options(settings: &Settings, keymap: KeyMap) -> ModelOptions {
    ModelOptions {
        station: settings.station.as_str().to_owned(),
        thresholds: Thresholds {
            warn: settings.warn_after,
            late: settings.late_after,
        },
        keymap,
        bell: settings.bell,
        change_bell: settings.change_bell,
        auto_bump_when_done: settings.auto_bump_when_done,
        all_day_modifiers: settings.all_day_modifiers,
        read_only: settings.read_only,
        terminal_id: terminal_id(),
    }
}

/// Unique per run, so that action ids made now never collide with queued ones
/// from an earlier run of this terminal.
fn terminal_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}
