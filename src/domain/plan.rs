//! Which changes each linked channel must receive when an order moves (pure).
//!
//! Rules (CHANNELS.md): a channel only gets a change when its own mapped state changes;
//! every accepted change is pushed on its own, in order; a channel that learns of an
//! order (or is newly linked) gets the current state only; a new tracking number on a
//! dispatched order is pushed again where the dispatch call carries tracking.

use super::channel_kind::ChannelKind;
use super::event::Shipment;
use super::ids::{ChannelName, LineId};
use super::order::Order;
use super::status::Status;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub channel: ChannelName,
    pub target: Status,
    /// The lines this change concerns; `None` for the whole order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<LineId>>,
    /// The tracking number a dispatch carries, to spot a newer one replacing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
}

fn dispatch_tracking(status: Status, shipment: Option<&Shipment>) -> Option<String> {
    (status == Status::Dispatched)
        .then(|| shipment.map(|s| s.tracking_number.clone()))
        .flatten()
}

/// Changes for every linked channel whose kind is known, in the order they must be sent.
pub fn plan(
    old: Option<&Order>,
    new: &Order,
    kind_of: &dyn Fn(&ChannelName) -> Option<ChannelKind>,
) -> Vec<Change> {
    new.links
        .keys()
        .filter_map(|channel| kind_of(channel).map(|kind| (channel, kind)))
        .flat_map(|(channel, kind)| plan_channel(old, new, channel, kind))
        .collect()
}

/// Changes for one channel. `old` is the order before this change (`None` when new).
pub fn plan_channel(
    old: Option<&Order>,
    new: &Order,
    channel: &ChannelName,
    kind: ChannelKind,
) -> Vec<Change> {
    let baseline = old.filter(|old| {
        matches!(
            (old.links.get(channel), new.links.get(channel)),
            (Some(before), Some(now)) if before.order_id == now.order_id
        )
    });
    if kind.item_level() && !new.items.is_empty() {
        item_changes(baseline, new, channel)
    } else {
        order_change(baseline, new, channel, kind)
            .into_iter()
            .collect()
    }
}

fn order_change(
    baseline: Option<&Order>,
    new: &Order,
    channel: &ChannelName,
    kind: ChannelKind,
) -> Option<Change> {
    let tracking = dispatch_tracking(new.status, new.shipment.as_ref());
    if let Some(before) = baseline {
        let tracking_moved = kind.carries_tracking()
            && before.status == new.status
            && dispatch_tracking(before.status, before.shipment.as_ref()) != tracking;
        if before.status == new.status && !tracking_moved {
            return None;
        }
        let step = kind.remote_step(new.status);
        let last_planned = new.channels.get(channel).map(|sync| sync.status);
        if !tracking_moved
            && step.is_some()
            && last_planned.map(|s| kind.remote_step(s)) == Some(step)
        {
            return None;
        }
    }
    Some(Change {
        channel: channel.clone(),
        target: new.status,
        items: None,
        tracking,
    })
}

fn item_changes(baseline: Option<&Order>, new: &Order, channel: &ChannelName) -> Vec<Change> {
    let mut groups: Vec<(Status, Option<String>, Vec<LineId>)> = Vec::new();
    for item in &new.items {
        let tracking = dispatch_tracking(item.status, item.shipment.as_ref());
        let changed = match baseline.and_then(|b| b.item(&item.id)) {
            None => true,
            Some(before) => {
                before.status != item.status
                    || dispatch_tracking(before.status, before.shipment.as_ref()) != tracking
            }
        };
        if !changed {
            continue;
        }
        match groups
            .iter_mut()
            .find(|(s, t, _)| *s == item.status && *t == tracking)
        {
            Some((_, _, ids)) => ids.push(item.id.clone()),
            None => groups.push((item.status, tracking, vec![item.id.clone()])),
        }
    }
    groups.sort_by_key(|(status, _, _)| *status);
    groups
        .into_iter()
        .map(|(target, tracking, ids)| Change {
            channel: channel.clone(),
            target,
            items: (ids.len() != new.items.len()).then_some(ids),
            tracking,
        })
        .collect()
}

/// Why a queued change no longer needs sending, if a later change made it moot.
pub fn superseded_by(change: &Change, order: &Order) -> Option<String> {
    let scoped = change
        .items
        .as_ref()
        .and_then(|ids| ids.iter().find_map(|id| order.item(id)));
    let (status_now, shipment_now) = match scoped {
        Some(item) => (
            item.status,
            item.shipment.as_ref().or(order.shipment.as_ref()),
        ),
        None => (order.status, order.shipment.as_ref()),
    };
    if status_now == Status::Canceled
        && matches!(
            change.target,
            Status::Placed | Status::Paid | Status::Preparing
        )
    {
        return Some(format!(
            "the order was canceled before {} was sent",
            change.target
        ));
    }
    let tracking_now = shipment_now.map(|s| s.tracking_number.as_str());
    match (&change.tracking, tracking_now) {
        (Some(sent), Some(now)) if change.target == Status::Dispatched && sent != now => {
            Some(format!("tracking number {sent} was replaced by {now}"))
        }
        _ => None,
    }
}
