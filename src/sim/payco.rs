//! PortOne (iamport) PAYCO: `POST /users/getToken` and
//! `POST /payco/orders/status/{imp_uid}`, with iamport's `{code, message, response}`
//! envelope (CHANNELS.md, portone_payco).

use super::server::{Marketplace, SimRequest, SimResponse};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

pub const IMP_KEY: &str = "sim-imp-key";
pub const IMP_SECRET: &str = "sim-imp-secret";
/// iamport's documented token lifetime.
pub const TOKEN_LIFETIME_SECS: i64 = 30 * 60;

const STATUSES: [&str; 3] = ["DELIVERY_START", "PURCHASE_DECISION", "CANCELED"];

#[derive(Debug, Default)]
struct State {
    /// access token → `expired_at` (unix seconds).
    tokens: HashMap<String, i64>,
    issued: u64,
    /// imp_uid → the PAYCO order status set through the API (`None`: paid, untouched).
    orders: BTreeMap<String, Option<&'static str>>,
}

#[derive(Debug, Default)]
pub struct PaycoSim {
    state: Mutex<State>,
}

fn envelope(status: u16, code: i64, message: Option<&str>, response: Value) -> SimResponse {
    SimResponse::json(
        status,
        json!({ "code": code, "message": message, "response": response }),
    )
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl PaycoSim {
    /// A paid PAYCO order that ordersync may move.
    pub fn seed(&self, imp_uid: &str) {
        self.lock().orders.insert(imp_uid.to_string(), None);
    }

    /// The order's PAYCO status (`None`: never changed, or unknown order).
    pub fn status(&self, imp_uid: &str) -> Option<&'static str> {
        self.lock().orders.get(imp_uid).copied().flatten()
    }

    /// Every issued token stops working, as after a key rotation on PortOne's console.
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("payco sim lock")
    }

    fn get_token(&self, request: &SimRequest) -> SimResponse {
        let body = request.json().unwrap_or(Value::Null);
        if body["imp_key"] != IMP_KEY || body["imp_secret"] != IMP_SECRET {
            return envelope(
                401,
                -1,
                Some("imp_key, imp_secret 파라미터가 올바르지 않습니다."),
                Value::Null,
            );
        }
        let mut state = self.lock();
        state.issued += 1;
        let token = format!("sim-payco-token-{}", state.issued);
        let now = now_unix();
        let expired_at = now + TOKEN_LIFETIME_SECS;
        state.tokens.insert(token.clone(), expired_at);
        envelope(
            200,
            0,
            None,
            json!({ "access_token": token, "now": now, "expired_at": expired_at }),
        )
    }

    fn change_status(&self, request: &SimRequest, imp_uid: &str) -> SimResponse {
        let mut state = self.lock();
        let authorized = request
            .bearer()
            .and_then(|token| state.tokens.get(token))
            .is_some_and(|expired_at| *expired_at > now_unix());
        if !authorized {
            return envelope(401, -1, Some("Unauthorized"), Value::Null);
        }
        let wanted = request.json().unwrap_or(Value::Null)["status"].clone();
        let Some(target) = STATUSES.into_iter().find(|s| wanted == *s) else {
            return envelope(
                400,
                -1,
                Some("status는 DELIVERY_START, PURCHASE_DECISION, CANCELED 중 하나여야 합니다."),
                Value::Null,
            );
        };
        let Some(current) = state.orders.get_mut(imp_uid) else {
            return envelope(404, -1, Some("존재하지 않는 결제정보입니다."), Value::Null);
        };
        let refusal = match (*current, target) {
            (Some(now), _) if now == target => None,
            (Some("CANCELED"), _) => Some("이미 취소된 주문입니다."),
            (Some("PURCHASE_DECISION"), _) => Some("구매확정된 주문은 상태를 변경할 수 없습니다."),
            _ => None,
        };
        if let Some(message) = refusal {
            return envelope(200, 1, Some(message), Value::Null);
        }
        *current = Some(target);
        envelope(200, 0, None, json!({ "status": target }))
    }
}

impl Marketplace for PaycoSim {
    fn answer(&self, request: &SimRequest) -> SimResponse {
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["users", "getToken"]) => self.get_token(request),
            ("POST", ["payco", "orders", "status", imp_uid]) => {
                self.change_status(request, imp_uid)
            }
            _ => envelope(404, -1, Some("Not Found"), Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(sim: &PaycoSim) -> String {
        let request = SimRequest::new("POST", "/users/getToken")
            .with_json(json!({ "imp_key": IMP_KEY, "imp_secret": IMP_SECRET }));
        let answer = sim.answer(&request);
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let response = &answer.body["response"];
        assert_eq!(
            response["expired_at"].as_i64().unwrap() - response["now"].as_i64().unwrap(),
            TOKEN_LIFETIME_SECS
        );
        response["access_token"].as_str().unwrap().to_string()
    }

    fn set(sim: &PaycoSim, token: &str, imp_uid: &str, status: &str) -> SimResponse {
        sim.answer(
            &SimRequest::new("POST", &format!("/payco/orders/status/{imp_uid}"))
                .with_header("Authorization", &format!("Bearer {token}"))
                .with_json(json!({ "status": status })),
        )
    }

    #[test]
    fn token_then_status_calls() {
        let sim = PaycoSim::default();
        sim.seed("imp_1");
        let wrong = sim.answer(
            &SimRequest::new("POST", "/users/getToken")
                .with_json(json!({ "imp_key": IMP_KEY, "imp_secret": "nope" })),
        );
        assert_eq!(wrong.status, 401);
        assert_eq!(set(&sim, "made-up", "imp_1", "CANCELED").status, 401);

        let token = token(&sim);
        let done = set(&sim, &token, "imp_1", "DELIVERY_START");
        assert_eq!(done.body["code"], 0);
        assert_eq!(done.body["response"]["status"], "DELIVERY_START");
        assert_eq!(sim.status("imp_1"), Some("DELIVERY_START"));
        assert_eq!(set(&sim, &token, "imp_1", "DELIVERY_START").body["code"], 0);

        assert_eq!(set(&sim, &token, "imp_1", "SHIPPED").status, 400);
        let missing = set(&sim, &token, "imp_404", "CANCELED");
        assert_eq!(
            (missing.status, missing.body["code"].clone()),
            (404, json!(-1))
        );

        assert_eq!(
            set(&sim, &token, "imp_1", "PURCHASE_DECISION").body["code"],
            0
        );
        let refused = set(&sim, &token, "imp_1", "CANCELED");
        assert_eq!(refused.status, 200);
        assert_eq!(refused.body["code"], 1);
        assert_eq!(sim.status("imp_1"), Some("PURCHASE_DECISION"));

        sim.revoke_tokens();
        assert_eq!(set(&sim, &token, "imp_1", "PURCHASE_DECISION").status, 401);
    }
}
