//! `POST /1/orders/edit_status`, with the refusals the vendor page lists: only
//! `ordered` items move, only bank-transfer (shop account) and COD orders can be
//! canceled by API, unpaid convenience-store / BASE-account orders cannot be dispatched,
//! and deferred-payment (後払い) orders move through `atobarai_status` only.

use super::{detail_view, error, now_unix, BaseOrder, BaseSim, DELIVERY_COMPANIES};
use crate::sim::server::{SimRequest, SimResponse};
use serde_json::json;

/// `add_comment`: 250 characters, newlines included.
const MAX_COMMENT_CHARS: usize = 250;

/// The `not_cancel_*` error for a payment method the API cannot cancel.
fn cancel_refusal(payment: &str) -> Option<(&'static str, &'static str)> {
    match payment {
        "bt" | "cod" => None,
        "creditcard" => Some((
            "not_cancel_credit_card",
            "クレジットカード決済のキャンセルはできません。",
        )),
        "cvs" => Some(("not_cancel_cvs", "コンビニ決済のキャンセルはできません。")),
        "base_bt" => Some((
            "not_cancel_base_bt",
            "銀行振込(BASE口座)決済のキャンセルはできません。",
        )),
        "atobarai" => Some((
            "not_cancel_atobarai",
            "後払い決済のキャンセルはできません。",
        )),
        "coin" => Some(("not_cancel_coin", "コイン決済のキャンセルはできません。")),
        _ => Some((
            "not_cancel_carrier",
            "キャリア決済のキャンセルはできません。",
        )),
    }
}

fn not_changeable() -> SimResponse {
    error(
        "not_change_status",
        "この注文のステータスは変更できません。",
    )
}

fn bad_params() -> SimResponse {
    error("bad_params", "不正なパラメーターです。")
}

impl BaseSim {
    pub(super) fn edit_status(&self, request: &SimRequest) -> SimResponse {
        let field = |name: &str| request.form_field(name).filter(|v| !v.is_empty());
        let atobarai = field("atobarai_status");
        let status = field("status");
        let deferred = atobarai.is_some();
        let no_params = || match deferred {
            true => error(
                "no_params",
                "order_item_idとatobarai_statusとdelivery_company_idとtracking_numberは必須です。",
            ),
            false => error("no_params", "order_item_idとstatusは必須です。"),
        };
        let Some(item_text) = field("order_item_id") else {
            return no_params();
        };
        let Ok(item_id) = item_text.parse::<u64>() else {
            return bad_params();
        };
        let mut state = self.lock();
        let Some(unique_key) = state.item_owner.get(&item_id).cloned() else {
            return error("no_order", "注文情報が見つかりませんでした。");
        };
        let Some(order) = state.orders.get_mut(&unique_key) else {
            return error("no_order", "注文情報が見つかりませんでした。");
        };
        let outcome = match (atobarai, status) {
            (Some(atobarai), _) => ship_deferred(
                order,
                &atobarai,
                field("delivery_company_id"),
                field("tracking_number"),
            ),
            (None, Some(status)) => change_item(order, item_id, &status, field("add_comment")),
            (None, None) => return no_params(),
        };
        match outcome {
            Ok(()) => {
                order.modified = now_unix();
                SimResponse::json(200, json!({ "order": detail_view(order) }))
            }
            Err(Refusal::NoParams) => no_params(),
            Err(Refusal::Answer(answer)) => answer,
        }
    }
}

enum Refusal {
    NoParams,
    Answer(SimResponse),
}

impl From<SimResponse> for Refusal {
    fn from(answer: SimResponse) -> Self {
        Refusal::Answer(answer)
    }
}

fn ship_deferred(
    order: &mut BaseOrder,
    atobarai: &str,
    company: Option<String>,
    tracking: Option<String>,
) -> Result<(), Refusal> {
    let (Some(company), Some(tracking)) = (company, tracking) else {
        return Err(Refusal::NoParams);
    };
    let company = company.parse::<u64>().ok();
    let known_company = company.is_some_and(|id| DELIVERY_COMPANIES.iter().any(|(c, _)| *c == id));
    let half_width = tracking.chars().all(|c| c.is_ascii_alphanumeric());
    if atobarai != "shipping" || order.payment != "atobarai" || !known_company || !half_width {
        return Err(bad_params().into());
    }
    if order.atobarai_status != Some("ordered") {
        return Err(not_changeable().into());
    }
    order.atobarai_status = Some("shipping");
    order.delivery_company_id = company;
    order.tracking_number = Some(tracking);
    Ok(())
}

fn change_item(
    order: &mut BaseOrder,
    item_id: u64,
    status: &str,
    comment: Option<String>,
) -> Result<(), Refusal> {
    let target = match status {
        "dispatched" => "dispatched",
        "cancelled" => "cancelled",
        _ => return Err(bad_params().into()),
    };
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(bad_params().into());
    }
    if order.payment == "atobarai" {
        return Err(error(
            "not_change_status_atobarai",
            "後払い決済のステータスは変更できません。",
        )
        .into());
    }
    let current = order
        .items
        .iter()
        .find(|i| i.order_item_id == item_id)
        .map(|i| i.status);
    if current != Some("ordered") {
        return Err(not_changeable().into());
    }
    if target == "cancelled" {
        if let Some((code, text)) = cancel_refusal(&order.payment) {
            return Err(error(code, text).into());
        }
    }
    if target == "dispatched" && !order.payment_received {
        match order.payment.as_str() {
            "cvs" => {
                return Err(error(
                    "not_change_status_cvs",
                    "コンビニ決済の入金が完了していないのでステータスを変更できません。",
                )
                .into())
            }
            "base_bt" => {
                return Err(error(
                    "not_change_status_base_bt",
                    "銀行振込(BASE口座)決済の入金が完了していないのでステータスを変更できません。",
                )
                .into())
            }
            _ => {}
        }
    }
    if let Some(item) = order.items.iter_mut().find(|i| i.order_item_id == item_id) {
        item.status = target;
    }
    if comment.is_some() {
        order.add_comment = comment;
    }
    Ok(())
}
