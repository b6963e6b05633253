//! Rendering one frame of the board: `cargo bench --bench render`.
//!
//! A 200x50 screen with 50, 200 and 1,000 active tickets. `view` is the
//! view function alone, drawing into ratatui's buffer; `draw` is a whole
//! `Terminal::draw` on ratatui's `TestBackend` (view, diff against the
//! previous frame, flush), which is what every redraw of the app costs
//! before the bytes reach the terminal. `expo` is the `all` screen with 200
//! open orders in 60 checks, each check one card of its stations' parts.

mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kds::view::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

const COLS: u16 = 200;
const ROWS: u16 = 50;

fn render_frames(c: &mut Criterion) {
    let theme = Theme::new(false, true);
    let mut group = c.benchmark_group("render_200x50");
    for tickets in [50, 200, 1_000] {
        let model = support::loaded(tickets, COLS, ROWS);
        let mut terminal =
            Terminal::new(TestBackend::new(COLS, ROWS)).expect("the test backend never fails");
        group.bench_with_input(BenchmarkId::new("view", tickets), &model, |b, model| {
            b.iter(|| {
                let mut frame = terminal.get_frame();
                view::render(&mut frame, black_box(model), &theme);
            });
        });
        group.bench_with_input(BenchmarkId::new("draw", tickets), &model, |b, model| {
            b.iter(|| {
                terminal
                    .draw(|frame| view::render(frame, black_box(model), &theme))
                    .expect("the test backend never fails");
            });
        });
    }
    group.finish();
}

fn render_expo(c: &mut Criterion) {
    let theme = Theme::new(false, true);
    let mut group = c.benchmark_group("render_expo_200x50");
    let model = support::expo(200, 60, COLS, ROWS);
    let mut terminal =
        Terminal::new(TestBackend::new(COLS, ROWS)).expect("the test backend never fails");
    group.bench_function("view/200_orders_60_checks", |b| {
        b.iter(|| {
            let mut frame = terminal.get_frame();
            view::render(&mut frame, black_box(&model), &theme);
        });
    });
    group.bench_function("draw/200_orders_60_checks", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| view::render(frame, black_box(&model), &theme))
                .expect("the test backend never fails");
        });
    });
    group.finish();
}

criterion_group!(benches, render_frames, render_expo);
criterion_main!(benches);
