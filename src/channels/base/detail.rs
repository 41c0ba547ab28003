//! `GET /1/orders/detail/{unique_key}`: the BASE order's items and their states, used to
//! find the items of a link that maps none, and to tell `already_applied` from
//! `rejected` after `not_change_status`.

use super::plan::{comparable_tracking, Action};
use crate::channels::http::HttpResponse;
use crate::domain::{Outcome, RemoteError};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailItem {
    pub order_item_id: String,
    /// `ordered`, `dispatched` or `cancelled`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDetail {
    pub items: Vec<DetailItem>,
    /// `atobarai_payment_transaction.status`: `ordered`, `shipping`, `arrived`, ...
    pub atobarai_status: Option<String>,
    pub tracking_number: Option<String>,
}

/// Ids come as numbers; strings are accepted too so a change of type is no outage.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// Reads a 2xx detail answer.
pub fn parse(response: &HttpResponse) -> Result<OrderDetail, Outcome> {
    let body = response.json().unwrap_or_default();
    let order = &body["order"];
    let Some(items) = order["order_items"].as_array() else {
        return Err(Outcome::Retry {
            after: None,
            rate_limited: false,
            error: RemoteError::new(
                Some("bad_detail"),
                format!(
                    "order detail without order.order_items: {}",
                    response.snippet()
                ),
            ),
        });
    };
    let items = items
        .iter()
        .filter_map(|item| {
            Some(DetailItem {
                order_item_id: id_text(&item["order_item_id"])?,
                status: text(&item["status"]).unwrap_or_default(),
            })
        })
        .collect();
    Ok(OrderDetail {
        items,
        atobarai_status: text(&order["atobarai_payment_transaction"]["status"]),
        tracking_number: text(&order["tracking_number"]),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteState {
    /// BASE already shows the change.
    Applied,
    /// It does not; why, for the operator.
    NotApplied(String),
}

/// Where `order_item_id` stands on BASE relative to the action.
pub fn state(
    detail: &OrderDetail,
    action: &Action,
    order_item_id: &str,
    tracking: Option<&str>,
) -> RemoteState {
    let Some(item) = detail
        .items
        .iter()
        .find(|i| i.order_item_id == order_item_id)
    else {
        return RemoteState::NotApplied(format!(
            "order_item_id {order_item_id} is not part of the BASE order"
        ));
    };
    let reached = match action {
        Action::Dispatch { .. } => item.status == "dispatched",
        Action::Cancel => item.status == "cancelled",
        // Arrival moves the item to dispatched and the payment to arrived.
        Action::Atobarai { .. } => {
            matches!(
                detail.atobarai_status.as_deref(),
                Some("shipping" | "arrived")
            ) || item.status == "dispatched"
        }
    };
    let current = match action {
        Action::Atobarai { .. } => format!(
            "item {}, 後払い {}",
            item.status,
            detail.atobarai_status.as_deref().unwrap_or("unknown")
        ),
        _ => format!("item {}", item.status),
    };
    if !reached {
        return RemoteState::NotApplied(format!("BASE shows {current}"));
    }
    // A dispatch re-sent for a new tracking number is not there yet if BASE holds
    // another number: BASE cannot change it once dispatched.
    let held = detail.tracking_number.as_deref().map(comparable_tracking);
    match (action, tracking, held) {
        (Action::Dispatch { .. } | Action::Atobarai { .. }, Some(ours), Some(theirs))
            if !theirs.is_empty() && theirs != ours =>
        {
            RemoteState::NotApplied(format!(
                "BASE already shows {current} with tracking number {theirs}; BASE does not allow changing it by API"
            ))
        }
        _ => RemoteState::Applied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn detail(body: &str) -> Result<OrderDetail, Outcome> {
        parse(&HttpResponse {
            status: 200,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body.to_string()),
        })
    }

    const SEED: &str = r#"{"order":{"unique_key":"154D88A39E454289","tracking_number":"123412341234",
        "atobarai_payment_transaction":{"collected_fee":null,"status":null},
        "order_items":[{"order_item_id":123,"status":"dispatched"},{"order_item_id":124,"status":"ordered"}]}}"#;

    #[test]
    fn parses_the_seed_example() {
        let d = detail(SEED).unwrap();
        assert_eq!(
            d.items,
            vec![
                DetailItem {
                    order_item_id: "123".into(),
                    status: "dispatched".into()
                },
                DetailItem {
                    order_item_id: "124".into(),
                    status: "ordered".into()
                },
            ]
        );
        assert_eq!(d.atobarai_status, None);
        assert_eq!(d.tracking_number.as_deref(), Some("123412341234"));
        assert!(matches!(detail("{}"), Err(Outcome::Retry { .. })));
    }

    #[test]
    fn states() {
        let d = detail(SEED).unwrap();
        let dispatch = Action::Dispatch { comment: None };
        assert_eq!(
            state(&d, &dispatch, "123", Some("123412341234")),
            RemoteState::Applied
        );
        assert_eq!(state(&d, &dispatch, "123", None), RemoteState::Applied);
        assert!(matches!(
            state(&d, &dispatch, "123", Some("999")),
            RemoteState::NotApplied(why) if why.contains("123412341234")
        ));
        assert_eq!(
            state(&d, &dispatch, "124", None),
            RemoteState::NotApplied("BASE shows item ordered".into())
        );
        assert!(matches!(
            state(&d, &Action::Cancel, "123", None),
            RemoteState::NotApplied(_)
        ));
        assert!(matches!(
            state(&d, &dispatch, "999", None),
            RemoteState::NotApplied(why) if why.contains("999")
        ));
        let shipping = detail(
            r#"{"order":{"atobarai_payment_transaction":{"status":"shipping"},
                "order_items":[{"order_item_id":"7","status":"ordered"}]}}"#,
        )
        .unwrap();
        let atobarai = Action::Atobarai {
            tracking: "1".into(),
            carrier: "yamato".into(),
        };
        assert_eq!(
            state(&shipping, &atobarai, "7", Some("1")),
            RemoteState::Applied
        );
        assert!(matches!(
            state(&shipping, &dispatch, "7", None),
            RemoteState::NotApplied(_)
        ));
    }
}
