//! YouCan store admin API: bearer tokens refreshed (and rotated) by `POST /oauth/token`,
//! `PUT /orders/{id}/status[/shipping|/payment]` and `PUT /orders/{id}/fulfill`
//! (CHANNELS.md, youcan).

use super::server::{Marketplace, SimRequest, SimResponse};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

pub const ACCESS_TOKEN: &str = "sim-youcan-access-0";
pub const CLIENT_ID: &str = "sim-youcan-client";
pub const CLIENT_SECRET: &str = "sim-youcan-client-secret";
pub const REFRESH_TOKEN: &str = "sim-youcan-refresh-0";
pub const TOKEN_LIFETIME_SECS: u64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YoucanOrder {
    pub status: String,
    pub shipping: String,
    pub payment: String,
    pub tracking_number: Option<String>,
}

#[derive(Debug)]
struct State {
    access_tokens: BTreeSet<String>,
    refresh_token: String,
    issued: u64,
    orders: BTreeMap<String, YoucanOrder>,
}

#[derive(Debug)]
pub struct YoucanSim {
    state: Mutex<State>,
}

impl Default for YoucanSim {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                access_tokens: BTreeSet::from([ACCESS_TOKEN.to_string()]),
                refresh_token: REFRESH_TOKEN.to_string(),
                issued: 0,
                orders: BTreeMap::new(),
            }),
        }
    }
}

fn detail(status: u16, code: i64, text: &str) -> SimResponse {
    SimResponse::json(
        status,
        json!({ "status": code, "detail": text, "meta": [] }),
    )
}

impl YoucanSim {
    /// An open, unpaid, unfulfilled order.
    pub fn seed(&self, id: &str) {
        let order = YoucanOrder {
            status: "open".into(),
            shipping: "unfulfilled".into(),
            payment: "pending".into(),
            tracking_number: None,
        };
        self.lock().orders.insert(id.to_string(), order);
    }

    pub fn order(&self, id: &str) -> Option<YoucanOrder> {
        self.lock().orders.get(id).cloned()
    }

    /// The refresh token YouCan accepts now (each refresh replaces it).
    pub fn refresh_token(&self) -> String {
        self.lock().refresh_token.clone()
    }

    /// Every access token expires; only a refresh gets a working one.
    pub fn expire_access_tokens(&self) {
        self.lock().access_tokens.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("youcan sim lock")
    }

    fn refresh(&self, request: &SimRequest) -> SimResponse {
        let field = |name: &str| request.form_field(name).unwrap_or_default();
        let mut state = self.lock();
        let invalid = |description: &str| {
            SimResponse::json(
                400,
                json!({ "error": "invalid_grant", "error_description": description,
                        "message": description }),
            )
        };
        if field("grant_type") != "refresh_token" {
            return invalid("The authorization grant type is not supported.");
        }
        if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
            return SimResponse::json(
                401,
                json!({ "error": "invalid_client", "message": "Client authentication failed" }),
            );
        }
        if field("refresh_token") != state.refresh_token {
            return invalid("The refresh token is invalid.");
        }
        state.issued += 1;
        let access = format!("sim-youcan-access-{}", state.issued);
        state.refresh_token = format!("sim-youcan-refresh-{}", state.issued);
        // Passport revokes the previous access token along with the spent refresh token.
        state.access_tokens = BTreeSet::from([access.clone()]);
        SimResponse::json(
            200,
            json!({ "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECS,
                    "access_token": access, "refresh_token": state.refresh_token }),
        )
    }

    fn update(&self, request: &SimRequest, id: &str, field: Option<&str>) -> SimResponse {
        let mut state = self.lock();
        let Some(order) = state.orders.get_mut(id) else {
            return detail(404, 0, "order not found");
        };
        let payload = request.json().unwrap_or(Value::Null);
        let Some(slug) = payload["status"].as_str().filter(|s| !s.is_empty()) else {
            return detail(422, 0, "The status field is required.");
        };
        let closing = matches!((field, slug), (Some("shipping"), "canceled"))
            || matches!((field, slug), (Some("payment"), "refunded"));
        if order.status == "canceled-by-seller" && field.is_some() && !closing {
            return detail(
                422,
                0,
                "The order is canceled and can no longer be updated.",
            );
        }
        // An unknown slug becomes a new label rather than an error: YouCan's own rule.
        let slot = match field {
            None => &mut order.status,
            Some("shipping") => &mut order.shipping,
            Some(_) => &mut order.payment,
        };
        *slot = slug.to_string();
        detail(200, 200, "Status is successfully updated")
    }

    fn fulfill(&self, request: &SimRequest, id: &str) -> SimResponse {
        let mut state = self.lock();
        let Some(order) = state.orders.get_mut(id) else {
            return detail(404, 0, "order not found");
        };
        if order.tracking_number.is_some() {
            return SimResponse::json(
                422,
                json!({ "code": "ORDER-ALREADY-FULFILLED",
                        "detail": "The order is already fulfilled.", "meta": [] }),
            );
        }
        let payload = request.json().unwrap_or(Value::Null);
        order.tracking_number = payload["tracking_number"].as_str().map(str::to_string);
        order.shipping = "shipped".into();
        detail(200, 200, "Order is successfully fulfilled")
    }
}

