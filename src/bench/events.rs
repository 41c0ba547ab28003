//! The events the load generator sends: canonical bodies of about 2 KB (line items,
//! shipment, links to the five marketplaces with their line-id maps), each signed on
//! its own with a fresh `webhook-id`, and the remote ids those links name, so a call a
//! simulated marketplace records can be traced back to the event that caused it.

use crate::domain::{ChannelKind, PaymentMethod};
use crate::secret::Secret;
use crate::sim::{self, RecordedCall, Sims};
use std::fmt::Write;

/// The statuses an order walks through, one event each.
const CHAIN: [&str; 6] = [
    "placed",
    "paid",
    "preparing",
    "dispatched",
    "delivered",
    "completed",
];

/// Line items per order: enough for a body of about 2 KB with the links' item maps.
pub const ITEMS: u64 = 5;

#[derive(Debug, Clone, Copy)]
pub enum Mix {
    /// Event `i` moves order `i % orders` one step along the chain; orders that reach
    /// the end are replaced by new ones. Every event is accepted and changes state.
    Chain { orders: u64 },
    /// Every event is a new order, alternately dispatched (four marketplaces get a
    /// call: WizCommerce has no dispatched) and canceled (all five do).
    NewOrders,
}

/// Which order event `i` is about and which status it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub order: u64,
    pub step: usize,
    pub status: &'static str,
}

impl Mix {
    pub fn plan(self, i: u64) -> Planned {
        match self {
            Mix::Chain { orders } => {
                let orders = orders.max(1);
                let span = orders * CHAIN.len() as u64;
                let (generation, within) = (i / span, i % span);
                let step = (within / orders) as usize;
                Planned {
                    order: generation * orders + within % orders,
                    step,
                    status: CHAIN[step],
                }
            }
            Mix::NewOrders => Planned {
                order: i,
                step: 0,
                status: if i % 2 == 0 { "dispatched" } else { "canceled" },
            },
        }
    }
}

pub fn order_id(order: u64) -> String {
    format!("bench-{order}")
}

/// The marketplace's own id for `order` (and the item ids that go with it).
pub fn remote_id(kind: ChannelKind, order: u64) -> String {
    match kind {
        ChannelKind::PortonePayco => format!("imp_{order:012}"),
        ChannelKind::Imweb => format!("7{order:011}"),
        ChannelKind::Youcan => format!("00000000-0000-4000-8000-{order:012}"),
        ChannelKind::Base => format!("B{order:012}"),
        ChannelKind::Wizcommerce => format!("5b0f2a1e-0000-4000-9000-{order:012}"),
    }
}

/// A remote line id: numbers for BASE (`order_item_id`), `prod_order_no`s for imweb.
fn remote_line(kind: ChannelKind, order: u64, line: u64) -> String {
    match kind {
        ChannelKind::Base => (order * 10 + line).to_string(),
        _ => format!("7{order:011}{line}"),
    }
}

/// Seeds every marketplace's copy of `orders` (cash on delivery: BASE may cancel it).
pub fn seed(sims: &Sims, orders: impl Iterator<Item = u64>) -> Result<(), String> {
    for order in orders {
        for kind in ChannelKind::ALL {
            let lines: Vec<String> = (1..=ITEMS).map(|l| remote_line(kind, order, l)).collect();
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let remote = remote_id(kind, order);
            sims.seed(kind, &remote, &lines, Some(PaymentMethod::Cod))?;
        }
    }
    Ok(())
}

/// The order a status call recorded by a sim is about (`None` for token calls).
pub fn order_of_call(call: &RecordedCall) -> Option<u64> {
    if call.is_auth() {
        return None;
    }
    let segments: Vec<&str> = call.path.trim_start_matches('/').split('/').collect();
    let digits = |text: &str, skip: usize| text.get(skip..)?.parse::<u64>().ok();
    match call.kind {
        // /payco/orders/status/imp_<n>
        ChannelKind::PortonePayco => digits(segments.get(3)?, 4),
        // /v2/shop/orders/7<n>/<status>
        ChannelKind::Imweb => digits(segments.get(3)?, 1),
        // /orders/<uuid ending in n>/status...
        ChannelKind::Youcan => digits(segments.get(1)?.rsplit('-').next()?, 0),
        ChannelKind::Wizcommerce => digits(segments.get(2)?.rsplit('-').next()?, 0),
        // form field order_item_id = n * 10 + line
        ChannelKind::Base => call
            .form()
            .iter()
            .find(|(key, _)| key == "order_item_id")
            .and_then(|(_, id)| id.parse::<u64>().ok())
            .map(|id| id / 10),
    }
}

