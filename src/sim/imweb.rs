//! imweb shop API v2: `GET /v2/auth` and `PATCH /v2/shop/orders/{order_no}/{status}`.
//! imweb answers HTTP 200 and puts the outcome in the body: `code` 200 with per-item
//! `success` / `failed` lists, or a negative `code` (CHANNELS.md, imweb).

use super::server::{Marketplace, SimRequest, SimResponse};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

pub const API_KEY: &str = "sim-imweb-key";
pub const SECRET_KEY: &str = "sim-imweb-secret";

const REASON_CODES: [&str; 11] = [
    "INTENT_CHANGED",
    "COLOR_AND_SIZE",
    "WRONG_ORDER",
    "PRODUCT_UNSATISFIED",
    "DELAYED_DELIVERY",
    "DROPPED_DELIVERY",
    "SOLD_OUT",
    "BROKEN",
    "INCORRECT_INFO",
    "WRONG_DELIVERY",
    "WRONG_OPTION",
];

/// A product order's state, in imweb's own words, along the forward chain.
const CHAIN: [&str; 5] = [
    "PAY_WAIT",
    "PAY_COMPLETE",
    "STANDBY",
    "DELIVERING",
    "COMPLETE",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProdOrder {
    pub status: &'static str,
    pub parcel_code: Option<String>,
    pub invoice_no: Option<String>,
    pub reason_code: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    tokens: BTreeSet<String>,
    issued: u64,
    /// order_no → prod_order_no → state.
    orders: BTreeMap<String, BTreeMap<String, ProdOrder>>,
}

#[derive(Debug, Default)]
pub struct ImwebSim {
    state: Mutex<State>,
}

fn body(code: i64, msg: &str) -> SimResponse {
    SimResponse::json(200, json!({ "msg": msg, "code": code }))
}

/// The state `action` moves a product order to, or why imweb refuses it.
fn next_state(current: &'static str, action: &str) -> Result<&'static str, String> {
    let rank = |s: &str| CHAIN.iter().position(|c| *c == s);
    let forward = |target: &'static str| match (rank(current), rank(target)) {
        (Some(from), Some(to)) if to >= from => Ok(target),
        _ => Err(format!("{current} 상태에서는 처리할 수 없습니다.")),
    };
    match (action, current) {
        ("cancel", "CANCEL") => Err("이미 취소된 주문입니다.".to_string()),
        ("cancel", "PAY_WAIT" | "PAY_COMPLETE" | "STANDBY") => Ok("CANCEL"),
        ("cancel", _) => Err(format!("{current} 상태의 주문은 취소할 수 없습니다.")),
        ("return", "DELIVERING" | "COMPLETE") => Ok("RETURN"),
        ("exchange", "DELIVERING" | "COMPLETE") => Ok("EXCHANGE"),
        ("return" | "exchange", _) => Err(format!("{current} 상태에서는 처리할 수 없습니다.")),
        ("deposit", _) => forward("PAY_COMPLETE"),
        ("place", _) => forward("STANDBY"),
        ("send", _) => forward("DELIVERING"),
        ("complete", _) => forward("COMPLETE"),
        _ => Err(format!("알 수 없는 처리 상태 {action}")),
    }
}

/// What `etc` must hold for `action`, checked before anything moves.
fn check_etc(action: &str, etc: &Value) -> Result<(), String> {
    let text = |key: &str| etc[key].as_str().filter(|v| !v.trim().is_empty());
    match action {
        "send" if text("parcel_code").is_none() || text("invoice_no").is_none() => {
            Err("etc.parcel_code, etc.invoice_no는 필수입니다.".into())
        }
        "cancel" | "return" | "exchange" => match text("reason_code") {
            Some(code) if REASON_CODES.contains(&code) => Ok(()),
            _ => Err("etc.reason_code가 올바르지 않습니다.".into()),
        },
        _ => Ok(()),
    }
}

impl ImwebSim {
    /// An order awaiting payment, with its product orders.
    pub fn seed(&self, order_no: &str, prod_order_nos: &[&str]) {
        let prods = prod_order_nos
            .iter()
            .map(|prod| {
                let state = ProdOrder {
                    status: "PAY_WAIT",
                    parcel_code: None,
                    invoice_no: None,
                    reason_code: None,
                };
                (prod.to_string(), state)
            })
            .collect();
        self.lock().orders.insert(order_no.to_string(), prods);
    }

    /// The buyer canceled this product order on imweb itself.
    pub fn cancel_on_site(&self, order_no: &str, prod_order_no: &str) {
        if let Some(prod) = self
            .lock()
            .orders
            .get_mut(order_no)
            .and_then(|prods| prods.get_mut(prod_order_no))
        {
            prod.status = "CANCEL";
        }
    }

    pub fn prod_order(&self, order_no: &str, prod_order_no: &str) -> Option<ProdOrder> {
        self.lock()
            .orders
            .get(order_no)?
            .get(prod_order_no)
            .cloned()
    }

    /// Every issued token stops working (imweb then answers code -2).
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("imweb sim lock")
    }

    fn auth(&self, request: &SimRequest) -> SimResponse {
        let key = request.query_param("key");
        let secret = request.query_param("secret");
        if key.as_deref() != Some(API_KEY) || secret.as_deref() != Some(SECRET_KEY) {
            return body(-1, "API 키 또는 시크릿이 올바르지 않습니다.");
        }
        let mut state = self.lock();
        state.issued += 1;
        let token = format!("sim-imweb-token-{}", state.issued);
        state.tokens.insert(token.clone());
        SimResponse::json(
            200,
            json!({ "msg": "SUCCESS", "code": 200, "access_token": token }),
        )
    }

    fn process(&self, request: &SimRequest, order_no: &str, action: &str) -> SimResponse {
        let mut state = self.lock();
        let token = request.header("access-token").unwrap_or("");
        if !state.tokens.contains(token) {
            return body(-2, "액세스 토큰이 유효하지 않습니다.");
        }
        if !is_action(action) {
            return body(-10, &format!("알 수 없는 처리 상태 {action}"));
        }
        let payload = request.json().unwrap_or(Value::Null);
        if let Err(message) = check_etc(action, &payload["etc"]) {
            return body(-10, &message);
        }
        let Some(prods) = state.orders.get_mut(order_no) else {
            return body(-11, "존재하지 않는 주문입니다.");
        };
        let targets: Vec<String> = match payload["prod_order_no"].as_str() {
            Some(prod) => vec![prod.to_string()],
            None => prods.keys().cloned().collect(),
        };
        let mut failed = Vec::new();
        let mut moved = 0;
        for prod_no in targets {
            let Some(prod) = prods.get_mut(&prod_no) else {
                failed.push(failure(&prod_no, "존재하지 않는 품목주문입니다.", ""));
                continue;
            };
            match next_state(prod.status, action) {
                Ok(next) => {
                    apply(prod, next, &payload["etc"]);
                    moved += 1;
                }
                Err(detail) => failed.push(failure(&prod_no, "처리 실패", &detail)),
            }
        }
        let success: Vec<&str> = if moved > 0 { vec![order_no] } else { vec![] };
        let failed: Vec<Value> = if failed.is_empty() {
            vec![]
        } else {
            vec![json!({ "order_no": order_no, "prod_order_list": failed })]
        };
        SimResponse::json(
            200,
            json!({ "msg": "SUCCESS", "code": 200,
                    "data": { "success": success, "failed": failed } }),
        )
    }
}

