//! The contract suite: PROTOCOL.md row by row, against a real server.
//!
//! Each test is an `async fn(Backend)`; the macro below instantiates every
//! one per backend (`sqlite::…` and `postgres::…`), so every store runs
//! exactly the same checks.

// Test code: a failed unwrap is a failed test (clippy.toml allows it inside
// #[test] functions, but not in the helpers these tests share).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod binary;
mod changes;
mod checks;
mod demo;
mod durability;
mod errors;
mod events;
mod idempotency;
mod logs;
mod ops;
mod orders;
#[path = "../pg_support/mod.rs"]
mod pg_support;
mod postgres_store;
mod rate_limits;
mod retention;
mod shutdown;
mod sqlite_store;
mod stats;
mod support;
mod websocket;

macro_rules! contract {
    ([$($backend:ident => $variant:ident),+ $(,)?] $tests:tt) => {
        $(contract!(@one $backend => $variant $tests);)+
    };
    (@one $backend:ident => $variant:ident {
        $($module:ident: [$($test:ident),* $(,)?]),* $(,)?
    }) => {
        #[allow(non_snake_case)]
        mod $backend {
            $(
                mod $module {
                    $(
                        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                        async fn $test() {
                            let backend = crate::support::Backend::$variant;
                            if backend.runs(concat!(
                                stringify!($backend), "::", stringify!($module), "::", stringify!($test)
                            )) {
                                crate::$module::$test(backend).await;
                            }
                        }
                    )*
                }
            )*
        }
    };
}

contract! {
    [sqlite => Sqlite, postgres => Postgres]
    {
    orders: [
        create_answers_201_with_the_server_fields,
        get_answers_the_order_or_404,
        numbers_increase,
        status_moves_one_step_either_way,
        other_moves_are_invalid_transitions_with_current,
        from_guard_conflicts_with_current,
        same_status_with_matching_from_is_200_without_event,
        concurrent_bumps_with_the_same_from_one_wins,
        unknown_fields_are_ignored,
    ],
    errors: [
        malformed_json_and_wrong_types_are_400,
        bodies_are_json_whatever_their_content_type,
        oversized_bodies_are_413,
        broken_rules_are_422_naming_the_field,
        bad_station_paths_are_422,
        unknown_ids_are_404,
        unknown_routes_and_methods_answer_in_shape,
        nothing_malformed_changes_data,
    ],
    idempotency: [
        repeated_create_returns_200_and_creates_nothing,
        key_reused_with_another_body_is_422,
        malformed_keys_are_422,
        repeated_status_move_returns_the_first_answer,
        keys_survive_a_restart,
    ],
    events: [
        snapshot_orders_oldest_first_recent_newest_first,
        station_all_sees_every_station,
        events_resume_with_since_after_missing_some,
        events_page_at_500_and_page_on,
        long_poll_wakes_on_a_new_event,
        long_poll_times_out_empty_with_seq,
        long_poll_ignores_other_stations,
        wait_and_since_are_checked,
        since_past_retention_is_410,
        since_beyond_newest_is_410,
        seqs_follow_commit_order_under_concurrency,
    ],
    websocket: [
        connect_without_since_sends_a_snapshot,
        connect_with_retained_since_replays_then_goes_live,
        since_past_retention_or_beyond_newest_sends_a_snapshot,
        live_events_are_filtered_by_station,
        server_pings_and_closes_dead_peers,
        shutdown_closes_with_1001,
        malformed_or_oversized_client_frames_close_1008,
        a_client_that_stops_reading_does_not_stall_others,
        a_lagging_client_is_resynced_not_skipped,
    ],
    auth: [
        open_server_lets_everyone_in,
        missing_or_unknown_tokens_are_401,
        display_reads_and_moves_but_cannot_create,
        pos_may_do_everything,
        websocket_auth_happens_before_the_upgrade,
        every_route_admits_exactly_the_roles_it_should,
        the_session_tells_each_token_its_role,
    ],
    checks: [
        a_check_of_three_stations_gives_three_orders_with_one_number,
        a_check_of_one_station_is_one_ordinary_order,
        a_repeated_check_with_the_same_key_creates_nothing,
        a_check_line_without_a_station_is_422,
        a_check_is_created_all_or_none,
    ],
    changes: [
        new_fields_are_always_present,
        patch_changes_fields_and_null_clears_them,
        a_stale_version_is_409_with_current,
        an_add_on_appends_lines_with_new_ids,
        an_add_on_to_a_completed_order_brings_it_back_to_preparing,
        an_order_holds_at_most_100_lines,
        voiding_lines_and_then_the_last_voids_the_order,
        a_voided_order_keeps_its_status_and_can_only_be_cleared,
        lines_are_marked_done_and_undone,
        ready_at_follows_the_status,
        every_change_takes_an_idempotency_key,
        display_may_not_edit_or_void_but_may_mark_lines_done,
        concurrent_add_ons_all_land_with_distinct_ids,
        changes_reach_the_websocket_as_updated_events,
    ],
    ops: [
        healthz_answers_ok,
        metrics_are_prometheus_text,
        long_polls_are_counted_until_they_end,
        invented_methods_add_no_metric_series,
    ],
    durability: [
        a_201_survives_kill_9,
    ],
    retention: [
        pruning_by_age_moves_the_floor_exactly,
        pruning_by_count_keeps_the_newest,
        idempotency_answers_expire_after_their_time,
        completed_orders_past_keep_completed_go_with_their_events_and_answers,
    ],
    demo: [
        the_simulator_streams_orders_that_move_along,
    ],
    rate_limits: [
        a_flooding_client_is_held_back_while_another_bumps_and_watches,
        an_open_server_limits_each_address_apart,
        the_defaults_allow_bursts_of_1000_and_0_turns_a_limit_off,
    ],
    stats: [
        the_window_is_checked_and_defaults_to_an_hour,
        ticket_times_are_those_of_orders_that_reached_ready_in_the_window,
        open_and_late_leave_out_completed_and_voided_orders,
        stations_are_counted_apart_and_all_counts_every_one,
        an_order_recalled_from_ready_no_longer_counts_until_ready_again,
    ],
    shutdown: [
        what_outlasts_the_grace_period_is_cut_off_and_nothing_is_lost,
    ],
    }
}
