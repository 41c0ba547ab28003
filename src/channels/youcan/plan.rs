//! Which YouCan calls a change needs (pure).

use crate::channels::http::path_segment;
use crate::channels::Delivery;
use crate::domain::{carrier, Outcome, Status};
use serde_json::{json, Value};

/// The status contexts and the only slugs ordersync ever sends (seed page lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slug {
    GeneralClosed,
    GeneralCanceledBySeller,
    ShippingProcessing,
    ShippingShipped,
    ShippingFulfilled,
    ShippingCanceled,
    PaymentPaid,
    PaymentRefunded,
}

impl Slug {
    /// Path below `/orders/{id}` and the slug.
    pub fn route(self) -> (&'static str, &'static str) {
        match self {
            Slug::GeneralClosed => ("status", "closed"),
            Slug::GeneralCanceledBySeller => ("status", "canceled-by-seller"),
            Slug::ShippingProcessing => ("status/shipping", "processing"),
            Slug::ShippingShipped => ("status/shipping", "shipped"),
            Slug::ShippingFulfilled => ("status/shipping", "fulfilled"),
            Slug::ShippingCanceled => ("status/shipping", "canceled"),
            Slug::PaymentPaid => ("status/payment", "paid"),
            Slug::PaymentRefunded => ("status/payment", "refunded"),
        }
    }
}

/// CHANNELS.md mapping; `canceled` is general then shipping.
pub fn slugs(status: Status) -> &'static [Slug] {
    match status {
        Status::Paid => &[Slug::PaymentPaid],
        Status::Preparing => &[Slug::ShippingProcessing],
        Status::Dispatched => &[Slug::ShippingShipped],
        Status::Delivered => &[Slug::ShippingFulfilled],
        Status::Completed => &[Slug::GeneralClosed],
        Status::Canceled => &[Slug::GeneralCanceledBySeller, Slug::ShippingCanceled],
        Status::Returned => &[Slug::PaymentRefunded],
        Status::Placed | Status::Exchanged => &[],
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallKind {
    Status(Slug),
    Fulfill,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub kind: CallKind,
    pub url: String,
    pub body: Value,
}

/// The calls a change needs, in order, or why there are none. No I/O.
pub fn plan(
    delivery: &Delivery<'_>,
    base_url: &str,
    tracking_via_fulfill: bool,
) -> Result<Vec<Call>, Outcome> {
    let target = delivery.change.target;
    let steps = slugs(target);
    if steps.is_empty() {
        return Err(Outcome::Unsupported {
            reason: format!("YouCan has no status for {target}"),
        });
    }
    let order_url = format!(
        "{base_url}/orders/{}",
        path_segment(delivery.link.order_id.as_str())
    );
    let mut calls: Vec<Call> = steps
        .iter()
        .map(|&slug| {
            let (path, status) = slug.route();
            Call {
                kind: CallKind::Status(slug),
                url: format!("{order_url}/{path}"),
                body: json!({ "status": status }),
            }
        })
        .collect();
    if tracking_via_fulfill && target == Status::Dispatched {
        let shipment = delivery.order.shipment.as_ref();
        let tracking = delivery
            .change
            .tracking
            .clone()
            .or_else(|| shipment.map(|s| s.tracking_number.clone()))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if let Some(tracking) = tracking {
            let mut body = json!({ "tracking_number": tracking });
            if let Some(shipment) = shipment.filter(|s| !s.carrier.trim().is_empty()) {
                body["seller_note"] = json!(carrier::display_name(&shipment.carrier));
            }
            calls.push(Call {
                kind: CallKind::Fulfill,
                url: format!("{order_url}/fulfill"),
                body,
            });
        }
    }
    Ok(calls)
}
