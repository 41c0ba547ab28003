//! BASE (thebase.in): `POST /1/orders/edit_status`, form-encoded, one call per
//! `order_item_id`. Only `ordered` → `dispatched` / `cancelled` exist, plus the 後払い
//! (deferred payment) `atobarai_status=shipping` that updates the whole order at once.
//!
//! `plan` decides the calls without I/O, `classify` reads each answer without I/O; this
//! module does the fetching they may need (order detail, delivery companies) and the
//! calls themselves.

pub mod auth;
pub mod classify;
pub mod companies;
pub mod detail;
pub mod plan;

use super::http::path_segment;
use super::http::{HttpRequest, HttpResponse};
use super::oauth::OAuthSession;
use super::{Channel, ChannelStats, ConnectorDeps, Delivery};
use crate::domain::{ChannelKind, ChannelName, Outcome, RemoteError};
use crate::secret::Secret;
use async_trait::async_trait;
use classify::Answer;
use companies::Company;
use detail::{OrderDetail, RemoteState};
use plan::{Action, Items};
use reqwest::Method;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

/// A BASE channel's settings (`[channels.NAME]` with `kind = "base"`).
#[derive(Clone)]
pub struct BaseConfig {
    pub client_id: String,
    pub client_secret: Secret,
    /// The refresh token the seller configured; once BASE has rotated it, the stored
    /// one is used instead.
    pub refresh_token: Secret,
    pub redirect_uri: String,
    pub access_token: Option<Secret>,
    /// `{carrier}` and `{tracking}` are filled in; cut to 250 characters.
    pub comment_template: String,
    /// Canonical carrier id → `delivery_company_id`, before the name match.
    pub delivery_company_ids: BTreeMap<String, u64>,
}

pub struct Base {
    name: ChannelName,
    base_url: String,
    comment_template: String,
    delivery_company_ids: BTreeMap<String, u64>,
    session: OAuthSession,
    stats: Arc<ChannelStats>,
    /// BASE's delivery companies hardly ever change: read once, on first need.
    companies: tokio::sync::OnceCell<Vec<Company>>,
}

impl Base {
    pub fn new(
        name: ChannelName,
        base_url: String,
        config: BaseConfig,
        deps: ConnectorDeps,
    ) -> Self {
        let stats = deps.stats.clone();
        let session = auth::session(&name, &base_url, &config, deps);
        Self {
            name,
            base_url,
            comment_template: config.comment_template,
            delivery_company_ids: config.delivery_company_ids,
            session,
            stats,
            companies: tokio::sync::OnceCell::new(),
        }
    }

    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, Outcome> {
        let build = |token: &Secret| {
            let mut request = request.clone();
            request
                .headers
                .push(("Authorization", format!("Bearer {}", token.expose())));
            request
        };
        self.session.send(build, classify::is_token_refused).await
    }

    /// A read; any non-2xx answer is the outcome.
    async fn get(&self, path: &str) -> Result<HttpResponse, Outcome> {
        let request = HttpRequest::new(Method::GET, format!("{}{path}", self.base_url))
            .header("Accept", "application/json");
        let response = self.call(request).await?;
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            Err(classify::classify_read(&response, SystemTime::now()))
        }
    }

    async fn detail(&self, unique_key: &str) -> Result<OrderDetail, Outcome> {
        let response = self
            .get(&format!("/1/orders/detail/{}", path_segment(unique_key)))
            .await?;
        detail::parse(&response)
    }

    async fn company_id(&self, carrier: &str) -> Result<u64, Outcome> {
        if let Some(id) = companies::from_config(&self.delivery_company_ids, carrier) {
            return Ok(id);
        }
        let list = self
            .companies
            .get_or_try_init(|| async {
                let response = self.get("/1/delivery_companies").await?;
                companies::parse(&response)
            })
            .await?;
        companies::from_list(list, carrier).ok_or_else(|| {
            self.stats
                .count_unmapped_carrier(&companies::carrier_key(carrier));
            companies::unmapped(carrier)
        })
    }

    async fn edit_status(&self, form: Vec<(String, String)>) -> Result<Answer, Outcome> {
        let request = HttpRequest::new(
            Method::POST,
            format!("{}/1/orders/edit_status", self.base_url),
        )
        .header("Accept", "application/json")
        .form(form);
        let response = self.call(request).await?;
        Ok(classify::classify(&response, SystemTime::now()))
    }

    async fn run(&self, delivery: &Delivery<'_>) -> Result<Outcome, Outcome> {
        let plan = plan::plan(delivery, &self.comment_template)?;
        let unique_key = delivery.link.order_id.as_str();
        let company = match &plan.action {
            Action::Atobarai { carrier, .. } => Some(self.company_id(carrier).await?),
            _ => None,
        };
        let tracking = plan.tracking.as_deref();
        let mut items = match plan.items {
            Items::Mapped(ids) => ids,
            Items::FromDetail => {
                let detail = self.detail(unique_key).await?;
                if detail.items.is_empty() {
                    return Err(Outcome::Rejected(RemoteError::new(
                        Some("no_items"),
                        "the BASE order detail lists no order_items",
                    )));
                }
                let pending: Vec<String> = detail
                    .items
                    .iter()
                    .filter(|item| {
                        detail::state(&detail, &plan.action, &item.order_item_id, tracking)
                            != RemoteState::Applied
                    })
                    .map(|item| item.order_item_id.clone())
                    .collect();
                if pending.is_empty() {
                    return Ok(Outcome::AlreadyApplied);
                }
                pending
            }
        };
        if matches!(plan.action, Action::Atobarai { .. }) {
            // Any one item moves the whole order's 後払い status.
            items.truncate(1);
        }
        let mut any_done = false;
        let mut checked: Option<OrderDetail> = None;
        for item in &items {
            let form = plan::form(&plan.action, item, company);
            match self.edit_status(form).await? {
                Answer::Final(Outcome::Done) => any_done = true,
                Answer::Final(outcome) => return Err(outcome),
                Answer::TokenRefused(error) => return Err(Outcome::Auth(error)),
                Answer::CheckRemote(error) => {
                    if checked.is_none() {
                        checked = Some(self.detail(unique_key).await?);
                    }
                    let detail = checked.as_ref().expect("just fetched");
                    match detail::state(detail, &plan.action, item, tracking) {
                        RemoteState::Applied => {
                            tracing::info!(order_item_id = %item, "BASE already shows the change");
                        }
                        RemoteState::NotApplied(why) => {
                            return Err(Outcome::Rejected(RemoteError {
                                message: format!("{} ({why})", error.message),
                                code: error.code,
                            }))
                        }
                    }
                }
            }
        }
        Ok(if any_done {
            Outcome::Done
        } else {
            Outcome::AlreadyApplied
        })
    }
}

#[async_trait]
impl Channel for Base {
    fn name(&self) -> &ChannelName {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Base
    }

    #[tracing::instrument(skip_all, fields(channel = %self.name, order_id = %delivery.order.order_id, task = delivery.task_id))]
    async fn deliver(&self, delivery: &Delivery<'_>) -> Outcome {
        match self.run(delivery).await {
            Ok(outcome) | Err(outcome) => {
                if !outcome.is_success() {
                    tracing::info!(outcome = outcome.kind().as_str(), "BASE change not applied");
                }
                outcome
            }
        }
    }
}
