//! Shared by the connector tests: a connector's dependencies pointed at wiremock, and
//! hand-built orders, changes and links.

use ordersync::channels::auth::MemoryTokenStore;
use ordersync::channels::http::ChannelHttp;
use ordersync::channels::{ChannelStats, ConnectorDeps, Delivery};
use ordersync::delivery::rate_limit::RateLimiter;
use ordersync::domain::{
    Cancel, Change, ChannelName, Item, LineId, Link, Order, OrderId, RemoteId, Shipment, Status,
    Timestamp,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use wiremock::{MockServer, Request};

pub fn deps_with_timeout(timeout: Duration) -> (ConnectorDeps, Arc<ChannelStats>) {
    let stats = Arc::new(ChannelStats::default());
    let deps = ConnectorDeps {
        http: ChannelHttp::new(
            ChannelHttp::client(timeout),
            Arc::new(RateLimiter::unlimited()),
        ),
        tokens: Arc::new(MemoryTokenStore::default()),
        stats: stats.clone(),
    };
    (deps, stats)
}

pub fn deps() -> (ConnectorDeps, Arc<ChannelStats>) {
    deps_with_timeout(Duration::from_secs(5))
}

pub fn channel() -> ChannelName {
    ChannelName::parse("shop").unwrap()
}

pub fn line(id: &str) -> LineId {
    LineId::parse(id).unwrap()
}

pub fn shipment(carrier: &str, tracking: &str) -> Shipment {
    Shipment {
        carrier: carrier.to_string(),
        tracking_number: tracking.to_string(),
    }
}

pub fn cancel(reason: Option<&str>) -> Option<Cancel> {
    Some(Cancel {
        reason: reason.map(str::to_string),
        note: None,
    })
}

/// One delivery's inputs: the order as it stands, the change and the channel's link.
pub struct Case {
    pub order: Order,
    pub change: Change,
    pub link: Link,
}

impl Case {
    /// Order 1001 at `target`, linked to remote order `remote_id`, without items.
    pub fn new(target: Status, remote_id: &str) -> Self {
        let link = Link {
            channel: channel(),
            order_id: RemoteId::parse(remote_id).unwrap(),
            items: BTreeMap::new(),
        };
        Self {
            order: Order {
                order_id: OrderId::parse("1001").unwrap(),
                status: target,
                updated_at: Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").unwrap(),
                payment_method: None,
                items: Vec::new(),
                shipment: None,
                return_shipment: None,
                cancel: None,
                links: BTreeMap::from([(channel(), link.clone())]),
                channels: BTreeMap::new(),
            },
            change: Change {
                channel: channel(),
                target,
                items: None,
                tracking: None,
            },
            link,
        }
    }

    pub fn with_shipment(mut self, carrier: &str, tracking: &str) -> Self {
        self.order.shipment = Some(shipment(carrier, tracking));
        self.change.tracking = Some(tracking.to_string());
        self
    }

    /// Adds a line at the order's status, mapped to `remote` when given.
    pub fn with_item(mut self, id: &str, remote: Option<&str>) -> Self {
        self.order.items.push(Item {
            id: line(id),
            quantity: Some(1),
            status: self.order.status,
            shipment: None,
        });
        if let Some(remote) = remote {
            self.link
                .items
                .insert(line(id), RemoteId::parse(remote).unwrap());
            self.order.links.insert(channel(), self.link.clone());
        }
        self
    }

    /// Scopes the change to these lines.
    pub fn scoped_to(mut self, ids: &[&str]) -> Self {
        self.change.items = Some(ids.iter().map(|id| line(id)).collect());
        self
    }

    pub fn delivery(&self) -> Delivery<'_> {
        Delivery {
            task_id: 1,
            change: &self.change,
            order: &self.order,
            link: &self.link,
            acked: None,
            attempt: 1,
        }
    }
}

/// The requests the server got on `path`, in arrival order.
pub async fn requests_to(server: &MockServer, path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .into_iter()
        .filter(|r| r.url.path() == path)
        .collect()
}

pub fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header on {}", request.url))
}

pub fn json_body(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

/// Every request carries our User-Agent.
pub async fn assert_user_agent(server: &MockServer) {
    for request in server.received_requests().await.unwrap() {
        let agent = header(&request, "user-agent");
        assert!(agent.starts_with("ordersync/"), "{agent}");
    }
}
