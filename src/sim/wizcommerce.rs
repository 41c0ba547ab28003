//! WizCommerce: `PATCH /v1/orders/{id}/status` (`draft`, `confirmed`, `cancelled`)
//! behind `X-API-Key`, errors as `{code, message, details}` (CHANNELS.md, wizcommerce).

use super::server::{Marketplace, SimRequest, SimResponse};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub const API_KEY: &str = "sim-wiz-key";

#[derive(Debug, Default)]
pub struct WizSim {
    /// order id → `draft`, `confirmed` or `cancelled`.
    orders: Mutex<BTreeMap<String, &'static str>>,
}

fn http_error(status: u16, code: &str, message: &str, details: Value) -> SimResponse {
    SimResponse::json(
        status,
        json!({ "code": code, "message": message, "details": details }),
    )
}

impl WizSim {
    /// A draft order.
    pub fn seed(&self, id: &str) {
        self.lock().insert(id.to_string(), "draft");
    }

    pub fn status(&self, id: &str) -> Option<&'static str> {
        self.lock().get(id).copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, &'static str>> {
        self.orders.lock().expect("wiz sim lock")
    }

    fn update(&self, request: &SimRequest, id: &str) -> SimResponse {
        let wanted = request.json().unwrap_or(Value::Null)["status"].clone();
        let Some(target) = ["draft", "confirmed", "cancelled"]
            .into_iter()
            .find(|s| wanted == *s)
        else {
            return http_error(
                400,
                "VALIDATION_ERROR",
                "invalid request body",
                json!([{ "field": "status", "reason": "must be one of draft, confirmed, cancelled" }]),
            );
        };
        let mut orders = self.lock();
        let Some(current) = orders.get_mut(id) else {
            return http_error(404, "NOT_FOUND", "order not found", json!([]));
        };
        let reason = match (*current, target) {
            ("cancelled", _) => Some("order is already cancelled"),
            ("confirmed", "draft") => Some("a confirmed order cannot go back to draft"),
            _ => None,
        };
        if let Some(reason) = reason {
            return http_error(
                400,
                "INVALID_STATUS_TRANSITION",
                &format!("cannot change the status of order {id} to {target}"),
                json!([{ "field": "status", "reason": reason }]),
            );
        }
        *current = target;
        SimResponse::json(200, json!({ "data": { "id": id, "status": target } }))
    }
}

impl Marketplace for WizSim {
    fn answer(&self, request: &SimRequest) -> SimResponse {
        match request.header("x-api-key") {
            None => return http_error(401, "UNAUTHORIZED", "missing API key", json!([])),
            Some(key) if key != API_KEY => {
                return http_error(403, "FORBIDDEN", "invalid API key", json!([]))
            }
            Some(_) => {}
        }
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("PATCH", ["v1", "orders", id, "status"]) => self.update(request, id),
            _ => http_error(404, "NOT_FOUND", "route not found", json!([])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(sim: &WizSim, key: Option<&str>, id: &str, status: &str) -> SimResponse {
        let mut request = SimRequest::new("PATCH", &format!("/v1/orders/{id}/status"))
            .with_json(json!({ "status": status }));
        if let Some(key) = key {
            request = request.with_header("X-API-Key", key);
        }
        sim.answer(&request)
    }

    #[test]
    fn statuses_and_refusals() {
        let sim = WizSim::default();
        sim.seed("w1");
        assert_eq!(patch(&sim, None, "w1", "confirmed").status, 401);
        assert_eq!(patch(&sim, Some("nope"), "w1", "confirmed").status, 403);
        let key = Some(API_KEY);
        let ok = patch(&sim, key, "w1", "confirmed");
        assert_eq!(ok.status, 200);
        assert_eq!(ok.body["data"]["status"], "confirmed");
        assert_eq!(patch(&sim, key, "w1", "confirmed").status, 200);
        assert_eq!(patch(&sim, key, "w1", "draft").status, 400);
        let shipped = patch(&sim, key, "w1", "shipped");
        assert_eq!(shipped.body["code"], "VALIDATION_ERROR");
        assert_eq!(patch(&sim, key, "w1", "cancelled").status, 200);
        let again = patch(&sim, key, "w1", "cancelled");
        assert_eq!(again.status, 400);
        assert_eq!(again.body["code"], "INVALID_STATUS_TRANSITION");
        assert_eq!(
            again.body["details"][0]["reason"],
            "order is already cancelled"
        );
        assert_eq!(sim.status("w1"), Some("cancelled"));
        assert_eq!(patch(&sim, key, "w404", "cancelled").status, 404);
    }
}
