//! Every colour, modifier and symbol the screen uses, in one place.
//!
//! The variant is chosen once at start: colour or monochrome (`NO_COLOR`),
//! Unicode or ASCII (`--ascii`). The monochrome theme uses only bold, reverse
//! and underline, and still tells focus, warn/late timers and order notes apart.

use crate::model::Urgency;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// Borders that ASCII-only terminals can draw.
const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// The ASCII focus border: heavy enough to find at a glance.
const ASCII_FOCUS_BORDER: border::Set<'static> = border::Set {
    top_left: "#",
    top_right: "#",
    bottom_left: "#",
    bottom_right: "#",
    vertical_left: "#",
    vertical_right: "#",
    horizontal_top: "=",
    horizontal_bottom: "=",
};

/// Text marks that differ between Unicode and ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbols {
    /// Only ASCII may be drawn (the board's big digits are drawn with `#`).
    pub ascii: bool,
    pub card: border::Set<'static>,
    pub card_focused: border::Set<'static>,
    pub overlay: border::Set<'static>,
    pub ellipsis: &'static str,
    /// Between quantity and item name: `2× Burger`.
    pub times: &'static str,
    /// Between parts of one line: `Takeout · Bob`.
    pub separator: &'static str,
    /// Between the columns.
    pub column_rule: &'static str,
    pub more_above: &'static str,
    pub more_below: &'static str,
    /// Before an item's modifier, an item note and the order notes.
    pub modifier: &'static str,
    pub item_note: &'static str,
    pub order_note: &'static str,
    /// Before the connection state word.
    pub live: &'static str,
    pub waiting: &'static str,
    pub down: &'static str,
    /// Marks the highlighted row of a list overlay.
    pub cursor: &'static str,
}

const UNICODE: Symbols = Symbols {
    ascii: false,
    card: border::ROUNDED,
    card_focused: border::THICK,
    overlay: border::DOUBLE,
    ellipsis: "…",
    times: "×",
    separator: " · ",
    column_rule: "│",
    more_above: "▲",
    more_below: "▼",
    modifier: "+",
    item_note: "»",
    order_note: "!",
    live: "●",
    waiting: "◌",
    down: "✖",
    cursor: "▶",
};

const ASCII: Symbols = Symbols {
    ascii: true,
    card: ASCII_BORDER,
    card_focused: ASCII_FOCUS_BORDER,
    overlay: ASCII_FOCUS_BORDER,
    ellipsis: "...",
    times: "x",
    separator: " - ",
    column_rule: "|",
    more_above: "^",
    more_below: "v",
    modifier: "+",
    item_note: ">",
    order_note: "!",
    live: "*",
    waiting: "o",
    down: "X",
    cursor: ">",
};

/// All the styles of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub symbols: Symbols,
    pub header: Style,
    pub header_station: Style,
    pub column_title: Style,
    pub column_title_focused: Style,
    pub column_rule: Style,
    /// Card borders by urgency of their timer.
    pub card_border: [Style; 3],
    pub card_border_focused: Style,
    pub card_number: Style,
    pub card_number_focused: Style,
    pub rush: Style,
    /// Timers by urgency: normal, warn, late.
    pub timer: [Style; 3],
    pub dim: Style,
    pub order_notes: Style,
    pub qty: Style,
    pub item: Style,
    pub modifier: Style,
    pub item_notes: Style,
    pub pending: Style,
    pub more: Style,
    pub conn_live: Style,
    pub conn_busy: Style,
    pub conn_down: Style,
    pub message_info: Style,
    pub message_error: Style,
    pub hint_key: Style,
    pub hint: Style,
    pub overlay: Style,
    pub overlay_title: Style,
    pub selected_row: Style,
    /// A card's CHANGED mark, and a changed note or detail.
    pub changed: Style,
    /// A voided order's VOID mark and banner.
    pub void: Style,
    /// The NEW, VOID and DONE words at the end of a line.
    pub tag_new: Style,
    pub tag_void: Style,
    pub tag_done: Style,
    /// Laid over a voided line (the VOID word still says so without it).
    pub struck: Style,
    /// Laid over a line marked done.
    pub done: Style,
    /// The heading of a station's part on a check's card.
    pub part: Style,
    /// "also: bar, cold" on a part's card.
    pub also: Style,
    /// The pickup board's numbers, and those just ready.
    pub board_number: Style,
    pub board_fresh: Style,
}

