use super::*;
use crate::net::feed::tests::order;
use crate::net::servers::Servers;
use kds_protocol::ErrorCode;
use std::time::Duration;

fn status(status: u16, body: Option<ErrorBody>) -> Result<Order, HttpError> {
    Err(HttpError::Status {
        status,
        body: body.map(Box::new),
        retry_after: None,
    })
}

#[test]
fn final_answers_leave_the_queue_and_the_rest_is_retried() {
    assert_eq!(
        judge(Ok(order("o1"))),
        Verdict::Final(ActionOutcome::Applied(order("o1")))
    );
    let conflict = ErrorBody::new(ErrorCode::Conflict, "moved").with_current(order("o2"));
    assert_eq!(
        judge(status(409, Some(conflict))),
        Verdict::Final(ActionOutcome::Conflict(order("o2")))
    );
    for (code, error) in [
        (404, ErrorCode::NotFound),
        (422, ErrorCode::Invalid),
        (403, ErrorCode::Forbidden),
        (409, ErrorCode::InvalidTransition),
    ] {
        assert_eq!(
            judge(status(code, Some(ErrorBody::new(error, "why")))),
            Verdict::Final(ActionOutcome::Rejected("why".into())),
            "{code}"
        );
    }
    for code in [500, 502, 503, 429, 408] {
        assert_eq!(
            judge(status(code, None)),
            Verdict::Retry { after: None },
            "{code}"
        );
    }
    assert_eq!(
        judge(Err(HttpError::Network("reset".into()))),
        Verdict::Retry { after: None }
    );
    let limited = Err(HttpError::Status {
        status: 429,
        body: None,
        retry_after: Some(Duration::from_secs(2)),
    });
    assert_eq!(
        judge(limited),
        Verdict::Retry {
            after: Some(Duration::from_secs(2))
        }
    );
    assert_eq!(judge(status(401, None)), Verdict::RetryLater);
}

fn servers() -> Servers {
    Servers::new(vec!["http://a:1".parse().unwrap()]).unwrap()
}

/// How long `wait_out` takes, on the paused clock, when `during` happens
/// while it waits.
async fn waited(
    retry: Retry,
    reach: &mut watch::Receiver<Reach>,
    during: impl Future<Output = ()>,
) -> Duration {
    let started = Instant::now();
    tokio::join!(wait_out(retry, Some(reach)), during);
    started.elapsed()
}

#[tokio::test(start_paused = true)]
async fn a_wake_up_from_before_the_failure_does_not_cut_the_backoff_short() {
    let mut servers = servers();
    let mut reach = servers.watch();
    // The link got through while nothing waited: old news by the time the
    // next attempt fails (the Notify permit this used to leave behind).
    servers.reached();
    let seen = reach.borrow().reached;
    let retry = Retry {
        at: Instant::now() + Duration::from_secs(8),
        seen,
    };
    assert_eq!(
        waited(retry, &mut reach, async {}).await,
        Duration::from_secs(8)
    );
    // The five-minute wait after a refused token, likewise.
    servers.reached();
    let seen = reach.borrow().reached;
    let later = Retry {
        at: Instant::now() + Duration::from_secs(300),
        seen,
    };
    assert_eq!(
        waited(later, &mut reach, async {}).await,
        Duration::from_secs(300)
    );
}

#[tokio::test(start_paused = true)]
async fn the_link_getting_through_after_the_failure_ends_the_wait_at_once() {
    let mut servers = servers();
    let mut reach = servers.watch();
    let seen = reach.borrow().reached;
    let retry = Retry {
        at: Instant::now() + Duration::from_secs(30),
        seen,
    };
    let back = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        servers.reached();
    };
    assert_eq!(
        waited(retry, &mut reach, back).await,
        Duration::from_secs(2)
    );
    // A failover alone (no server reached yet) does not.
    let seen = reach.borrow().reached;
    let retry = Retry {
        at: Instant::now() + Duration::from_secs(5),
        seen,
    };
    let moved = async {
        servers.advance();
    };
    assert_eq!(
        waited(retry, &mut reach, moved).await,
        Duration::from_secs(5)
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_link_only_time_ends_the_wait() {
    let retry = Retry {
        at: Instant::now() + Duration::from_secs(3),
        seen: 0,
    };
    let started = Instant::now();
    wait_out(retry, None).await;
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    // A link that is gone too.
    let servers = servers();
    let mut reach = servers.watch();
    drop(servers);
    let retry = Retry {
        at: Instant::now() + Duration::from_secs(3),
        seen: 0,
    };
    let started = Instant::now();
    wait_out(retry, Some(&mut reach)).await;
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}
