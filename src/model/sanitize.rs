//! Order text comes from the network: whatever a point-of-sale (or an attacker
//! with a token) typed. Control characters are removed as orders enter the
//! model, so no escape sequence can ever reach the terminal through a card.

use kds_protocol::Order;

/// Whether a character may be drawn. Controls (C0, DEL, C1: ESC, CSI, BEL,
/// newlines...) and the bidirectional overrides that reorder text are not.
fn is_drawable(c: char) -> bool {
    !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Removes undrawable characters in place; line breaks and tabs become spaces
/// so words on either side stay apart.
pub fn sanitize_text(text: &mut String) {
    if text.chars().all(is_drawable) {
        return;
    }
    *text = text
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if is_drawable(c) => Some(c),
            _ => None,
        })
        .collect();
}

/// Cleans every free-text field of an order that is drawn (and gives the
/// lines of a version 1.0 server their ids).
pub fn sanitize_order(order: &mut Order) {
    order.fill_v1_defaults();
    // Ids are never drawn, and must stay as the server wrote them to address the order.
    let texts = [
        order.notes.as_mut(),
        order.table.as_mut(),
        order.customer.as_mut(),
        order.void_reason.as_mut(),
    ];
    texts.into_iter().flatten().for_each(sanitize_text);
    for item in &mut order.items {
        sanitize_text(&mut item.name);
        item.modifiers.iter_mut().for_each(sanitize_text);
        if let Some(notes) = item.notes.as_mut() {
            sanitize_text(notes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        let mut text = "\u{1b}[2J\u{1b}]0;pwned\u{7}Burger\u{9b}31m\u{7f}".to_owned();
        sanitize_text(&mut text);
        assert_eq!(text, "[2J]0;pwnedBurger31m");
        assert!(!text.chars().any(char::is_control));
    }

    #[test]
    fn line_breaks_become_spaces_and_clean_text_is_kept() {
        let mut text = "NUT\nALLERGY\tsevere\r".to_owned();
        sanitize_text(&mut text);
        assert_eq!(text, "NUT ALLERGY severe ");
        let mut text = "Crème brûlée × 2 — 寿司".to_owned();
        sanitize_text(&mut text);
        assert_eq!(text, "Crème brûlée × 2 — 寿司");
    }

    #[test]
    fn bidi_overrides_are_removed() {
        let mut text = "a\u{202e}evil\u{2066}b".to_owned();
        sanitize_text(&mut text);
        assert_eq!(text, "aevilb");
    }
}
