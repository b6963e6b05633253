//! Key presses, after the keymap turned them into actions.

use super::{act, status_label};
use crate::keymap::KeyAction;
use crate::model::{Level, Model, Overlay, Ticket, UNDO_DEPTH, UndoEntry, UndoMove};
use crate::msg::{Command, Step};
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
        // Over the columns on a narrow screen, the counts are read, then closed.
        Overlay::None if model.all_day() == Some(false) => {
            if matches!(action, KeyAction::AllDay | KeyAction::Close) {
                model.all_day = false;
            } else if action == KeyAction::Help {
                model.overlay = Overlay::Help;
            }
            Vec::new()
        }
        Overlay::None if model.selection.line().is_some() => on_line_key(model, action),
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
            if let Some(ticket) = model.focused_ticket().cloned() {
                return bump(model, &ticket);
            }
        }
        KeyAction::BumpNth(n) => {
            let column = model.selection.column();
            let visible = model.page(column).range();
            let index = visible.start + usize::from(n.saturating_sub(1));
            if index < visible.end
                && let Some(ticket) = model.column(column).get(index).cloned()
            {
                return bump(model, &ticket);
            }
        }
        KeyAction::Undo => return undo(model),
        KeyAction::Items | KeyAction::Done => step_in(model),
        KeyAction::AllDay => model.all_day = !model.all_day,
        KeyAction::Recall => {
            model.selection.reset_recall();
            model.overlay = Overlay::Recall;
        }
        KeyAction::Help => model.overlay = Overlay::Help,
        // Nothing open: Close dismisses the footer message instead.
        KeyAction::Close => model.footer = None,
        KeyAction::Quit => {}
    }
    // Moving onto a card is looking at it: its changes are seen.
    acknowledge_focused(model);
    Vec::new()
}

