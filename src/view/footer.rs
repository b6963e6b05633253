//! The bottom two lines: the link to the server, always; then the latest
//! message, or the key hints.

use super::Theme;
use crate::keymap::KeyAction;
use crate::model::{Level, Model};
use crate::msg::ConnState;
use crate::text;
use kds_protocol::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::time::Duration;

/// What to do when the server refuses the token.
pub const UNAUTHORIZED_FIX: &str =
    "Fix: set a valid token ([display] token or KDS_TOKEN) and restart kds";

pub fn render(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    render_link(buf, Rect { height: 1, ..area }, model, theme);
    if area.height > 1 {
        let below = Rect {
            y: area.y + 1,
            height: 1,
            ..area
        };
        render_message_or_hints(buf, below, model, theme);
    }
}

/// Whole seconds from now until `at`, rounded up, never negative.
fn seconds_until(model: &Model, at: Timestamp) -> i64 {
    let ms = at
        .as_millis()
        .saturating_sub(model.now().as_millis())
        .max(0);
    (ms + 999) / 1000
}

/// The connection word, its style, and what follows it.
fn link_state(model: &Model, theme: &Theme) -> (String, Style, String) {
    let s = &theme.symbols;
    let sep = s.separator;
    match model.connection() {
        ConnState::Live { server } => (format!("{} LIVE", s.live), theme.conn_live, server.clone()),
        ConnState::Connecting { server } => {
            let to = if server.is_empty() {
                String::new()
            } else {
                format!("to {server}")
            };
            (format!("{} CONNECTING", s.waiting), theme.conn_busy, to)
        }
        ConnState::Reconnecting { attempt, retry_at } => (
            format!("{} RECONNECTING", s.waiting),
            theme.conn_busy,
            format!(
                "attempt {attempt}{sep}next try in {}s",
                seconds_until(model, *retry_at)
            ),
        ),
        ConnState::Polling {
            server,
            interval_secs,
        } => (
            format!("{} POLLING", s.waiting),
            theme.conn_busy,
            format!("every {interval_secs}s (HTTP fallback){sep}{server}"),
        ),
        ConnState::Offline { retry_at } => (
            format!("{} OFFLINE", s.down),
            theme.conn_down,
            format!(
                "{} queued{sep}retry in {}s",
                model.queued(),
                seconds_until(model, *retry_at)
            ),
        ),
        ConnState::Unauthorized { message } => (
            format!("{} UNAUTHORIZED", s.down),
            theme.conn_down,
            format!("token refused, not retrying: {message}"),
        ),
    }
}

fn render_link(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    let width = usize::from(area.width);
    let (word, word_style, detail) = link_state(model, theme);
    let mut right = match model.last_heard() {
        Some(at) => {
            let ms = model
                .now()
                .as_millis()
                .saturating_sub(at.as_millis())
                .max(0);
            format!(
                "updated {} ago ",
                text::age(Duration::from_millis(ms as u64))
            )
        }
        // Nothing heard in this run, yet cards: what the last run held.
        None if model.board().open_orders().next().is_some() => {
            "kept from before the restart ".to_owned()
        }
        None => "no update yet ".to_owned(),
    };
    if let Some(off) = model.clock_off() {
        let secs = off.as_secs();
        let by = if secs >= 3600 {
            format!("{} h", (secs + 1800) / 3600)
        } else {
            format!("{} min", (secs + 30) / 60)
        };
        right = format!("clock off by {by}{}{right}", theme.symbols.separator);
    }
    let offline = matches!(model.connection(), ConnState::Offline { .. });
    if model.queued() > 0 && !offline {
        right = format!(
            "{} queued{}{right}",
            model.queued(),
            theme.symbols.separator
        );
    }
    // The state word always shows (with READ-ONLY beside it on a screen
    // that changes nothing); the detail gives way to the right side.
    let word = if model.read_only() {
        format!(" {word}{}READ-ONLY ", theme.symbols.separator)
    } else {
        format!(" {word} ")
    };
    let right_width = text::width(&right);
    let word_width = text::width(&word);
    let show_right = word_width + right_width + 2 <= width;
    let detail_room =
        width.saturating_sub(word_width + 1 + if show_right { right_width + 1 } else { 0 });
    let detail = text::truncate(&detail, detail_room, theme.symbols.ellipsis);
    let line = Line::from(vec![
        Span::styled(word, word_style),
        Span::raw(" "),
        Span::styled(detail, theme.hint),
    ]);
    buf.set_line(area.x, area.y, &line, area.width);
    if show_right {
        let x = area.right() - right_width as u16;
        buf.set_string(x, area.y, &right, theme.hint);
    }
}

