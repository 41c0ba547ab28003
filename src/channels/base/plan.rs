//! What a change becomes on BASE, decided without I/O: which `order_item_id`s, which
//! form, or why nothing can be sent (`unsupported`, `rejected` before any call).

use crate::channels::Delivery;
use crate::domain::{carrier, Outcome, PaymentMethod, RemoteError, Shipment, Status};

/// BASE's limit for `add_comment`, newlines included (seed page).
pub const COMMENT_MAX_CHARS: usize = 250;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `status=dispatched` with an optional shipping-mail comment.
    Dispatch {
        comment: Option<String>,
    },
    /// 後払い: `atobarai_status=shipping`; one call updates the whole order.
    Atobarai {
        /// Half-width letters and digits only.
        tracking: String,
        /// The carrier as the primary named it, resolved to a `delivery_company_id` later.
        carrier: String,
    },
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Items {
    Mapped(Vec<String>),
    /// The link maps no lines: every item of the BASE order, read from its detail.
    FromDetail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub action: Action,
    pub items: Items,
    /// The tracking number in comparable form, to tell a re-sent dispatch with a new
    /// number from one BASE already has.
    pub tracking: Option<String>,
}

pub fn plan(delivery: &Delivery<'_>, comment_template: &str) -> Result<Plan, Outcome> {
    let change = delivery.change;
    let shipment = shipment(delivery);
    let tracking = change
        .tracking
        .clone()
        .or_else(|| shipment.map(|s| s.tracking_number.clone()))
        .filter(|t| !t.trim().is_empty());
    let action = match change.target {
        Status::Dispatched if delivery.order.payment_method == Some(PaymentMethod::Deferred) => {
            atobarai(tracking.as_deref(), shipment)?
        }
        Status::Dispatched => Action::Dispatch {
            comment: shipment.and_then(|s| {
                render_comment(comment_template, &s.carrier, tracking.as_deref().unwrap_or(""))
            }),
        },
        Status::Canceled => {
            cancellable(delivery.order.payment_method)?;
            Action::Cancel
        }
        other => {
            return Err(Outcome::Unsupported {
                reason: format!(
                    "BASE has no status for {other}: it only moves an order from ordered to dispatched or cancelled"
                ),
            })
        }
    };
    Ok(Plan {
        action,
        items: items(delivery)?,
        tracking: tracking.map(|t| comparable_tracking(&t)),
    })
}

/// The shipment this change carries: the first named line's, else the order's.
fn shipment<'a>(delivery: &Delivery<'a>) -> Option<&'a Shipment> {
    let order = delivery.order;
    delivery
        .change
        .items
        .iter()
        .flatten()
        .find_map(|id| order.item(id).and_then(|item| item.shipment.as_ref()))
        .or(order.shipment.as_ref())
}

fn items(delivery: &Delivery<'_>) -> Result<Items, Outcome> {
    let link = &delivery.link.items;
    let lines: Vec<_> = match &delivery.change.items {
        Some(lines) => lines.iter().collect(),
        None if link.is_empty() => return Ok(Items::FromDetail),
        None => delivery.order.items.iter().map(|item| &item.id).collect(),
    };
    if lines.is_empty() {
        // The order lists no lines of its own: the link's mapping is the whole order.
        return Ok(Items::Mapped(dedup(link.values().map(|id| id.to_string()))));
    }
    let mut ids = Vec::new();
    for line in lines {
        let Some(remote) = link.get(line) else {
            return Err(Outcome::Rejected(RemoteError::new(
                Some("unmapped_line"),
                format!(
                    "line item {line} has no BASE order_item_id in this order's link; add it to the link's items"
                ),
            )));
        };
        ids.push(remote.to_string());
    }
    Ok(Items::Mapped(dedup(ids)))
}

