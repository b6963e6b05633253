//! The orders the tools post: tickets shaped like a real kitchen's (one to
//! three items, some modifiers and notes), and the POST that creates them.

use crate::target::Target;
use kds_protocol::{NewItem, NewOrder, Order};
use std::time::{Duration, Instant};

/// A small menu; the nth order takes a deterministic pick from it.
const MENU: [(&str, &[&str]); 6] = [
    ("Cheeseburger", &["no onion", "extra pickles"]),
    ("Fries", &[]),
    ("Caesar salad", &["dressing on the side"]),
    ("Margherita pizza", &["gluten-free base"]),
    ("Grilled salmon", &["medium", "no butter"]),
    ("Lemonade", &[]),
];

/// The `n`th benchmark order for `station`.
pub fn new_order(station: &str, n: usize) -> NewOrder {
    let items = (0..=n % 3)
        .map(|k| {
            let (name, modifiers) = MENU[(n + k * 2) % MENU.len()];
            NewItem {
                name: Some(name.to_owned()),
                qty: Some(1 + ((n + k) % 3) as i64),
                modifiers: Some(modifiers.iter().map(|&m| m.to_owned()).collect()),
                notes: (k == 1).then(|| "well done".to_owned()),
                station: None,
            }
        })
        .collect();
    NewOrder {
        station: Some(station.to_owned()),
        items: Some(items),
        notes: n.is_multiple_of(7).then(|| "NUT ALLERGY".to_owned()),
        kind: Some(["dine_in", "takeout", "delivery"][n % 3].to_owned()),
        table: n.is_multiple_of(3).then(|| format!("{}", 1 + n % 24)),
        customer: (!n.is_multiple_of(3)).then(|| format!("Guest {n}")),
        rush: Some(n.is_multiple_of(11)),
    }
}

/// One order the server accepted.
#[derive(Debug, Clone)]
pub struct Posted {
    pub id: String,
    pub number: i64,
    /// The instant just before the request was sent: deliveries count from here.
    pub sent: Instant,
    /// Until the answer's body was read.
    pub latency: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the answer is not an order: {0}")]
    Body(serde_json::Error),
}

/// Creates one order.
pub async fn post(
    client: &reqwest::Client,
    target: &Target,
    body: &NewOrder,
) -> Result<Posted, PostError> {
    let request = target.authorize(client.post(target.orders_url()).json(body));
    let sent = Instant::now();
    let response = request.send().await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    let latency = sent.elapsed();
    if !status.is_success() {
        return Err(PostError::Status {
            status: status.as_u16(),
            body: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
        });
    }
    let order: Order = serde_json::from_slice(&bytes).map_err(PostError::Body)?;
    Ok(Posted {
        id: order.id,
        number: order.number,
        sent,
        latency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_benchmark_order_is_valid() {
        for n in 0..50 {
            let order = new_order("grill", n);
            assert!(order.validate().is_ok(), "order {n}: {order:?}");
        }
    }

    #[test]
    fn orders_vary_in_size() {
        let sizes: Vec<usize> = (0..3)
            .map(|n| new_order("grill", n).items.unwrap().len())
            .collect();
        assert_eq!(sizes, [1, 2, 3]);
    }
}
