//! Version 1.1: `POST /api/checks`, one check cooked at several stations.

use crate::support::{Backend, TestServer, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

fn three_stations() -> Value {
    json!({
        "station": "grill",
        "table": "12",
        "notes": "birthday",
        "items": [
            {"name": "Burger", "qty": 2},
            {"name": "Cola", "qty": 2, "station": "bar"},
            {"name": "Caesar salad", "qty": 1, "station": "cold"},
            {"name": "Fries", "qty": 1, "station": "grill"},
            {"name": "Beer", "qty": 1, "station": "bar"},
        ]
    })
}

fn names(order: &Value) -> Vec<&str> {
    order["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

pub async fn a_check_of_three_stations_gives_three_orders_with_one_number(backend: Backend) {
    let server = TestServer::start(backend).await;
    let before = server.create("grill").await;
    let check = server.create_check(&three_stations()).await;
    let check_id = check["check_id"].as_str().unwrap();
    assert!(!check_id.is_empty());
    assert_eq!(check["number"], before["number"].as_i64().unwrap() + 1);
    let orders = check["orders"].as_array().unwrap();
    let stations: Vec<_> = orders.iter().map(|o| o["station"].clone()).collect();
    assert_eq!(stations, [json!("grill"), json!("bar"), json!("cold")]);
    assert_eq!(names(&orders[0]), ["Burger", "Fries"]);
    assert_eq!(names(&orders[1]), ["Cola", "Beer"]);
    assert_eq!(names(&orders[2]), ["Caesar salad"]);
    for (order, also) in orders.iter().zip([
        json!(["bar", "cold"]),
        json!(["cold", "grill"]),
        json!(["bar", "grill"]),
    ]) {
        assert_eq!(order["check_id"], check_id);
        assert_eq!(order["number"], check["number"]);
        assert_eq!(order["also_at"], also);
        assert_eq!(order["table"], "12");
        assert_eq!(order["notes"], "birthday");
        assert_eq!(order["status"], "pending");
        assert_eq!(order["version"], 1);
        // Ids are unique within an order, from 1; every line came with it.
        let ids: Vec<_> = order["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap().to_owned(), i["added_in"].clone()))
            .collect();
        let expected: Vec<_> = (1..=ids.len()).map(|n| (n.to_string(), json!(1))).collect();
        assert_eq!(ids, expected);
        let (status, fetched) = server
            .get(&format!("/api/orders/{}", order["id"].as_str().unwrap()))
            .await;
        assert_eq!((status, &fetched), (StatusCode::OK, order));
    }
    // One `created` event per part, in order, each with its part.
    let events = server.all_events().await;
    let created: Vec<_> = events[1..]
        .iter()
        .map(|e| (e["type"].clone(), e["order"]["station"].clone()))
        .collect();
    assert_eq!(
        created,
        [
            (json!("created"), json!("grill")),
            (json!("created"), json!("bar")),
            (json!("created"), json!("cold")),
        ]
    );
    // A station sees its own part only.
    let (_, bar) = server.get("/api/stations/bar/orders").await;
    assert_eq!(bar["orders"].as_array().unwrap().len(), 1);
    assert_eq!(names(&bar["orders"][0]), ["Cola", "Beer"]);
}

pub async fn a_check_of_one_station_is_one_ordinary_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    let check = server
        .create_check(&json!({"items": [{"name": "Tea", "qty": 1, "station": "bar"}]}))
        .await;
    let orders = check["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["check_id"], check["check_id"]);
    assert_eq!(orders[0]["also_at"], json!([]));
    assert_eq!(orders[0]["kind"], "dine_in");
}

pub async fn a_repeated_check_with_the_same_key_creates_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let body = three_stations();
    let (status, first) = server
        .keyed(Method::POST, "/api/checks", "till-7", &body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let events = server.all_events().await.len();
    for _ in 0..2 {
        let (status, again) = server
            .keyed(Method::POST, "/api/checks", "till-7", &body)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again, first);
    }
    assert_eq!(server.all_events().await.len(), events, "nothing new");
    let (_, all) = server.get("/api/stations/all/orders").await;
    assert_eq!(all["orders"].as_array().unwrap().len(), 3);
    let mut other = body.clone();
    other["table"] = json!("13");
    let (status, error) = server
        .keyed(Method::POST, "/api/checks", "till-7", &other)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&error), "invalid");
    // A key names one request: reused for an order, it is refused too.
    let (status, error) = server
        .keyed(
            Method::POST,
            "/api/orders",
            "till-7",
            &crate::support::order_body("grill"),
        )
        .await;
    assert_eq!(
        (status, code(&error)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
}

pub async fn a_check_line_without_a_station_is_422(backend: Backend) {
    let server = TestServer::start(backend).await;
    for (body, field) in [
        (
            json!({"items": [{"name": "Tea", "qty": 1, "station": "bar"}, {"name": "Pie", "qty": 1}]}),
            "items[1].station",
        ),
        (
            json!({"station": "grill", "items": [{"name": "Tea", "qty": 1, "station": "all"}]}),
            "items[0].station",
        ),
        (json!({"station": "grill", "items": []}), "items"),
        (
            json!({"station": "Grill", "items": [{"name": "Tea", "qty": 1}]}),
            "station",
        ),
        (
            json!({"station": "grill", "items": [{"name": "Tea", "qty": 0}]}),
            "items[0].qty",
        ),
    ] {
        let (status, error) = server.post("/api/checks", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(code(&error), "invalid");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{field}: {message}");
    }
    assert!(server.all_events().await.is_empty());
    // An ordinary order may not send a line elsewhere.
    let (status, error) = server
        .post(
            "/api/orders",
            &json!({"station": "grill", "items": [{"name": "Tea", "qty": 1, "station": "bar"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("items[0].station")
    );
}

/// Makes the database refuse any order for `bar`, as a failing disk or a
/// broken constraint would refuse a write halfway through a transaction.
async fn refuse_bar_orders(server: &TestServer) {
    let url = &server.database.url;
    match server.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query(
                "CREATE TRIGGER refuse_bar BEFORE INSERT ON orders WHEN NEW.station = 'bar'
                 BEGIN SELECT RAISE(ABORT, 'no bar today'); END",
            )
            .execute(&mut conn)
            .await
            .unwrap();
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(
                "CREATE FUNCTION refuse_bar() RETURNS trigger AS $$
                 BEGIN IF NEW.station = 'bar' THEN RAISE EXCEPTION 'no bar today'; END IF;
                 RETURN NEW; END $$ LANGUAGE plpgsql",
            )
            .execute(&mut conn)
            .await
            .unwrap();
            sqlx::query(
                "CREATE TRIGGER refuse_bar BEFORE INSERT ON orders
                 FOR EACH ROW EXECUTE FUNCTION refuse_bar()",
            )
            .execute(&mut conn)
            .await
            .unwrap();
        }
    }
}

pub async fn a_check_is_created_all_or_none(backend: Backend) {
    let server = TestServer::start(backend).await;
    refuse_bar_orders(&server).await;
    // grill comes first and is written before bar fails.
    let (status, error) = server.post("/api/checks", &three_stations()).await;
    assert!(status.is_server_error(), "{status} {error}");
    assert_eq!(code(&error), "unavailable", "the store refused the write");
    let (_, all) = server.get("/api/stations/all/orders").await;
    assert_eq!(all["orders"], json!([]), "no part was kept");
    assert_eq!(all["seq"], 0, "no event was kept");
    assert!(server.all_events().await.is_empty());
    // The number was not used up either.
    assert_eq!(server.create("grill").await["number"], 1);
}
