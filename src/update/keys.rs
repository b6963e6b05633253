//! Key presses, after the keymap turned them into actions.

use super::act;
use crate::keymap::KeyAction;
use crate::model::{Level, Model, Overlay, UNDO_DEPTH, UndoEntry};
use crate::msg::{ActionKind, Command};
use crate::view::layout;
use crossterm::event::KeyEvent;
use kds_protocol::Status;

pub(super) fn on_key(model: &mut Model, key: &KeyEvent) -> Vec<Command> {
    let Some(action) = model.options.keymap.action(key) else {
        return Vec::new();
    };
    if action == KeyAction::Quit {
        model.quit = true;
        return vec![Command::Quit];
    }
    match model.overlay {
        // Help is read, then dismissed by any key; the key does nothing else.
        Overlay::Help => {
            model.overlay = Overlay::None;
            Vec::new()
        }
        Overlay::Recall => on_recall_key(model, action),
        Overlay::None => on_board_key(model, action),
    }
}

fn on_board_key(model: &mut Model, action: KeyAction) -> Vec<Command> {
    match action {
        KeyAction::Left => model.selection.move_column(-1),
        KeyAction::Right => model.selection.move_column(1),
        KeyAction::Up => model.selection.move_ticket(&model.board, -1),
        KeyAction::Down => model.selection.move_ticket(&model.board, 1),
        KeyAction::Bump => {
            if let Some(id) = model.focused_ticket().map(|t| t.id.clone()) {
                return bump(model, &id);
            }
        }
        KeyAction::BumpNth(n) => {
            let column = model.selection.column();
            let visible = layout::visible_range(model, column);
            let index = visible.start + usize::from(n.saturating_sub(1));
            if index < visible.end
                && let Some(id) = model.column(column).get(index).map(|t| t.id.clone())
            {
                return bump(model, &id);
            }
        }
        KeyAction::Undo => return undo(model),
        KeyAction::Recall => {
            model.selection.reset_recall();
            model.overlay = Overlay::Recall;
        }
        KeyAction::Help => model.overlay = Overlay::Help,
        // Nothing open: Close dismisses the footer message instead.
        KeyAction::Close => model.footer = None,
        KeyAction::Quit => {}
    }
    Vec::new()
}

fn on_recall_key(model: &mut Model, action: KeyAction) -> Vec<Command> {
    match action {
        KeyAction::Up => model.selection.move_recall(&model.board, -1),
        KeyAction::Down => model.selection.move_recall(&model.board, 1),
        KeyAction::Bump => return recall(model),
        KeyAction::Recall | KeyAction::Close => model.overlay = Overlay::None,
        KeyAction::Help => model.overlay = Overlay::Help,
        _ => {}
    }
    Vec::new()
}

/// Moves a ticket on screen one step on.
fn bump(model: &mut Model, id: &str) -> Vec<Command> {
    let Some(ticket) = model.board.column_ticket(id).cloned() else {
        return Vec::new();
    };
    let Some(to) = ticket.status.next() else {
        return Vec::new();
    };
    let commands = act(
        model,
        ActionKind::Bump,
        id,
        ticket.number,
        ticket.status,
        to,
    );
    if let Some(Command::Send(action)) = commands.first() {
        if model.undo.len() == UNDO_DEPTH {
            model.undo.remove(0);
        }
        model.undo.push(UndoEntry {
            action_id: action.id.clone(),
            order_id: id.to_owned(),
            number: ticket.number,
            to,
        });
    }
    commands
}

/// Walks back the last bump made here, if the order is still where it put it.
fn undo(model: &mut Model) -> Vec<Command> {
    let Some(entry) = model.undo.pop() else {
        model.say(Level::Info, "nothing to undo".to_owned());
        return Vec::new();
    };
    let shown = model.board.shown_status(&entry.order_id);
    match (shown, entry.to.prev()) {
        (Some(status), Some(back)) if status == entry.to => {
            let commands = act(
                model,
                ActionKind::Undo,
                &entry.order_id,
                entry.number,
                status,
                back,
            );
            model.say(
                Level::Info,
                format!("#{} back to {}", entry.number, super::status_label(back)),
            );
            commands
        }
        (Some(status), _) => {
            let text = format!(
                "#{} has moved on to {} since; nothing undone",
                entry.number,
                super::status_label(status)
            );
            model.say(Level::Error, text);
            Vec::new()
        }
        (None, _) => {
            let text = format!(
                "#{} is no longer on this screen; nothing undone",
                entry.number
            );
            model.say(Level::Error, text);
            Vec::new()
        }
    }
}

/// Brings the highlighted completed order back to Ready and focuses it there.
fn recall(model: &mut Model) -> Vec<Command> {
    let index = model.selection.recall_index();
    let Some(ticket) = model.board.recall().get(index).cloned() else {
        return Vec::new();
    };
    model.overlay = Overlay::None;
    let commands = act(
        model,
        ActionKind::Recall,
        &ticket.id,
        ticket.number,
        Status::Completed,
        Status::Ready,
    );
    model.selection.focus(&model.board, &ticket.id);
    commands
}
