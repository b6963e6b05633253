//! Measuring, wrapping and cutting text to terminal cells, and timer formats.
//!
//! Widths come from ratatui's own measure (`Span::width`), so what is laid out
//! here is exactly what ratatui will draw. Wrapping yields slices of the
//! original text: measuring a column of 200 tickets allocates nothing.

use ratatui::text::Span;
use std::time::Duration;

/// Display width of a string in terminal cells.
pub fn width(text: &str) -> usize {
    Span::raw(text).width()
}

fn char_width(c: char) -> usize {
    let mut buf = [0; 4];
    width(c.encode_utf8(&mut buf))
}

/// The longest prefix of `text` that fits in `max` cells.
pub fn fit(text: &str, max: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += char_width(c);
        if used > max {
            return &text[..i];
        }
    }
    text
}

/// `text` cut to `max` cells, ending in `ellipsis` when something was cut.
pub fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let room = max.saturating_sub(width(ellipsis));
    let mut out = fit(text, room).trim_end().to_owned();
    if width(&out) + width(ellipsis) <= max {
        out.push_str(ellipsis);
    }
    out
}

/// Greedy word wrap to `max` cells; words longer than a line are split.
pub fn wrap(text: &str, max: usize) -> Wrap<'_> {
    Wrap {
        rest: text,
        max: max.max(1),
    }
}

/// The lines of [`wrap`], as slices of the original text.
#[derive(Debug, Clone)]
pub struct Wrap<'a> {
    rest: &'a str,
    max: usize,
}

impl<'a> Iterator for Wrap<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest.trim_start_matches(' ');
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        let mut used = 0;
        let mut last_space = None;
        for (i, c) in rest.char_indices() {
            if c == ' ' {
                last_space = Some(i);
            }
            used += char_width(c);
            if used > self.max {
                // Break at the last space if there was one, else inside the word
                // (but always take at least one character, so the wrap ends).
                let cut = match last_space {
                    Some(space) if space > 0 => space,
                    _ if i == 0 => c.len_utf8(),
                    _ => i,
                };
                self.rest = &rest[cut..];
                return Some(rest[..cut].trim_end_matches(' '));
            }
        }
        self.rest = "";
        Some(rest.trim_end_matches(' '))
    }
}

/// A timer in five cells: `mm:ss` under 100 minutes, then `HhMM` (`2h05`),
/// then whole hours (`123h`) so a forgotten ticket still reads sensibly.
pub fn clock(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    let (minutes, seconds) = (secs / 60, secs % 60);
    if minutes < 100 {
        format!("{minutes:02}:{seconds:02}")
    } else if minutes < 100 * 60 {
        format!("{}h{:02}", minutes / 60, minutes % 60)
    } else {
        format!("{}h", minutes / 60)
    }
}

/// Whole minutes, at most five cells (`0m`, `42m`, `2h05`, `101h`).
pub fn minutes(elapsed: Duration) -> String {
    let minutes = elapsed.as_secs() / 60;
    if minutes < 100 {
        format!("{minutes}m")
    } else if minutes < 100 * 60 {
        format!("{}h{:02}", minutes / 60, minutes % 60)
    } else {
        format!("{}h", minutes / 60)
    }
}

/// A short age for "last update" (`4s`, `3m`, `2h`).
pub fn age(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        _ => format!("{}h", secs / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_spaces_and_splits_long_words() {
        let lines: Vec<&str> = wrap("no onion, extra cheese please", 10).collect();
        assert_eq!(lines, ["no onion,", "extra", "cheese", "please"]);
        let lines: Vec<&str> = wrap("supercalifragilistic", 8).collect();
        assert_eq!(lines, ["supercal", "ifragili", "stic"]);
        assert_eq!(wrap("", 5).count(), 0);
        assert_eq!(wrap("   ", 5).count(), 0);
    }

    #[test]
    fn wide_characters_count_double() {
        let lines: Vec<&str> = wrap("寿司寿司寿司", 5).collect();
        assert_eq!(lines, ["寿司", "寿司", "寿司"]);
        // A width of one still makes progress on a two-cell character.
        assert_eq!(wrap("寿司", 1).count(), 2);
        assert_eq!(fit("寿司", 3), "寿");
    }

    #[test]
    fn every_wrapped_line_fits() {
        let text = "Allergy: peanuts, tree nuts & sesame — severe. Use a clean board!";
        for max in 1..30 {
            for line in wrap(text, max) {
                assert!(width(line) <= max.max(2), "{max}: {line:?}");
            }
        }
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("Takeout · Bob", 20, "…"), "Takeout · Bob");
        assert_eq!(truncate("Takeout · Bartholomew", 12, "…"), "Takeout · B…");
        assert_eq!(truncate("abcdef", 4, "..."), "a...");
        assert_eq!(truncate("abcdef", 2, "..."), "");
    }

    #[test]
    fn clocks_stay_five_cells() {
        assert_eq!(clock(Duration::from_secs(0)), "00:00");
        assert_eq!(clock(Duration::from_secs(5 * 60 + 7)), "05:07");
        assert_eq!(clock(Duration::from_secs(99 * 60 + 59)), "99:59");
        assert_eq!(clock(Duration::from_secs(125 * 60)), "2h05");
        assert_eq!(clock(Duration::from_secs(101 * 3600)), "101h");
        assert_eq!(minutes(Duration::from_secs(59)), "0m");
        assert_eq!(minutes(Duration::from_secs(42 * 60 + 59)), "42m");
        assert_eq!(minutes(Duration::from_secs(125 * 60)), "2h05");
        assert_eq!(minutes(Duration::from_secs(101 * 3600)), "101h");
        assert_eq!(age(Duration::from_secs(42)), "42s");
        assert_eq!(age(Duration::from_secs(125)), "2m");
        assert_eq!(age(Duration::from_secs(7300)), "2h");
    }
}