fn render_message_or_hints(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    let width = usize::from(area.width);
    let ellipsis = theme.symbols.ellipsis;
    if let Some(message) = model.footer_message() {
        let style = match message.level {
            Level::Info => theme.message_info,
            Level::Error => theme.message_error,
        };
        let text = text::truncate(&format!(" {} ", message.text), width, ellipsis);
        buf.set_string(area.x, area.y, text, style);
        return;
    }
    // Refused tokens are not retried: say how to fix it until it is fixed.
    if let ConnState::Unauthorized { .. } = model.connection() {
        let text = text::truncate(&format!(" {UNAUTHORIZED_FIX}"), width, ellipsis);
        buf.set_string(area.x, area.y, text, theme.message_error);
        return;
    }
    let line = hints(model, theme, width);
    buf.set_line(area.x, area.y, &line, area.width);
}

/// `? help · Enter bump · u undo · 1-9 bump nth · r recall · q quit` (inside
/// a ticket: `Up/Down line · Enter done · Esc back`), from the keymap so
/// remapped keys show as they are; cut at whole hints.
fn hints(model: &Model, theme: &Theme, width: usize) -> Line<'static> {
    let keymap = &model.options().keymap;
    let first = |action| keymap.keys(action).first().map(ToString::to_string);
    let nth = match (first(KeyAction::BumpNth(1)), first(KeyAction::BumpNth(9))) {
        (Some(one), Some(nine)) => Some(format!("{one}-{nine}")),
        (Some(one), None) => Some(one),
        _ => None,
    };
    let quit = (
        first(KeyAction::Quit).or_else(|| Some("Ctrl-c".to_owned())),
        "quit",
    );
    let hints: Vec<(Option<String>, &str)> = if model.line_focus().is_some() {
        let arrows = match (first(KeyAction::Up), first(KeyAction::Down)) {
            (Some(up), Some(down)) => Some(format!("{up}/{down}")),
            (one, other) => one.or(other),
        };
        vec![
            (arrows, "line"),
            (
                first(KeyAction::Bump).or_else(|| first(KeyAction::Done)),
                "done or not",
            ),
            (
                first(KeyAction::Close).or_else(|| first(KeyAction::Items)),
                "back",
            ),
            quit,
        ]
    } else if model.read_only() {
        vec![
            (first(KeyAction::Help), "help"),
            (
                first(KeyAction::Up)
                    .map(|up| format!("{up}/{}", first(KeyAction::Down).unwrap_or_default())),
                "scroll",
            ),
            (first(KeyAction::Recall), "recall"),
            (first(KeyAction::AllDay), "all-day"),
            quit,
        ]
    } else {
        vec![
            (first(KeyAction::Help), "help"),
            (first(KeyAction::Bump), "bump"),
            (first(KeyAction::Undo), "undo"),
            (nth, "bump nth"),
            (first(KeyAction::Recall), "recall"),
            quit,
            (first(KeyAction::Items), "lines"),
            (first(KeyAction::AllDay), "all-day"),
        ]
    };
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, label) in hints {
        let Some(key) = key else { continue };
        let sep = if spans.len() > 1 {
            theme.symbols.separator
        } else {
            ""
        };
        let needed = text::width(sep) + text::width(&key) + 1 + label.len();
        if used + needed > width {
            break;
        }
        used += needed;
        spans.push(Span::styled(sep, theme.hint));
        spans.push(Span::styled(key, theme.hint_key));
        spans.push(Span::styled(format!(" {label}"), theme.hint));
    }
    Line::from(spans)
}