/// Inside a card: arrows pick a line, a bump (or `done`) marks it.
fn on_line_key(model: &mut Model, action: KeyAction) -> Vec<Command> {
    match action {
        KeyAction::Up => model.selection.move_line(&model.board, -1),
        KeyAction::Down => model.selection.move_line(&model.board, 1),
        KeyAction::Bump | KeyAction::Done => return toggle_line(model),
        KeyAction::BumpNth(n) => {
            if model
                .selection
                .set_line(&model.board, usize::from(n.saturating_sub(1)))
            {
                return toggle_line(model);
            }
        }
        KeyAction::Items | KeyAction::Close => model.selection.leave_lines(),
        KeyAction::Left
        | KeyAction::Right
        | KeyAction::Undo
        | KeyAction::Recall
        | KeyAction::Help
        | KeyAction::AllDay => {
            model.selection.leave_lines();
            return on_board_key(model, action);
        }
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

fn acknowledge_focused(model: &mut Model) {
    if let Some(ticket) = model.focused_ticket().cloned() {
        model.board.acknowledge(&ticket);
    }
}

/// Steps into the focused card to mark its lines.
fn step_in(model: &mut Model) {
    let Some(ticket) = model.focused_ticket().cloned() else {
        return;
    };
    if model.read_only() {
        let text = format!(
            "#{}: {}; lines cannot be marked",
            ticket.number,
            model.read_only_because()
        );
        model.say(Level::Info, text);
        return;
    }
    if !model.selection.enter_lines(&model.board) {
        let text = format!("#{}: no line left to mark done", ticket.number);
        model.say(Level::Info, text);
    }
}

/// Marks the highlighted line done, or not done any more. When that makes
/// every line of its order done, the order bumps itself to ready (if
/// `auto_bump_when_done`).
fn toggle_line(model: &mut Model) -> Vec<Command> {
    let Some((_, (part, item))) = model.line_focus() else {
        return Vec::new();
    };
    let Some(ticket) = model.focused_ticket().cloned() else {
        return Vec::new();
    };
    let Some(shown) = ticket.parts.get(part).cloned() else {
        return Vec::new();
    };
    let Some(item_id) = model
        .order(&shown.order_id)
        .and_then(|o| o.items.get(item))
        .map(|i| i.id.clone())
    else {
        return Vec::new();
    };
    let (done, _) = model.board.line_done(&shown.order_id, &item_id);
    let step = Step::Done {
        item_id,
        done: !done,
    };
    let mut commands: Vec<Command> = act(model, &shown.order_id, ticket.number, step)
        .into_iter()
        .collect();
    if !commands.is_empty()
        && !done
        && model.options.auto_bump_when_done
        && every_line_done(model, &shown.order_id)
    {
        let mut status = shown.status;
        while status < Status::Ready {
            let Some(to) = status.next() else { break };
            let step = Step::Bump { from: status, to };
            commands.extend(act(model, &shown.order_id, ticket.number, step));
            status = to;
        }
    }
    commands
}

/// Whether every line still to be made of an order shows as done here.
fn every_line_done(model: &Model, order_id: &str) -> bool {
    let Some(order) = model.order(order_id) else {
        return false;
    };
    let mut live = order.live_items().peekable();
    live.peek().is_some() && live.all(|(_, item)| model.board.line_done(order_id, &item.id).0)
}

/// The moves a bump of `ticket` makes, one per order: a voided card is
/// cleared; a check that is ready at the expo is completed, every part
/// (and a voided part cleared with it); otherwise each part at the card's
/// status moves one step on.
fn bump_steps(ticket: &Ticket) -> Vec<(String, Step)> {
    let open = ticket
        .parts
        .iter()
        .filter(|p| p.status != Status::Completed);
    let step = |status: Status, voided: bool| {
        if voided {
            Some(Step::Clear { from: status })
        } else {
            status.next().map(|to| Step::Bump { from: status, to })
        }
    };
    let chosen: Vec<_> = if ticket.voided || (ticket.is_check() && ticket.status == Status::Ready) {
        open.filter_map(|p| Some((p.order_id.clone(), step(p.status, p.voided)?)))
            .collect()
    } else {
        open.filter(|p| !p.voided && p.status == ticket.status)
            .filter_map(|p| Some((p.order_id.clone(), step(p.status, false)?)))
            .collect()
    };
    chosen
}

/// Moves a card on screen one step on.
fn bump(model: &mut Model, ticket: &Ticket) -> Vec<Command> {
    model.board.acknowledge(ticket);
    let mut commands = Vec::new();
    let mut moves = Vec::new();
    for (order_id, step) in bump_steps(ticket) {
        let to = match step {
            Step::Bump { to, .. } => Some(to),
            _ => None,
        };
        let Some(command) = act(model, &order_id, ticket.number, step) else {
            break;
        };
        if let (Command::Send(action), Some(to)) = (&command, to) {
            moves.push(UndoMove {
                action_id: action.id.clone(),
                order_id,
                to,
            });
        }
        commands.push(command);
    }
    if !moves.is_empty() {
        if model.undo.len() == UNDO_DEPTH {
            model.undo.remove(0);
        }
        model.undo.push(UndoEntry {
            number: ticket.number,
            moves,
        });
    }
    commands
}

/// Walks back the last bump made here, for the orders still where it put them.
fn undo(model: &mut Model) -> Vec<Command> {
    let Some(entry) = model.undo.pop() else {
        model.say(Level::Info, "nothing to undo".to_owned());
        return Vec::new();
    };
    let mut commands = Vec::new();
    let mut back_to = None;
    let mut moved_on = None;
    for undo in &entry.moves {
        match (model.board.shown_status(&undo.order_id), undo.to.prev()) {
            (Some(status), Some(back)) if status == undo.to => {
                let step = Step::Undo {
                    from: status,
                    to: back,
                };
                commands.extend(act(model, &undo.order_id, entry.number, step));
                back_to = Some(back);
            }
            (status, _) => moved_on = moved_on.or(Some(status)),
        }
    }
    let n = entry.number;
    let text = match (back_to, moved_on) {
        (Some(back), _) => (Level::Info, format!("#{n} back to {}", status_label(back))),
        (None, Some(Some(status))) => (
            Level::Error,
            format!(
                "#{n} has moved on to {} since; nothing undone",
                status_label(status)
            ),
        ),
        (None, _) => (
            Level::Error,
            format!("#{n} is no longer on this screen; nothing undone"),
        ),
    };
    model.say(text.0, text.1);
    commands
}

/// Brings the highlighted completed order back to Ready and focuses it there.
fn recall(model: &mut Model) -> Vec<Command> {
    let index = model.selection.recall_index();
    let Some(ticket) = model.board.recall().get(index).cloned() else {
        return Vec::new();
    };
    model.overlay = Overlay::None;
    let step = Step::Recall {
        from: Status::Completed,
        to: Status::Ready,
    };
    let Some(command) = act(model, &ticket.id, ticket.number, step) else {
        return Vec::new();
    };
    let card = model.board.ticket_of(&ticket.id).map(|t| t.id.clone());
    if let Some(card) = card {
        model.selection.focus(&model.board, &card);
    }
    vec![command]
}