fn is_action(action: &str) -> bool {
    [
        "deposit", "place", "send", "complete", "cancel", "return", "exchange",
    ]
    .contains(&action)
}

fn failure(prod_order_no: &str, msg: &str, detail: &str) -> Value {
    json!({ "prod_order_no": prod_order_no, "msg": msg, "detail_msg": detail })
}

fn apply(prod: &mut ProdOrder, next: &'static str, etc: &Value) {
    prod.status = next;
    if let (Some(code), Some(invoice)) = (etc["parcel_code"].as_str(), etc["invoice_no"].as_str()) {
        prod.parcel_code = Some(code.to_string());
        prod.invoice_no = Some(invoice.to_string());
    }
    if let Some(reason) = etc["reason_code"].as_str() {
        prod.reason_code = Some(reason.to_string());
    }
}

impl Marketplace for ImwebSim {
    fn answer(&self, request: &SimRequest) -> SimResponse {
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["v2", "auth"]) => self.auth(request),
            ("PATCH", ["v2", "shop", "orders", order_no, action]) => {
                self.process(request, order_no, action)
            }
            _ => SimResponse::json(404, json!({ "msg": "NOT FOUND", "code": -1 })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(sim: &ImwebSim) -> String {
        let answer = sim.answer(
            &SimRequest::new("GET", "/v2/auth")
                .with_query(&[("key", API_KEY), ("secret", SECRET_KEY)]),
        );
        answer.body["access_token"].as_str().unwrap().to_string()
    }

    fn patch(sim: &ImwebSim, token: &str, path: &str, body: Value) -> Value {
        let answer = sim.answer(
            &SimRequest::new("PATCH", path)
                .with_header("access-token", token)
                .with_json(body),
        );
        assert_eq!(answer.status, 200);
        answer.body
    }

    #[test]
    fn auth_and_token_errors_are_body_codes() {
        let sim = ImwebSim::default();
        let bad = sim.answer(
            &SimRequest::new("GET", "/v2/auth").with_query(&[("key", API_KEY), ("secret", "x")]),
        );
        assert_eq!(bad.body["code"], -1);
        let path = "/v2/shop/orders/O1/deposit";
        assert_eq!(patch(&sim, "nope", path, json!({}))["code"], -2);
        sim.seed("O1", &["P1"]);
        let token = token(&sim);
        assert_eq!(patch(&sim, &token, path, json!({}))["code"], 200);
        sim.revoke_tokens();
        assert_eq!(patch(&sim, &token, path, json!({}))["code"], -2);
    }

    #[test]
    fn item_calls_send_and_cancel() {
        let sim = ImwebSim::default();
        sim.seed("O1", &["P1", "P2", "P3"]);
        let token = token(&sim);
        let etc = json!({ "parcel_code": "DHL", "invoice_no": "123" });
        let sent = patch(
            &sim,
            &token,
            "/v2/shop/orders/O1/send",
            json!({ "prod_order_no": "P1", "etc": etc }),
        );
        assert_eq!(sent["data"]["success"], json!(["O1"]));
        assert_eq!(sent["data"]["failed"], json!([]));
        let p1 = sim.prod_order("O1", "P1").unwrap();
        assert_eq!(p1.status, "DELIVERING");
        assert_eq!(p1.invoice_no.as_deref(), Some("123"));
        assert_eq!(sim.prod_order("O1", "P2").unwrap().status, "PAY_WAIT");

        let no_invoice = json!({ "etc": { "parcel_code": "DHL" } });
        let missing = patch(&sim, &token, "/v2/shop/orders/O1/send", no_invoice);
        assert_eq!(missing["code"], -10);

        // A whole-order cancel: P1 is on its way and P3 was canceled by the buyer.
        sim.cancel_on_site("O1", "P3");
        let cancel = json!({ "etc": { "reason_code": "SOLD_OUT" } });
        let answer = patch(&sim, &token, "/v2/shop/orders/O1/cancel", cancel.clone());
        assert_eq!(answer["code"], 200);
        let failed = &answer["data"]["failed"][0];
        assert_eq!(failed["order_no"], "O1");
        let listed: Vec<&str> = failed["prod_order_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["prod_order_no"].as_str().unwrap())
            .collect();
        assert_eq!(listed, ["P1", "P3"]);
        assert_eq!(
            failed["prod_order_list"][1]["detail_msg"],
            "이미 취소된 주문입니다."
        );
        assert_eq!(sim.prod_order("O1", "P2").unwrap().status, "CANCEL");

        let bad_reason = json!({ "etc": { "reason_code": "BORED" } });
        assert_eq!(
            patch(&sim, &token, "/v2/shop/orders/O1/cancel", bad_reason)["code"],
            -10
        );
        assert_eq!(
            patch(&sim, &token, "/v2/shop/orders/O9/cancel", cancel)["code"],
            -11
        );
        assert_eq!(
            patch(&sim, &token, "/v2/shop/orders/O1/ship", json!({}))["code"],
            -10
        );
    }

    #[test]
    fn chain_moves_forward_only() {
        assert_eq!(next_state("PAY_WAIT", "send"), Ok("DELIVERING"));
        assert_eq!(next_state("DELIVERING", "send"), Ok("DELIVERING"));
        assert!(next_state("COMPLETE", "deposit").is_err());
        assert!(next_state("PAY_WAIT", "return").is_err());
        assert_eq!(next_state("COMPLETE", "return"), Ok("RETURN"));
        assert!(next_state("CANCEL", "send").is_err());
    }
}
