//! The demo's script: three orders and what the primary storefront says about them, the
//! marketplaces' copies of those orders (seeded into the sims), and two requests that
//! must be turned away. Links name only the channels this build has connectors for.

use crate::domain::{ChannelKind, ChannelName, PaymentMethod};
use crate::sim::Sims;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct Channel {
    pub name: ChannelName,
    pub kind: ChannelKind,
}

#[derive(Debug, Clone)]
pub enum Send {
    /// A correctly signed event.
    Event { id: String, body: Value },
    /// Step `of` (0-based) sent again: same id, same bytes.
    Replay { of: usize },
    /// An event signed with a secret the daemon does not know.
    BadSignature { id: String, body: Value },
}

/// Something that happens on a marketplace itself, outside ordersync's view.
#[derive(Debug, Clone, Copy)]
pub enum Happening {
    /// The buyer cancels one line (1-based) of an order on imweb.
    ImwebBuyerCancels { order: &'static str, line: usize },
}

impl Happening {
    pub fn apply(self, sims: &Sims) {
        match self {
            Happening::ImwebBuyerCancels { order, line } => sims.imweb.cancel_on_site(
                &remote_order(ChannelKind::Imweb, order),
                &remote_line(ChannelKind::Imweb, order, line),
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub title: String,
    pub notes: Vec<String>,
    /// Applied to the sims just before the step's request goes out.
    pub before: Vec<Happening>,
    pub order_id: &'static str,
    pub send: Send,
    pub expect_status: u16,
}

/// The orders the story moves, in order.
pub const STORY_ORDERS: [&str; 3] = ["1001", "1002", "1003"];

/// An order as the marketplaces hold it.
struct SeedOrder {
    id: &'static str,
    lines: &'static [&'static str],
    /// How the buyer paid, as the marketplace knows it (only BASE acts on it).
    paid_with: PaymentMethod,
}

const ORDERS: [SeedOrder; 4] = [
    SeedOrder {
        id: "1001",
        lines: &["L1"],
        paid_with: PaymentMethod::BankTransfer,
    },
    SeedOrder {
        id: "1002",
        lines: &["L1", "L2"],
        paid_with: PaymentMethod::Card,
    },
    SeedOrder {
        id: "1003",
        lines: &["L1", "L2", "L3"],
        paid_with: PaymentMethod::Cod,
    },
    // Left for the user's own event, printed after the story.
    SeedOrder {
        id: "2001",
        lines: &["L1"],
        paid_with: PaymentMethod::BankTransfer,
    },
];

/// The marketplace's id for the primary's order `order` (each in that vendor's style).
pub fn remote_order(kind: ChannelKind, order: &str) -> String {
    match kind {
        ChannelKind::PortonePayco => format!("imp_5190{order}"),
        ChannelKind::Imweb => format!("20261122{order}"),
        ChannelKind::Youcan => format!("9b1f2c34-5d6e-4a7b-8c9d-0e1f2a3b{order}"),
        ChannelKind::Base => format!("154D88A39E45{order}"),
        ChannelKind::Wizcommerce => format!("5b0f2a1e-0c1d-4a53-9e35-f1d1b3c0{order}"),
    }
}

/// The marketplace's line id (imweb `prod_order_no`, BASE `order_item_id`) for line
/// `index` (from 1) of `order`.
fn remote_line(kind: ChannelKind, order: &str, index: usize) -> String {
    match kind {
        ChannelKind::Base => format!("{order}{index}"),
        _ => format!("{}{index}", remote_order(kind, order)),
    }
}

fn links(channels: &[Channel], order: &SeedOrder) -> Value {
    let links: Vec<Value> = channels
        .iter()
        .map(|channel| {
            let mut link = json!({
                "channel": channel.name.as_str(),
                "order_id": remote_order(channel.kind, order.id),
            });
            if channel.kind.item_level() {
                let items: Map<String, Value> = order
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(i, line)| {
                        (
                            line.to_string(),
                            json!(remote_line(channel.kind, order.id, i + 1)),
                        )
                    })
                    .collect();
                link["items"] = Value::Object(items);
            }
            link
        })
        .collect();
    Value::Array(links)
}

/// Creates every order's copy on every channel's sim.
pub fn seed(sims: &Sims, channels: &[Channel]) -> Result<(), String> {
    for order in &ORDERS {
        for channel in channels {
            let remote = remote_order(channel.kind, order.id);
            let lines: Vec<String> = (1..=order.lines.len())
                .map(|i| remote_line(channel.kind, order.id, i))
                .collect();
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            sims.seed(channel.kind, &remote, &lines, Some(order.paid_with))?;
        }
    }
    Ok(())
}

fn order(id: &str) -> &'static SeedOrder {
    ORDERS
        .iter()
        .find(|o| o.id == id)
        .expect("a scripted order")
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).expect("formats")
}