impl Marketplace for YoucanSim {
    fn answer(&self, request: &SimRequest) -> SimResponse {
        let segments = request.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        if let ("POST", ["oauth", "token"]) = (request.method.as_str(), segments.as_slice()) {
            return self.refresh(request);
        }
        let authorized = request
            .bearer()
            .is_some_and(|token| self.lock().access_tokens.contains(token));
        if !authorized {
            return SimResponse::json(401, json!({ "message": "Unauthenticated." }));
        }
        match (request.method.as_str(), segments.as_slice()) {
            ("PUT", ["orders", id, "status"]) => self.update(request, id, None),
            ("PUT", ["orders", id, "status", field @ ("shipping" | "payment")]) => {
                self.update(request, id, Some(field))
            }
            ("PUT", ["orders", id, "fulfill"]) => self.fulfill(request, id),
            _ => detail(404, 0, "Not Found"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(sim: &YoucanSim, token: &str, path: &str, body: Value) -> SimResponse {
        sim.answer(
            &SimRequest::new("PUT", path)
                .with_header("Authorization", &format!("Bearer {token}"))
                .with_json(body),
        )
    }

    fn refresh(sim: &YoucanSim, refresh_token: &str) -> SimResponse {
        sim.answer(&SimRequest::new("POST", "/oauth/token").with_form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", refresh_token),
        ]))
    }

    #[test]
    fn status_fields_and_cancel() {
        let sim = YoucanSim::default();
        sim.seed("u1");
        let paid = put(
            &sim,
            ACCESS_TOKEN,
            "/orders/u1/status/payment",
            json!({"status": "paid"}),
        );
        assert_eq!(
            (paid.status, paid.body["status"].clone()),
            (200, json!(200))
        );
        put(
            &sim,
            ACCESS_TOKEN,
            "/orders/u1/status",
            json!({"status": "canceled-by-seller"}),
        );
        let shipped = put(
            &sim,
            ACCESS_TOKEN,
            "/orders/u1/status/shipping",
            json!({"status": "shipped"}),
        );
        assert_eq!(shipped.status, 422);
        let canceled = put(
            &sim,
            ACCESS_TOKEN,
            "/orders/u1/status/shipping",
            json!({"status": "canceled"}),
        );
        assert_eq!(canceled.status, 200);
        let order = sim.order("u1").unwrap();
        assert_eq!(
            (
                order.status.as_str(),
                order.shipping.as_str(),
                order.payment.as_str()
            ),
            ("canceled-by-seller", "canceled", "paid")
        );
        assert_eq!(
            put(
                &sim,
                ACCESS_TOKEN,
                "/orders/u2/status",
                json!({"status": "closed"})
            )
            .status,
            404
        );
        assert_eq!(
            put(&sim, ACCESS_TOKEN, "/orders/u1/status", json!({})).status,
            422
        );
        assert_eq!(
            put(
                &sim,
                "wrong",
                "/orders/u1/status",
                json!({"status": "closed"})
            )
            .status,
            401
        );
    }

    #[test]
    fn unknown_slugs_become_labels_and_fulfil_is_once() {
        let sim = YoucanSim::default();
        sim.seed("u1");
        put(
            &sim,
            ACCESS_TOKEN,
            "/orders/u1/status/shipping",
            json!({"status": "sent"}),
        );
        assert_eq!(sim.order("u1").unwrap().shipping, "sent");
        let body = json!({"tracking_number": "T1", "seller_note": "DHL"});
        assert_eq!(
            put(&sim, ACCESS_TOKEN, "/orders/u1/fulfill", body.clone()).status,
            200
        );
        let again = put(&sim, ACCESS_TOKEN, "/orders/u1/fulfill", body);
        assert_eq!(
            (again.status, again.body["code"].clone()),
            (422, json!("ORDER-ALREADY-FULFILLED"))
        );
    }

    #[test]
    fn refresh_rotates_both_tokens() {
        let sim = YoucanSim::default();
        sim.seed("u1");
        sim.expire_access_tokens();
        let path = "/orders/u1/status";
        assert_eq!(
            put(&sim, ACCESS_TOKEN, path, json!({"status": "closed"})).status,
            401
        );
        let fresh = refresh(&sim, REFRESH_TOKEN);
        assert_eq!(fresh.status, 200);
        let access = fresh.body["access_token"].as_str().unwrap();
        assert_eq!(fresh.body["refresh_token"], sim.refresh_token());
        assert_ne!(sim.refresh_token(), REFRESH_TOKEN);
        assert_eq!(
            put(&sim, access, path, json!({"status": "closed"})).status,
            200
        );
        // The spent refresh token is refused from now on.
        let spent = refresh(&sim, REFRESH_TOKEN);
        assert_eq!(
            (spent.status, spent.body["error"].clone()),
            (400, json!("invalid_grant"))
        );
    }
}
