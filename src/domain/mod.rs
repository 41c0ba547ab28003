//! Pure domain: statuses and their state machine, events, orders, carriers, channel
//! mappings, delivery planning and outcomes. Nothing here does I/O or reads the clock.

pub mod carrier;
pub mod channel_kind;
pub mod event;
pub mod ids;
pub mod order;
pub mod plan;
pub mod status;
pub mod sync;
pub mod time;
pub mod transition;

#[cfg(test)]
mod tests;

pub use channel_kind::ChannelKind;
pub use event::{Cancel, ItemUpdate, Link, OrderEvent, PaymentMethod, Shipment, ShipmentUpdate};
pub use ids::{ChannelName, EventId, IdError, LineId, OrderId, RemoteId, SourceName};
pub use order::{apply, Applied, Item, Order, Rejection};
pub use plan::{plan, plan_channel, superseded_by, Change};
pub use status::Status;
pub use sync::{ChannelSync, Outcome, OutcomeKind, RemoteError, SyncState};
pub use time::Timestamp;
