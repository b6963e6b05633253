//! One card, drawn: a border with the number, marks and timers, and the
//! rows of [`crate::model::card`] (see its sketch), which also measured it.

use super::Theme;
use crate::model::card::{
    Content, DETAIL_INDENT, NOTE_INDENT, Row, Tag, content_rows, qty_width, rows,
};
use crate::model::{Model, Ticket, Urgency};
use crate::text;
use kds_protocol::{Kind, Order, Status};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};
use std::ops::ControlFlow;

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::DineIn => "Dine-in",
        Kind::Takeout => "Takeout",
        Kind::Delivery => "Delivery",
    }
}

/// `Takeout · Bob`, `Dine-in · table 12 · Ann`.
fn kind_text(order: &Order, theme: &Theme) -> String {
    let mut out = kind_label(order.kind).to_owned();
    if let Some(table) = order.table.as_deref().filter(|t| !t.is_empty()) {
        out.push_str(theme.symbols.separator);
        out.push_str("table ");
        out.push_str(table);
    }
    if let Some(customer) = order.customer.as_deref().filter(|c| !c.is_empty()) {
        out.push_str(theme.symbols.separator);
        out.push_str(customer);
    }
    out
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pending => "pending",
        Status::Preparing => "preparing",
        Status::Ready => "READY",
        Status::Completed => "done",
    }
}

/// A line of `left` text and `right` text, right-aligned, in `width` cells.
fn spread<'a>(
    left: Vec<Span<'a>>,
    right: Option<Span<'a>>,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let left_width: usize = left.iter().map(Span::width).sum();
    let Some(right) = right.filter(|r| r.width() + 2 <= width) else {
        return Line::from(cut(left, width, theme));
    };
    let room = width - right.width() - 1;
    let mut spans = cut(left, room, theme);
    let used: usize = spans.iter().map(Span::width).sum::<usize>().min(left_width);
    spans.push(Span::raw(" ".repeat(width - used - right.width())));
    spans.push(right);
    Line::from(spans)
}

/// `spans` cut to `width` cells, the last one shortened with an ellipsis.
fn cut<'a>(spans: Vec<Span<'a>>, width: usize, theme: &Theme) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w <= width {
            used += w;
            out.push(span);
            continue;
        }
        let text = text::truncate(&span.content, width - used, theme.symbols.ellipsis);
        out.push(Span::styled(text, span.style));
        break;
    }
    out
}

fn tag_span(tag: Option<Tag>, theme: &Theme) -> Option<Span<'static>> {
    let tag = tag?;
    let style = match tag {
        Tag::New => theme.tag_new,
        Tag::Void => theme.tag_void,
        Tag::Done => theme.tag_done,
        Tag::Changed => theme.changed,
    };
    Some(Span::styled(tag.text(), style))
}

/// What a card needs to be drawn.
pub struct Card<'a> {
    pub model: &'a Model,
    pub theme: &'a Theme,
    pub ticket: &'a Ticket,
    pub focused: bool,
}