fn dedup(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn atobarai(tracking: Option<&str>, shipment: Option<&Shipment>) -> Result<Action, Outcome> {
    let reject =
        |code: &str, message: String| Err(Outcome::Rejected(RemoteError::new(Some(code), message)));
    let Some(shipment) = shipment.filter(|s| !s.carrier.trim().is_empty()) else {
        return reject(
            "no_carrier",
            "後払い (deferred payment) dispatch needs a carrier for delivery_company_id".into(),
        );
    };
    let Some(raw) = tracking else {
        return reject(
            "no_tracking_number",
            "後払い (deferred payment) dispatch needs a tracking number".into(),
        );
    };
    match clean_tracking(raw) {
        Ok(tracking) => Ok(Action::Atobarai {
            tracking,
            carrier: shipment.carrier.trim().to_string(),
        }),
        Err(bad) => reject(
            "bad_tracking_number",
            format!(
                "tracking number {raw:?} contains {bad:?}: BASE accepts half-width letters and digits only for 後払い orders"
            ),
        ),
    }
}

/// Separators sellers type between digit groups, including what a Japanese IME turns
/// `-` into (full-width hyphen-minus, the katakana long-vowel mark, dashes).
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}' | '\u{30FC}' | '\u{FF70}'
        )
}

/// Strips spaces and hyphens; anything left but half-width ASCII letters and digits is
/// an error naming the first offending character.
pub fn clean_tracking(raw: &str) -> Result<String, char> {
    let cleaned: String = raw.chars().filter(|&c| !is_separator(c)).collect();
    if let Some(bad) = cleaned.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(bad);
    }
    if cleaned.is_empty() {
        return Err(raw.chars().next().unwrap_or(' '));
    }
    Ok(cleaned)
}

