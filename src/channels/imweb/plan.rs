//! Which `PATCH /v2/shop/orders/{order_no}/{status}` calls a change needs (pure).
//!
//! Body layout per the vendor page: `prod_order_no` at the top level (only for a change
//! that concerns some items) and the status's extra data nested under `etc`, e.g.
//! `{"prod_order_no": "..", "etc": {"parcel_code": "CJ", "invoice_no": ".."}}`.

use crate::channels::http::path_segment;
use crate::channels::Delivery;
use crate::domain::event::is_known_reason;
use crate::domain::{carrier, ChannelKind, LineId, Order, Outcome, RemoteError, Shipment};
use serde_json::{json, Map, Value};

/// The seller's choices that shape imweb bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImwebOptions {
    /// Sent when the order's reason is missing or not one of imweb's codes.
    pub default_reason_code: String,
    /// `REFUND`, `CASH` or `BOX`, for returns whose cost falls on the buyer.
    pub deliv_fee_method: Option<String>,
}

/// imweb's fallback `parcel_code` for a carrier it has no code for.
pub const FALLBACK_PARCEL_CODE: &str = "ETC";

/// Reasons for which imweb bills the return to the buyer ("반품비용 발생시 구매자 부담");
/// the vendor page asks for `deliv_fee_method` only with these.
const BUYER_FAULT_REASONS: [&str; 3] = ["INTENT_CHANGED", "COLOR_AND_SIZE", "WRONG_ORDER"];

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub url: String,
    pub order_no: String,
    /// The item this call concerns; `None` for the whole order.
    pub prod_order_no: Option<String>,
    pub body: Value,
    /// The primary's carrier name, when this call sends it as `ETC`.
    pub unmapped_carrier: Option<String>,
}

fn rejected(code: &str, message: String) -> Outcome {
    Outcome::Rejected(RemoteError::new(Some(code), message))
}

/// The calls for a change, in order, or why none can be sent.
pub fn plan(
    delivery: &Delivery<'_>,
    base_url: &str,
    options: &ImwebOptions,
) -> Result<Vec<Call>, Outcome> {
    let target = delivery.change.target;
    let status = ChannelKind::Imweb
        .remote_step(target)
        .ok_or_else(|| Outcome::Unsupported {
            reason: format!("imweb has no order status for {target}"),
        })?;
    let order_no = delivery.link.order_id.as_str();
    let url = format!(
        "{base_url}/v2/shop/orders/{}/{status}",
        path_segment(order_no)
    );
    let scopes = item_scopes(delivery)?;
    scopes
        .into_iter()
        .map(|scope| {
            let shipment = shipment_for(delivery.order, scope.as_ref().map(|(line, _)| line));
            let (etc, unmapped_carrier) = etc(status, delivery.order, shipment, options)?;
            let prod_order_no = scope.map(|(_, remote)| remote);
            let mut body = Map::new();
            if let Some(prod) = &prod_order_no {
                body.insert("prod_order_no".into(), json!(prod));
            }
            if let Some(etc) = etc {
                body.insert("etc".into(), etc);
            }
            Ok(Call {
                url: url.clone(),
                order_no: order_no.to_string(),
                prod_order_no,
                body: Value::Object(body),
                unmapped_carrier,
            })
        })
        .collect()
}

/// `[None]` for a whole-order change, else each affected line with its `prod_order_no`
/// (deduplicated, in the change's order). Any unmapped line rejects the whole change so
/// that nothing is half-sent.
fn item_scopes(delivery: &Delivery<'_>) -> Result<Vec<Option<(LineId, String)>>, Outcome> {
    let Some(lines) = &delivery.change.items else {
        return Ok(vec![None]);
    };
    let unmapped: Vec<&str> = lines
        .iter()
        .filter(|line| !delivery.link.items.contains_key(*line))
        .map(LineId::as_str)
        .collect();
    if !unmapped.is_empty() {
        return Err(rejected(
            "unmapped_line",
            format!(
                "line item {} has no imweb prod_order_no in the order's link",
                unmapped.join(", ")
            ),
        ));
    }
    let mut scopes: Vec<Option<(LineId, String)>> = Vec::new();
    for line in lines {
        let Some(prod) = delivery.link.items.get(line) else {
            continue;
        };
        if !scopes
            .iter()
            .flatten()
            .any(|(_, seen)| seen == prod.as_str())
        {
            scopes.push(Some((line.clone(), prod.as_str().to_string())));
        }
    }
    Ok(scopes)
}

/// The line's own shipment, else the order's latest one; blank tracking counts as none.
fn shipment_for<'a>(order: &'a Order, line: Option<&LineId>) -> Option<&'a Shipment> {
    line.and_then(|line| order.item(line))
        .and_then(|item| item.shipment.as_ref())
        .or(order.shipment.as_ref())
        .filter(|s| !s.tracking_number.trim().is_empty())
}

fn reason_code<'a>(order: &'a Order, options: &'a ImwebOptions) -> &'a str {
    order
        .cancel
        .as_ref()
        .and_then(|cancel| cancel.reason.as_deref())
        .filter(|reason| is_known_reason(reason))
        .unwrap_or(&options.default_reason_code)
}

/// `parcel_code` and `invoice_no` into `etc`; returns the carrier when it went as `ETC`.
fn add_parcel(etc: &mut Map<String, Value>, shipment: &Shipment) -> Option<String> {
    let (code, unmapped) = match carrier::imweb_code(&shipment.carrier) {
        Some(code) => (code, None),
        None => (FALLBACK_PARCEL_CODE, Some(shipment.carrier.clone())),
    };
    etc.insert("parcel_code".into(), json!(code));
    etc.insert("invoice_no".into(), json!(shipment.tracking_number.trim()));
    unmapped
}

type Etc = (Option<Value>, Option<String>);

fn etc(
    status: &str,
    order: &Order,
    shipment: Option<&Shipment>,
    options: &ImwebOptions,
) -> Result<Etc, Outcome> {
    let mut etc = Map::new();
    let mut unmapped = None;
    match status {
        "send" => {
            let shipment = shipment.ok_or_else(|| {
                rejected(
                    "no_tracking",
                    "imweb's send needs a carrier and tracking number; the order has none yet"
                        .to_string(),
                )
            })?;
            unmapped = add_parcel(&mut etc, shipment);
        }
        "cancel" => {
            etc.insert("reason_code".into(), json!(reason_code(order, options)));
        }
        "return" | "exchange" => {
            let reason = reason_code(order, options);
            etc.insert("reason_code".into(), json!(reason));
            // Only the parcel coming back: the outbound tracking number is no return invoice.
            if let Some(shipment) = order.return_shipment.as_ref() {
                unmapped = add_parcel(&mut etc, shipment);
            }
            if status == "return" && BUYER_FAULT_REASONS.contains(&reason) {
                if let Some(method) = &options.deliv_fee_method {
                    etc.insert("deliv_fee_method".into(), json!(method));
                }
            }
        }
        // deposit, place, complete: the vendor lists no extra data for them.
        _ => return Ok((None, None)),
    }
    Ok((Some(Value::Object(etc)), unmapped))
}