impl<'a> Card<'a> {
    fn row_line(&self, content: &Content<'a>, row: Row<'a>, width: usize) -> Line<'a> {
        let theme = self.theme;
        let s = &theme.symbols;
        match row {
            Row::Kind { tag } => {
                let Some(order) = content.order(0) else {
                    return Line::default();
                };
                let station = (self.model.is_expo() && !self.ticket.is_check())
                    .then(|| Span::styled(order.station.as_str(), theme.dim));
                let right = tag_span(tag, theme).or(station);
                spread(
                    vec![Span::raw(kind_text(order, theme))],
                    right,
                    width,
                    theme,
                )
            }
            Row::Also { part } => {
                let stations = content.order(part).map_or_else(String::new, |o| {
                    o.also_at
                        .iter()
                        .map(kds_protocol::Station::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                let text = text::truncate(&format!("also: {stations}"), width, s.ellipsis);
                Line::styled(text, theme.also)
            }
            Row::Void { part } => {
                let reason = content.order(part).and_then(|o| o.void_reason.as_deref());
                let text = match reason {
                    Some(reason) => format!("VOID{}{reason}", s.separator),
                    None => "VOID".to_owned(),
                };
                let text = text::truncate(&text, width, s.ellipsis);
                let pad = width.saturating_sub(text::width(&text));
                Line::from(vec![Span::raw(text), Span::raw(" ".repeat(pad))]).style(theme.void)
            }
            Row::Part { part } => {
                let shown = &self.ticket.parts[part];
                let station = content.order(part).map_or("", |o| o.station.as_str());
                let word = if shown.voided {
                    "VOID"
                } else {
                    status_word(shown.status)
                };
                let label = format!("{} {station}{}{word} ", s.card.horizontal_top, s.separator);
                let label = text::truncate(&label, width, s.ellipsis);
                let fill = s
                    .card
                    .horizontal_top
                    .repeat(width.saturating_sub(text::width(&label)));
                let style = if shown.voided { theme.void } else { theme.part };
                Line::from(vec![
                    Span::styled(label, style),
                    Span::styled(fill, theme.dim),
                ])
            }
            Row::Notes {
                text, first, tag, ..
            } => {
                let lead = if first {
                    format!("{} ", s.order_note)
                } else {
                    " ".repeat(NOTE_INDENT)
                };
                // Padded to the full width so the highlight reads as a bar.
                let style = if tag.is_some() {
                    theme.changed
                } else {
                    theme.order_notes
                };
                let right = tag_span(tag, theme);
                let used = text::width(&lead)
                    + text::width(text)
                    + right.as_ref().map_or(0, |r| r.width() + 1);
                let mut spans = vec![
                    Span::raw(lead),
                    Span::raw(text),
                    Span::raw(" ".repeat(width.saturating_sub(used))),
                ];
                if let Some(right) = right {
                    spans.push(Span::raw(" "));
                    spans.push(right);
                }
                Line::from(spans).style(style)
            }
            Row::Name {
                part,
                item,
                text,
                first,
                tag,
            } => {
                let qty = content
                    .order(part)
                    .and_then(|o| o.items.get(item))
                    .map_or(0, |i| i.qty);
                let lead = if first {
                    format!("{qty}{} ", s.times)
                } else {
                    " ".repeat(qty_width(qty))
                };
                let style = self.line_style(content, part, item, theme.item);
                let left = vec![
                    Span::styled(lead, self.line_style(content, part, item, theme.qty)),
                    Span::styled(text, style),
                ];
                spread(left, tag_span(tag, theme), width, theme)
            }
            Row::Modifier {
                part,
                item,
                text,
                first,
            } => self.detail(
                content,
                part,
                item,
                text,
                first,
                (s.modifier, theme.modifier),
                None,
                width,
            ),
            Row::ItemNote {
                part,
                item,
                text,
                first,
                tag,
            } => self.detail(
                content,
                part,
                item,
                text,
                first,
                (s.item_note, theme.item_notes),
                tag,
                width,
            ),
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one row of a line: where it is, what it says and how it is marked"
    )]
    fn detail(
        &self,
        content: &Content<'a>,
        part: usize,
        item: usize,
        text: &'a str,
        first: bool,
        (mark, style): (&str, Style),
        tag: Option<Tag>,
        width: usize,
    ) -> Line<'a> {
        let lead = if first {
            format!("  {mark} ")
        } else {
            " ".repeat(DETAIL_INDENT)
        };
        let left = vec![
            Span::raw(lead),
            Span::styled(text, self.line_style(content, part, item, style)),
        ];
        spread(left, tag_span(tag, self.theme), width, self.theme)
    }

    /// `base`, struck through when the line (or its order) was voided and
    /// dimmed when it is done.
    fn line_style(&self, content: &Content<'a>, part: usize, item: usize, base: Style) -> Style {
        let Some(order) = content.order(part) else {
            return base;
        };
        let voided = order.is_voided() || order.items.get(item).is_some_and(|i| !i.is_live());
        if voided {
            base.patch(self.theme.struck)
        } else if content.line_done(part, item).0 {
            base.patch(self.theme.done)
        } else {
            base
        }
    }

    fn block(&self, content: &Content<'_>, width: usize) -> Block<'static> {
        let theme = self.theme;
        let ticket = self.ticket;
        let elapsed = self.model.elapsed_since(ticket.since);
        let urgency: Urgency = self.model.options().thresholds.urgency(elapsed);
        let timer = text::clock(elapsed);
        // Number first, timer second, marks third: at narrow widths the
        // padding goes, then the marks shrink, then the timer.
        let bare = text::width(&ticket.number.to_string()) + 1 + timer.len();
        // Four cells of padding and at least one of border between the two.
        let padded = bare + 4 < width;
        let (number, timer) = if padded {
            (format!(" #{} ", ticket.number), format!(" {timer} "))
        } else {
            (format!("#{}", ticket.number), timer)
        };
        let show_timer = text::width(&number) + timer.len() < width;
        let taken = text::width(&number) + if show_timer { timer.len() } else { 0 };
        let mut room = width.saturating_sub(taken);
        let mut left = vec![Span::styled(
            number,
            if self.focused {
                theme.card_number_focused
            } else {
                theme.card_number
            },
        )];
        let marks = [
            (ticket.voided, " VOID ", "V", theme.void),
            // A void is the change: VOID says it.
            (
                content.changed() && !ticket.voided,
                " CHANGED ",
                "C",
                theme.changed,
            ),
            (ticket.rush, " RUSH ", "R", theme.rush),
        ];
        for (on, long, short, style) in marks {
            if !on {
                continue;
            }
            let mark = if room > long.len() {
                long
            } else if room >= 2 {
                short
            } else {
                continue;
            };
            room -= mark.len();
            left.push(Span::styled(mark, style));
        }
        let mut block = Block::bordered()
            .border_set(if self.focused {
                theme.symbols.card_focused
            } else {
                theme.symbols.card
            })
            .border_style(if self.focused {
                theme.card_border_focused
            } else {
                theme.card_border(urgency)
            })
            .title_top(Line::from(left));
        if show_timer {
            block = block
                .title_top(Line::from(Span::styled(timer, theme.timer(urgency))).right_aligned());
        }
        // Whole minutes: the total age matters in minutes, and a figure that
        // changes once a minute instead of every second halves what an idle
        // screen sends over SSH (docs/benchmarks.md).
        let created = content
            .orders
            .iter()
            .flatten()
            .map(|o| o.created_at)
            .min()
            .unwrap_or(ticket.since);
        let age = text::minutes(self.model.elapsed_since(created));
        let sending = if width >= 20 {
            format!(" sending{} ", theme.symbols.ellipsis)
        } else {
            theme.symbols.ellipsis.to_owned()
        };
        let mut bottom_room = width;
        if ticket.pending {
            bottom_room = bottom_room.saturating_sub(text::width(&sending) + 1);
            block = block.title_bottom(Line::from(Span::styled(sending, theme.pending)));
        }
        let age = if bottom_room >= 12 {
            format!(" age {age} ")
        } else {
            format!(" {age} ")
        };
        if text::width(&age) <= bottom_room {
            block = block.title_bottom(Line::from(Span::styled(age, theme.dim)).right_aligned());
        }
        block
    }
}

impl Widget for Card<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let content = Content::new(self.model.board(), self.ticket);
        let inner_width = area.width.saturating_sub(2);
        let block = self.block(&content, usize::from(inner_width));
        let inner = block.inner(area);
        block.render(area, buf);
        if content.orders.iter().all(Option::is_none) {
            return;
        }
        // The line highlighted while a cook marks lines on this card.
        let cursor = self
            .model
            .line_focus()
            .filter(|(focus, _)| focus.ticket == self.ticket.id)
            .map(|(_, line)| line);
        let width = usize::from(inner.width);
        let room = usize::from(inner.height);
        let total = usize::from(content_rows(&content, inner.width));
        // When the card does not fit, the last row says how many lines are hidden.
        let shown = if total > room {
            room.saturating_sub(1)
        } else {
            room
        };
        let mut y = inner.y;
        let mut hidden = 0;
        let mut index = 0;
        let mut last_line = None;
        rows(&content, width, |row| {
            if index < shown {
                let line = self.row_line(&content, row, width);
                buf.set_line(inner.x, y, &line, inner.width);
                if cursor.is_some() && row.line() == cursor {
                    buf.set_style(
                        Rect::new(inner.x, y, inner.width, 1),
                        self.theme.selected_row,
                    );
                }
                y += 1;
            } else if let Some(line) = row.line().filter(|l| Some(*l) != last_line) {
                // A line cut in the middle counts as hidden too.
                hidden += 1;
                last_line = Some(line);
            }
            index += 1;
            ControlFlow::Continue(())
        });
        if total > room && room > 0 {
            let noun = if hidden == 1 { "item" } else { "items" };
            let ellipsis = self.theme.symbols.ellipsis;
            let mut text = format!("{ellipsis} {hidden} more {noun}");
            if text::width(&text) > width {
                text = format!("{ellipsis}+{hidden}");
            }
            buf.set_line(
                inner.x,
                y,
                &Line::styled(text, self.theme.more),
                inner.width,
            );
        }
    }
}
