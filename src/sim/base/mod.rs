//! BASE (thebase.in): `POST /1/oauth/token` with rotating refresh tokens, form-encoded
//! `POST /1/orders/edit_status`, `GET /1/orders/detail/{unique_key}`,
//! `GET /1/delivery_companies`; every error is HTTP 400 `{"error", "error_description"}`
//! (CHANNELS.md, base; the vendor page in seeds/).

mod edit;

use super::server::{Marketplace, SimRequest, SimResponse};
use crate::domain::PaymentMethod;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

pub const CLIENT_ID: &str = "sim-base-client";
pub const CLIENT_SECRET: &str = "sim-base-client-secret";
pub const REFRESH_TOKEN: &str = "sim-base-refresh-0";
pub const REDIRECT_URI: &str = "http://127.0.0.1/base/callback";
pub const TOKEN_LIFETIME_SECS: i64 = 3600;

/// What `GET /1/delivery_companies` lists.
pub const DELIVERY_COMPANIES: [(u64, &str); 7] = [
    (1, "クロネコヤマト"),
    (2, "佐川急便"),
    (3, "日本郵便"),
    (4, "西濃運輸"),
    (5, "福山通運"),
    (6, "日本通運"),
    (7, "その他"),
];

/// BASE's payment code for a canonical payment method. BASE has no "other": an order
/// of unknown payment is seeded as a shop-account bank transfer, which BASE lets the
/// API both dispatch and cancel.
pub fn payment_code(method: Option<PaymentMethod>) -> &'static str {
    match method {
        Some(PaymentMethod::Card) => "creditcard",
        Some(PaymentMethod::Cod) => "cod",
        Some(PaymentMethod::ConvenienceStore) => "cvs",
        Some(PaymentMethod::Deferred) => "atobarai",
        Some(PaymentMethod::CarrierBilling) => "carrier_01",
        Some(PaymentMethod::Coin) => "coin",
        Some(PaymentMethod::BankTransfer | PaymentMethod::Other) | None => "bt",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseItem {
    pub order_item_id: u64,
    /// `ordered`, `dispatched` or `cancelled`.
    pub status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseOrder {
    pub unique_key: String,
    /// BASE's code: `creditcard`, `bt`, `cod`, `cvs`, `base_bt`, `atobarai`, ...
    pub payment: String,
    /// For `cvs` and `base_bt`: whether the buyer has paid (dispatch waits for it).
    pub payment_received: bool,
    pub items: Vec<BaseItem>,
    /// For `atobarai` orders: `ordered`, then `shipping`.
    pub atobarai_status: Option<&'static str>,
    pub add_comment: Option<String>,
    pub delivery_company_id: Option<u64>,
    pub tracking_number: Option<String>,
    pub ordered: i64,
    pub modified: i64,
}

#[derive(Debug)]
struct State {
    /// access token → expiry (unix seconds).
    access_tokens: HashMap<String, i64>,
    refresh_token: String,
    issued: u64,
    orders: BTreeMap<String, BaseOrder>,
    /// order_item_id → unique_key: `edit_status` names only the item.
    item_owner: HashMap<u64, String>,
    /// API calls left before `hour_api_limit`; `None`: unlimited.
    calls_left: Option<u64>,
}

#[derive(Debug)]
pub struct BaseSim {
    state: Mutex<State>,
}

impl Default for BaseSim {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                access_tokens: HashMap::new(),
                refresh_token: REFRESH_TOKEN.to_string(),
                issued: 0,
                orders: BTreeMap::new(),
                item_owner: HashMap::new(),
                calls_left: None,
            }),
        }
    }
}

pub(super) fn error(code: &str, description: &str) -> SimResponse {
    SimResponse::json(
        400,
        json!({ "error": code, "error_description": description }),
    )
}