fn fg(color: Color) -> Style {
    Style::new().fg(color)
}

impl Theme {
    /// The theme for a terminal: `ascii` for no box drawing, `color` false for `NO_COLOR`.
    pub fn new(ascii: bool, color: bool) -> Self {
        let symbols = if ascii { ASCII } else { UNICODE };
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        if color {
            Self {
                symbols,
                header: bold,
                header_station: bold.fg(Color::Cyan),
                column_title: bold,
                column_title_focused: bold.fg(Color::Black).bg(Color::Cyan),
                column_rule: fg(Color::DarkGray),
                card_border: [fg(Color::Gray), fg(Color::Yellow), fg(Color::LightRed)],
                card_border_focused: bold.fg(Color::LightCyan),
                card_number: bold,
                card_number_focused: bold.fg(Color::Black).bg(Color::LightCyan),
                rush: bold.fg(Color::White).bg(Color::Red),
                timer: [
                    fg(Color::Green),
                    bold.fg(Color::Yellow),
                    bold.fg(Color::White).bg(Color::Red),
                ],
                dim: fg(Color::DarkGray),
                order_notes: bold.fg(Color::Black).bg(Color::Yellow),
                qty: bold,
                item: Style::new(),
                modifier: fg(Color::Cyan),
                item_notes: fg(Color::LightMagenta).add_modifier(Modifier::ITALIC),
                pending: fg(Color::Yellow).add_modifier(Modifier::ITALIC),
                more: bold.fg(Color::Yellow),
                conn_live: bold.fg(Color::Green),
                conn_busy: bold.fg(Color::Yellow),
                conn_down: bold.fg(Color::White).bg(Color::Red),
                message_info: bold.fg(Color::Cyan),
                message_error: bold.fg(Color::LightRed),
                hint_key: bold.fg(Color::Cyan),
                hint: fg(Color::Gray),
                overlay: Style::new(),
                overlay_title: bold.fg(Color::Cyan),
                selected_row: bold.fg(Color::Black).bg(Color::Cyan),
                changed: bold.fg(Color::White).bg(Color::Magenta),
                void: bold.fg(Color::White).bg(Color::Red),
                tag_new: bold.fg(Color::Black).bg(Color::LightGreen),
                tag_void: bold.fg(Color::LightRed),
                tag_done: fg(Color::Green),
                struck: fg(Color::DarkGray).add_modifier(Modifier::CROSSED_OUT),
                done: fg(Color::DarkGray),
                part: bold.fg(Color::Cyan),
                also: fg(Color::Cyan),
                board_number: bold.fg(Color::White),
                board_fresh: bold.fg(Color::LightGreen),
            }
        } else {
            let underlined = Style::new().add_modifier(Modifier::UNDERLINED);
            Self {
                symbols,
                header: bold,
                header_station: bold,
                column_title: bold,
                column_title_focused: bold.add_modifier(Modifier::REVERSED),
                column_rule: Style::new(),
                card_border: [Style::new(), bold, bold],
                card_border_focused: bold,
                card_number: bold,
                card_number_focused: bold.add_modifier(Modifier::REVERSED),
                rush: bold.add_modifier(Modifier::REVERSED),
                timer: [
                    Style::new(),
                    bold.add_modifier(Modifier::UNDERLINED),
                    bold.add_modifier(Modifier::REVERSED),
                ],
                dim: Style::new(),
                order_notes: bold.add_modifier(Modifier::UNDERLINED),
                qty: bold,
                item: Style::new(),
                modifier: Style::new(),
                item_notes: underlined,
                pending: underlined,
                more: bold,
                conn_live: bold,
                conn_busy: bold.add_modifier(Modifier::UNDERLINED),
                conn_down: bold.add_modifier(Modifier::REVERSED),
                message_info: bold,
                message_error: bold.add_modifier(Modifier::REVERSED),
                hint_key: bold,
                hint: Style::new(),
                overlay: Style::new(),
                overlay_title: bold,
                selected_row: reversed,
                changed: bold.add_modifier(Modifier::REVERSED),
                void: bold.add_modifier(Modifier::REVERSED),
                tag_new: bold.add_modifier(Modifier::REVERSED),
                tag_void: bold,
                tag_done: Style::new(),
                struck: Style::new().add_modifier(Modifier::CROSSED_OUT),
                done: Style::new().add_modifier(Modifier::DIM),
                part: bold,
                also: Style::new(),
                board_number: bold,
                board_fresh: bold.add_modifier(Modifier::REVERSED),
            }
        }
    }

