//! The top line: station, tickets per column, clock.

use super::Theme;
use crate::model::{Column, Model};
use crate::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn render(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    let width = usize::from(area.width);
    buf.set_style(area, theme.header);
    let station = if model.is_expo() {
        "all stations".to_owned()
    } else {
        model.options().station.clone()
    };
    let station = format!(" kds{}{station}", theme.symbols.separator);
    // The kitchen's wall-clock time, on the server's clock (the local one may be wrong).
    let clock = model
        .server_now()
        .as_datetime()
        .with_timezone(&model.utc_offset())
        .format("%H:%M:%S ")
        .to_string();
    let counts: Vec<String> = Column::ALL
        .iter()
        .map(|&column| format!("{column} {}", model.column(column).len()))
        .collect();
    let counts = counts.join(theme.symbols.separator);

    let side = text::width(&station).max(text::width(&clock));
    let station = text::truncate(
        &station,
        width.saturating_sub(clock.len()),
        theme.symbols.ellipsis,
    );
    buf.set_line(
        area.x,
        area.y,
        &Line::from(Span::styled(station, theme.header_station)),
        area.width,
    );
    if clock.len() < width {
        buf.set_string(
            area.right() - clock.len() as u16,
            area.y,
            &clock,
            theme.header,
        );
    }
    // Counts go in the middle only when they fit between the two sides.
    let counts_width = text::width(&counts);
    if counts_width + 2 * (side + 1) <= width {
        let x = area.x + ((width - counts_width) / 2) as u16;
        buf.set_string(x, area.y, &counts, theme.header);
    }
}