/// The canonical body of event `plan` (RFC 3339 times one second apart per step).
pub fn body(plan: Planned) -> Vec<u8> {
    let at = time::OffsetDateTime::from_unix_timestamp(1_795_000_000 + plan.step as i64)
        .expect("valid time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    let order = plan.order;
    let status = plan.status;
    let mut items = String::new();
    for line in 1..=ITEMS {
        let sep = if line == 1 { "" } else { "," };
        let _ = write!(
            items,
            // Storefronts send more per line than ordersync reads (names, prices):
            // parsed and skipped, as in production.
            r#"{sep}{{"id":"L{line}","quantity":{line},"status":"{status}","sku":"SKU-{order}-{line}","name":"Organic cotton t-shirt, size {line}, colour {}","unit_price":"{}.00","currency":"JPY","image_url":"https://cdn.shop.example/products/SKU-{order}-{line}/main.jpg"}}"#,
            ["natural", "indigo", "charcoal", "sand", "olive"][(line as usize - 1) % 5],
            1200 + 100 * line
        );
    }
    let map = |kind| {
        let mut text = String::new();
        for line in 1..=ITEMS {
            let sep = if line == 1 { "" } else { "," };
            let _ = write!(
                text,
                r#"{sep}"L{line}":"{}""#,
                remote_line(kind, order, line)
            );
        }
        text
    };
    let mut links = String::new();
    for (n, kind) in ChannelKind::ALL.into_iter().enumerate() {
        let sep = if n == 0 { "" } else { "," };
        let items = match kind {
            ChannelKind::Base | ChannelKind::Imweb => format!(r#","items":{{{}}}"#, map(kind)),
            _ => String::new(),
        };
        let _ = write!(
            links,
            r#"{sep}{{"channel":"{}","order_id":"{}"{items}}}"#,
            sim::channel_name(kind),
            remote_id(kind, order)
        );
    }
    let shipment = match status {
        "dispatched" | "delivered" | "completed" => format!(
            r#","shipment":{{"carrier":"dhl","tracking_number":"{:012}"}}"#,
            400_000_000_000 + order
        ),
        _ => String::new(),
    };
    let cancel = match status {
        "canceled" => r#","cancel":{"reason":"SOLD_OUT","note":"out of stock"}"#,
        _ => "",
    };
    format!(
        r#"{{"type":"order.{status}","timestamp":"{at}","data":{{"order_id":"{}","status":"{status}","updated_at":"{at}","payment_method":"cod","items":[{items}]{shipment}{cancel},"links":[{links}]}}}}"#,
        order_id(order)
    )
    .into_bytes()
}

/// The three Standard Webhooks headers for one send of `body` as event `id`.
pub fn signed_headers(secret: &Secret, id: &str, body: &[u8]) -> [(&'static str, String); 3] {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    [
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            crate::ingest::sign(secret, id, timestamp, body),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventId;

    #[test]
    fn bodies_are_valid_canonical_events_of_about_2_kb() {
        for (i, status) in [(0, "dispatched"), (1, "canceled")] {
            let plan = Mix::NewOrders.plan(i);
            assert_eq!(plan.status, status);
            let bytes = body(plan);
            assert!((1500..2600).contains(&bytes.len()), "{}", bytes.len());
            let event = crate::ingest::parse_canonical(EventId::parse("e").unwrap(), &bytes)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)));
            assert_eq!(event.links.len(), 5);
            assert_eq!(event.order_id.as_str(), order_id(i));
        }
    }

    #[test]
    fn the_chain_walks_each_order_forward_then_starts_new_ones() {
        let mix = Mix::Chain { orders: 2 };
        let plans: Vec<Planned> = (0..14).map(|i| mix.plan(i)).collect();
        assert_eq!((plans[0].order, plans[0].status), (0, "placed"));
        assert_eq!((plans[1].order, plans[1].status), (1, "placed"));
        assert_eq!((plans[2].order, plans[2].status), (0, "paid"));
        assert_eq!((plans[11].order, plans[11].status), (1, "completed"));
        assert_eq!((plans[12].order, plans[12].status), (2, "placed"));
    }

    #[test]
    fn status_calls_trace_back_to_their_order() {
        let call = |kind, path: &str, body: &str| RecordedCall {
            seq: 0,
            kind,
            method: "POST".into(),
            path: path.into(),
            query: String::new(),
            body: body.into(),
            arrived: std::time::Instant::now(),
            sent_at: None,
            status: 200,
            answer: String::new(),
        };
        let n = 123_456;
        let cases = [
            (ChannelKind::PortonePayco, "/payco/orders/status/", ""),
            (ChannelKind::Imweb, "/v2/shop/orders/", ""),
            (ChannelKind::Youcan, "/orders/", ""),
            (ChannelKind::Wizcommerce, "/v1/orders/", ""),
        ];
        for (kind, prefix, body) in cases {
            let path = format!("{prefix}{}/status", remote_id(kind, n));
            assert_eq!(order_of_call(&call(kind, &path, body)), Some(n), "{kind:?}");
        }
        let form = format!(
            "order_item_id={}&status=dispatched",
            remote_line(ChannelKind::Base, n, 3)
        );
        let base = call(ChannelKind::Base, "/1/orders/edit_status", &form);
        assert_eq!(order_of_call(&base), Some(n));
        assert_eq!(
            order_of_call(&call(ChannelKind::Base, "/1/oauth/token", "")),
            None
        );
    }
}