pub(super) fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl BaseSim {
    /// An order not yet dispatched; `cvs` / `base_bt` orders are seeded as paid.
    pub fn seed(&self, unique_key: &str, payment: &str, order_item_ids: &[u64]) {
        let now = now_unix();
        let order = BaseOrder {
            unique_key: unique_key.to_string(),
            payment: payment.to_string(),
            payment_received: true,
            items: order_item_ids
                .iter()
                .map(|id| BaseItem {
                    order_item_id: *id,
                    status: "ordered",
                })
                .collect(),
            atobarai_status: (payment == "atobarai").then_some("ordered"),
            add_comment: None,
            delivery_company_id: None,
            tracking_number: None,
            ordered: now,
            modified: now,
        };
        let mut state = self.lock();
        for id in order_item_ids {
            state.item_owner.insert(*id, unique_key.to_string());
        }
        state.orders.insert(unique_key.to_string(), order);
    }

    /// For `cvs` / `base_bt` orders: whether the buyer's payment has arrived.
    pub fn set_payment_received(&self, unique_key: &str, received: bool) {
        if let Some(order) = self.lock().orders.get_mut(unique_key) {
            order.payment_received = received;
        }
    }

    pub fn order(&self, unique_key: &str) -> Option<BaseOrder> {
        self.lock().orders.get(unique_key).cloned()
    }

    /// The refresh token BASE accepts now (each refresh replaces it).
    pub fn refresh_token(&self) -> String {
        self.lock().refresh_token.clone()
    }

    pub fn expire_access_tokens(&self) {
        self.lock().access_tokens.clear();
    }

    /// After `calls` more API calls, answer `hour_api_limit` (`None`: no limit).
    pub fn limit_calls(&self, calls: Option<u64>) {
        self.lock().calls_left = calls;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("base sim lock")
    }

    fn token(&self, request: &SimRequest) -> SimResponse {
        let field = |name: &str| request.form_field(name).unwrap_or_default();
        if field("grant_type") != "refresh_token" {
            return error("unsupported_grant_type", "grant_typeが不正です。");
        }
        if field("client_id") != CLIENT_ID
            || field("client_secret") != CLIENT_SECRET
            || field("redirect_uri") != REDIRECT_URI
        {
            return error("invalid_client", "クライアント認証に失敗しました。");
        }
        let mut state = self.lock();
        if field("refresh_token") != state.refresh_token {
            return error("invalid_grant", "リフレッシュトークンが無効です。");
        }
        state.issued += 1;
        let access = format!("sim-base-access-{}", state.issued);
        state.refresh_token = format!("sim-base-refresh-{}", state.issued);
        state
            .access_tokens
            .insert(access.clone(), now_unix() + TOKEN_LIFETIME_SECS);
        SimResponse::json(
            200,
            json!({ "access_token": access, "token_type": "bearer",
                    "expires_in": TOKEN_LIFETIME_SECS, "refresh_token": state.refresh_token }),
        )
    }

    fn delivery_companies(&self) -> SimResponse {
        let list: Vec<Value> = DELIVERY_COMPANIES
            .iter()
            .map(|(id, name)| json!({ "delivery_company_id": id, "name": name }))
            .collect();
        SimResponse::json(200, json!({ "delivery_companies": list }))
    }

    fn detail(&self, unique_key: &str) -> SimResponse {
        match self.lock().orders.get(unique_key) {
            Some(order) => SimResponse::json(200, json!({ "order": detail_view(order) })),
            None => error("no_order", "注文情報が見つかりませんでした。"),
        }
    }
}

/// The order as `GET /1/orders/detail` and `edit_status` show it (a subset of BASE's
/// fields: the ones a status sync reads).
pub(super) fn detail_view(order: &BaseOrder) -> Value {
    let live: Vec<&BaseItem> = order
        .items
        .iter()
        .filter(|i| i.status != "cancelled")
        .collect();
    let dispatch_status = if live.is_empty() {
        "cancelled"
    } else if order.atobarai_status == Some("shipping") {
        "shipping"
    } else if live.iter().all(|i| i.status == "dispatched") {
        "dispatched"
    } else if matches!(order.payment.as_str(), "cvs" | "base_bt") && !order.payment_received {
        "unpaid"
    } else {
        "ordered"
    };
    let items: Vec<Value> = order
        .items
        .iter()
        .map(|i| {
            json!({ "order_item_id": i.order_item_id, "status": i.status,
                    "modified": order.modified })
        })
        .collect();
    json!({
        "unique_key": order.unique_key,
        "ordered": order.ordered,
        "payment": order.payment,
        "dispatch_status": dispatch_status,
        "terminated": live.iter().all(|i| i.status == "dispatched"),
        "add_comment": order.add_comment,
        "delivery_company_id": order.delivery_company_id,
        "tracking_number": order.tracking_number,
        "atobarai_payment_transaction": { "status": order.atobarai_status },
        "modified": order.modified,
        "order_items": items,
    })
}

impl Marketplace for BaseSim {
    fn answer(&self, request: &SimRequest) -> SimResponse {
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        if segments == ["1", "oauth", "token"] {
            return match request.method.as_str() {
                "POST" => self.token(request),
                _ => error("not_post_method", "POSTで送信してください。"),
            };
        }
        {
            let mut state = self.lock();
            let now = now_unix();
            let authorized = request
                .bearer()
                .and_then(|token| state.access_tokens.get(token))
                .is_some_and(|expires| *expires > now);
            if !authorized {
                return error("invalid_request", "アクセストークンが無効です。");
            }
            match &mut state.calls_left {
                Some(0) => return error("hour_api_limit", "1時間のAPIの利用上限を超えました。"),
                Some(left) => *left -= 1,
                None => {}
            }
        }
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["1", "delivery_companies"]) => self.delivery_companies(),
            ("GET", ["1", "orders", "detail", unique_key]) => self.detail(unique_key),
            ("POST", ["1", "orders", "edit_status"]) => self.edit_status(request),
            (_, ["1", "orders", "edit_status"]) => {
                error("not_post_method", "POSTで送信してください。")
            }
            _ => SimResponse::json(
                404,
                json!({ "error": "not_found", "error_description": "Not Found" }),
            ),
        }
    }
}

#[cfg(test)]
mod tests;