    pub fn timer(&self, urgency: Urgency) -> Style {
        self.timer[urgency_index(urgency)]
    }

    pub fn card_border(&self, urgency: Urgency) -> Style {
        self.card_border[urgency_index(urgency)]
    }
}

fn urgency_index(urgency: Urgency) -> usize {
    match urgency {
        Urgency::Normal => 0,
        Urgency::Warn => 1,
        Urgency::Late => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles(theme: &Theme) -> Vec<Style> {
        let mut all = vec![
            theme.header,
            theme.header_station,
            theme.column_title,
            theme.column_title_focused,
            theme.column_rule,
            theme.card_border_focused,
            theme.card_number,
            theme.card_number_focused,
            theme.rush,
            theme.dim,
            theme.order_notes,
            theme.qty,
            theme.item,
            theme.modifier,
            theme.item_notes,
            theme.pending,
            theme.more,
            theme.conn_live,
            theme.conn_busy,
            theme.conn_down,
            theme.message_info,
            theme.message_error,
            theme.hint_key,
            theme.hint,
            theme.overlay,
            theme.overlay_title,
            theme.selected_row,
            theme.changed,
            theme.void,
            theme.tag_new,
            theme.tag_void,
            theme.tag_done,
            theme.struck,
            theme.done,
            theme.part,
            theme.also,
            theme.board_number,
            theme.board_fresh,
        ];
        all.extend(theme.card_border);
        all.extend(theme.timer);
        all
    }

    #[test]
    fn monochrome_has_no_colour_yet_tells_things_apart() {
        let mono = Theme::new(false, false);
        for style in styles(&mono) {
            assert_eq!(style.fg, None, "{style:?}");
            assert_eq!(style.bg, None, "{style:?}");
        }
        let [normal, warn, late] = mono.timer;
        assert!(normal != warn && warn != late && normal != late);
        assert_ne!(mono.card_number, mono.card_number_focused);
        assert_ne!(mono.order_notes, mono.item);
        assert_ne!(mono.symbols.card, mono.symbols.card_focused);
    }

    #[test]
    fn ascii_symbols_are_ascii() {
        let ascii = Theme::new(true, true).symbols;
        let border_marks = |set: border::Set<'static>| {
            [
                set.top_left,
                set.top_right,
                set.bottom_left,
                set.bottom_right,
                set.vertical_left,
                set.vertical_right,
                set.horizontal_top,
                set.horizontal_bottom,
            ]
        };
        let mut marks = vec![
            ascii.ellipsis,
            ascii.times,
            ascii.separator,
            ascii.column_rule,
            ascii.more_above,
            ascii.more_below,
            ascii.modifier,
            ascii.item_note,
            ascii.order_note,
            ascii.live,
            ascii.waiting,
            ascii.down,
            ascii.cursor,
        ];
        marks.extend(border_marks(ascii.card));
        marks.extend(border_marks(ascii.card_focused));
        marks.extend(border_marks(ascii.overlay));
        for mark in marks {
            assert!(mark.is_ascii(), "{mark:?}");
        }
    }
}