/// For comparing with the number BASE holds, whatever its formatting.
pub fn comparable_tracking(raw: &str) -> String {
    raw.chars()
        .filter(|&c| !is_separator(c))
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The name BASE users know the carrier by, else its display name or the raw text.
pub fn carrier_name(raw: &str) -> String {
    match carrier::lookup(raw) {
        Some(known) => known
            .base_names
            .first()
            .map(|name| name.to_string())
            .unwrap_or_else(|| known.name.to_string()),
        None => raw.trim().to_string(),
    }
}

/// Fills `{carrier}` and `{tracking}` in one pass (a value containing a placeholder is
/// not expanded again) and cuts the result to BASE's limit.
pub fn render_comment(template: &str, carrier: &str, tracking: &str) -> Option<String> {
    if carrier.trim().is_empty() && tracking.trim().is_empty() {
        return None;
    }
    let carrier = carrier_name(carrier);
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix("{carrier}") {
            out.push_str(&carrier);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{tracking}") {
            out.push_str(tracking.trim());
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    let out: String = out.chars().take(COMMENT_MAX_CHARS).collect();
    (!out.trim().is_empty()).then_some(out)
}

/// BASE cancels by API only bank-transfer (shop account) and cash-on-delivery orders.
/// Known other methods are refused here with BASE's own code and message; an unknown
/// method (or `other`, or a bank transfer that may be to BASE's account) is tried.
fn cancellable(method: Option<PaymentMethod>) -> Result<(), Outcome> {
    let (code, message) = match method {
        None | Some(PaymentMethod::BankTransfer | PaymentMethod::Cod | PaymentMethod::Other) => {
            return Ok(())
        }
        Some(PaymentMethod::Card) => (
            "not_cancel_credit_card",
            "クレジットカード決済のキャンセルはできません。",
        ),
        Some(PaymentMethod::ConvenienceStore) => {
            ("not_cancel_cvs", "コンビニ決済のキャンセルはできません。")
        }
        Some(PaymentMethod::Deferred) => (
            "not_cancel_atobarai",
            "後払い決済のキャンセルはできません。",
        ),
        Some(PaymentMethod::CarrierBilling) => (
            "not_cancel_carrier",
            "キャリア決済のキャンセルはできません。",
        ),
        Some(PaymentMethod::Coin) => ("not_cancel_coin", "コイン決済のキャンセルはできません。"),
    };
    Err(Outcome::Rejected(RemoteError::new(
        Some(code),
        format!(
            "{message} BASE cancels only bank-transfer (shop account) and cash-on-delivery orders by API; cancel this {} order in the BASE admin (not sent)",
            method.map(PaymentMethod::as_str).unwrap_or("unknown")
        ),
    )))
}

/// The `POST /1/orders/edit_status` form for one item. `company` is the resolved
/// `delivery_company_id`, required for `Atobarai`.
pub fn form(action: &Action, order_item_id: &str, company: Option<u64>) -> Vec<(String, String)> {
    let mut fields = vec![("order_item_id", order_item_id.to_string())];
    match action {
        Action::Dispatch { comment } => {
            fields.push(("status", "dispatched".into()));
            if let Some(comment) = comment {
                fields.push(("add_comment", comment.clone()));
            }
        }
        Action::Atobarai { tracking, .. } => {
            fields.push(("atobarai_status", "shipping".into()));
            if let Some(company) = company {
                fields.push(("delivery_company_id", company.to_string()));
            }
            fields.push(("tracking_number", tracking.clone()));
        }
        Action::Cancel => fields.push(("status", "cancelled".into())),
    }
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "[配送業者]{carrier} [送り状番号]{tracking}";

    #[test]
    fn comments() {
        assert_eq!(
            render_comment(TEMPLATE, "sagawa", "1234-5678-9012").as_deref(),
            Some("[配送業者]佐川急便 [送り状番号]1234-5678-9012")
        );
        assert_eq!(
            render_comment(TEMPLATE, "クロネコヤマト", "1").as_deref(),
            Some("[配送業者]ヤマト運輸 [送り状番号]1")
        );
        assert_eq!(
            render_comment(TEMPLATE, "Pigeon {tracking}", "9").as_deref(),
            Some("[配送業者]Pigeon {tracking} [送り状番号]9"),
            "values are not expanded again"
        );
        assert_eq!(
            render_comment("{x} {carrier", "dhl", "1").as_deref(),
            Some("{x} {carrier")
        );
        assert_eq!(render_comment(TEMPLATE, "", " "), None);
        let long = render_comment("{tracking}\n{tracking}", "dhl", &"8".repeat(200)).unwrap();
        assert_eq!(long.chars().count(), COMMENT_MAX_CHARS);
        assert_eq!(long.chars().nth(200), Some('\n'), "newlines count");
        let wide = render_comment(&"あ".repeat(300), "dhl", "1").unwrap();
        assert_eq!(wide.chars().count(), 250, "characters, not bytes");
    }

    #[test]
    fn tracking_numbers() {
        assert_eq!(clean_tracking("1234-5678 9012").unwrap(), "123456789012");
        assert_eq!(clean_tracking(" AB－12ー34　56 ").unwrap(), "AB123456");
        assert_eq!(clean_tracking("１２３"), Err('１'));
        assert_eq!(clean_tracking("12#3"), Err('#'));
        assert!(clean_tracking(" - ").is_err());
        assert_eq!(comparable_tracking("ab-12 3"), "AB123");
    }

    #[test]
    fn cancel_by_payment_method() {
        for ok in [
            None,
            Some(PaymentMethod::BankTransfer),
            Some(PaymentMethod::Cod),
            Some(PaymentMethod::Other),
        ] {
            assert!(cancellable(ok).is_ok(), "{ok:?}");
        }
        let refused = [
            (PaymentMethod::Card, "not_cancel_credit_card"),
            (PaymentMethod::ConvenienceStore, "not_cancel_cvs"),
            (PaymentMethod::Deferred, "not_cancel_atobarai"),
            (PaymentMethod::CarrierBilling, "not_cancel_carrier"),
            (PaymentMethod::Coin, "not_cancel_coin"),
        ];
        for (method, code) in refused {
            let Err(Outcome::Rejected(error)) = cancellable(Some(method)) else {
                panic!("{method:?} must be refused");
            };
            assert_eq!(error.code.as_deref(), Some(code));
        }
    }

    #[test]
    fn forms() {
        let pairs = |f: Vec<(String, String)>| {
            f.into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert_eq!(
            pairs(form(&Action::Dispatch { comment: None }, "123", None)),
            "order_item_id=123&status=dispatched"
        );
        assert_eq!(
            pairs(form(&Action::Cancel, "124", None)),
            "order_item_id=124&status=cancelled"
        );
        let atobarai = Action::Atobarai {
            tracking: "1234".into(),
            carrier: "yamato".into(),
        };
        assert_eq!(
            pairs(form(&atobarai, "123", Some(1))),
            "order_item_id=123&atobarai_status=shipping&delivery_company_id=1&tracking_number=1234"
        );
    }
}
