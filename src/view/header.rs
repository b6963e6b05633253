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
    // The speed of service, when the server gave it: it takes the middle
    // from the counts, which the column titles repeat.
    let middle = model
        .stats()
        .map(|stats| speed_of_service(stats, theme))
        .into_iter()
        .chain([counts]);

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
    // The middle shows only what fits between the two sides.
    if let Some(text) = middle
        .into_iter()
        .find(|text| text::width(text) + 2 * (side + 1) <= width)
    {
        let x = area.x + ((width - text::width(&text)) / 2) as u16;
        buf.set_string(x, area.y, &text, theme.header);
    }
}

/// `last hour: avg 07:12 · p90 11:40 · 23 done · 2 late`
fn speed_of_service(stats: &kds_protocol::StationStats, theme: &Theme) -> String {
    let sep = theme.symbols.separator;
    let time = |seconds: Option<f64>| {
        seconds.map(|s| text::clock(std::time::Duration::from_secs_f64(s.max(0.0))))
    };
    let window = match stats.window_s {
        3600 => "last hour".to_owned(),
        s if s % 3600 == 0 => format!("last {} h", s / 3600),
        s => format!("last {} min", s / 60),
    };
    let mut parts = vec![window];
    if let (Some(avg), Some(p90)) = (time(stats.avg_ready_s), time(stats.p90_ready_s)) {
        parts.push(format!("avg {avg}{sep}p90 {p90}"));
    }
    parts.push(format!("{} done", stats.completed));
    parts.push(format!("{} late", stats.late));
    let mut out = parts.remove(0);
    out.push_str(": ");
    out.push_str(&parts.join(sep));
    out
}