/// A canonical event; `data` adds to `order_id`, `status` and `updated_at`.
fn event(order_id: &str, status: &str, at: OffsetDateTime, data: Value) -> Value {
    let mut body = json!({
        "type": format!("order.{status}"),
        "timestamp": rfc3339(at),
        "data": { "order_id": order_id, "status": status, "updated_at": rfc3339(at) },
    });
    if let Value::Object(extra) = data {
        for (key, value) in extra {
            body["data"][key] = value;
        }
    }
    body
}

fn items(statuses: &[(&str, &str)]) -> Value {
    let list: Vec<Value> = statuses
        .iter()
        .map(|(id, status)| json!({ "id": id, "quantity": 1, "status": status }))
        .collect();
    Value::Array(list)
}

/// The story, with event times counting up from `start`.
pub fn steps(channels: &[Channel], start: OffsetDateTime) -> Vec<Step> {
    let at = |n: i64| start + time::Duration::seconds(n);
    let has = |kind: ChannelKind| channels.iter().any(|c| c.kind == kind);
    let shipment = |tracking: &str, lines: &[&str]| json!({ "carrier": "dhl", "tracking_number": tracking, "item_ids": lines });
    let step = |n: i64, title: &str, order_id: &'static str, body: Value| Step {
        title: title.to_string(),
        notes: Vec::new(),
        before: Vec::new(),
        order_id,
        send: Send::Event {
            id: format!("msg_demo_{n}"),
            body,
        },
        expect_status: 202,
    };
    let mut cancel = step(
        4,
        "Order 1002 is canceled (reason SOLD_OUT)",
        "1002",
        event(
            "1002",
            "canceled",
            at(4),
            json!({ "cancel": { "reason": "SOLD_OUT" } }),
        ),
    );
    if has(ChannelKind::Imweb) {
        cancel
            .notes
            .push("on imweb the buyer has already canceled line L2".into());
        cancel.before.push(Happening::ImwebBuyerCancels {
            order: "1002",
            line: 2,
        });
    }
    if has(ChannelKind::Base) {
        cancel
            .notes
            .push("on BASE it was paid by card: BASE's API cannot cancel it".into());
    }
    let mut first = step(
        1,
        "Order 1001 is paid",
        "1001",
        event(
            "1001",
            "paid",
            at(1),
            json!({ "payment_method": "bank_transfer", "items": items(&[("L1", "paid")]),
                    "links": links(channels, order("1001")) }),
        ),
    );
    first
        .notes
        .push(format!("linked to {} channels", channels.len()));
    let partial = json!({
        "items": items(&[("L1", "dispatched"), ("L2", "dispatched"), ("L3", "paid")]),
        "shipment": shipment("1234567891", &["L1", "L2"]),
    });
    let rest = json!({
        "items": items(&[("L3", "dispatched")]),
        "shipment": shipment("1234567892", &["L3"]),
    });
    let all_lines = |id: &str| {
        let lines: Vec<(&str, &str)> = order(id).lines.iter().map(|l| (*l, "paid")).collect();
        json!({ "items": items(&lines), "links": links(channels, order(id)) })
    };
    let wrong = event("1004", "paid", at(9), json!({}));
    vec![
        first,
        step(
            2,
            "Order 1001 is dispatched: DHL, tracking 1234567890",
            "1001",
            event(
                "1001",
                "dispatched",
                at(2),
                json!({ "items": items(&[("L1", "dispatched")]),
                        "shipment": shipment("1234567890", &["L1"]) }),
            ),
        ),
        step(
            3,
            "Order 1002 is paid (two lines)",
            "1002",
            event("1002", "paid", at(3), all_lines("1002")),
        ),
        cancel,
        step(
            5,
            "Order 1003 is paid (three lines)",
            "1003",
            event("1003", "paid", at(5), all_lines("1003")),
        ),
        step(
            6,
            "Order 1003: lines L1 and L2 are dispatched (DHL 1234567891)",
            "1003",
            event("1003", "dispatched", at(6), partial),
        ),
        step(
            7,
            "Order 1003: line L3 follows (DHL 1234567892)",
            "1003",
            event("1003", "dispatched", at(7), rest),
        ),
        Step {
            title: "The primary sends step 7's event again".into(),
            notes: vec!["same webhook-id: a retry after a lost answer".into()],
            before: Vec::new(),
            order_id: "1003",
            send: Send::Replay { of: 6 },
            expect_status: 200,
        },
        Step {
            title: "Someone posts an event with a wrong signature".into(),
            notes: Vec::new(),
            before: Vec::new(),
            order_id: "1004",
            send: Send::BadSignature {
                id: "msg_demo_9".into(),
                body: wrong,
            },
            expect_status: 401,
        },
    ]
}

/// The event offered to the user after the story: order 2001, paid, linked like the
/// others (its marketplace copies are seeded too).
pub fn own_event(channels: &[Channel], at: OffsetDateTime) -> Value {
    event(
        "2001",
        "paid",
        at,
        json!({ "payment_method": "bank_transfer", "links": links(channels, order("2001")) }),
    )
}
