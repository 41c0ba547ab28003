use super::*;
use Status::*;

fn kinds(name: &ChannelName) -> Option<ChannelKind> {
    match name.as_str() {
        "base-jp" => Some(ChannelKind::Base),
        "imweb-kr" => Some(ChannelKind::Imweb),
        "wiz" => Some(ChannelKind::Wizcommerce),
        "youcan-ma" => Some(ChannelKind::Youcan),
        "payco" => Some(ChannelKind::PortonePayco),
        _ => None,
    }
}

/// Applies an event and plans, recording what was planned the way the store does.
fn step(order: Option<&Order>, e: &OrderEvent) -> (Order, Vec<Change>) {
    let mut next = accepted(order, e);
    let changes = plan(order, &next, &kinds);
    for change in &changes {
        next.channels.insert(
            change.channel.clone(),
            ChannelSync {
                state: SyncState::Pending,
                status: change.target,
                acked: None,
                attempts: 0,
                last_outcome: None,
                last_error: None,
                updated_at: e.updated_at,
                latest_task: 0,
            },
        );
    }
    (next, changes)
}

fn targets(changes: &[Change], name: &str) -> Vec<Status> {
    changes
        .iter()
        .filter(|c| c.channel.as_str() == name)
        .map(|c| c.target)
        .collect()
}

#[test]
fn each_step_is_pushed_but_same_remote_state_is_not() {
    let mut e1 = event("e1", Paid, 0);
    e1.links = vec![link("wiz", "W1", &[]), link("youcan-ma", "Y1", &[])];
    let (o, c) = step(None, &e1);
    assert_eq!(targets(&c, "wiz"), vec![Paid]);
    assert_eq!(targets(&c, "youcan-ma"), vec![Paid]);
    let (o, c) = step(Some(&o), &event("e2", Preparing, 1));
    assert_eq!(
        targets(&c, "wiz"),
        Vec::<Status>::new(),
        "confirmed already planned"
    );
    assert_eq!(targets(&c, "youcan-ma"), vec![Preparing]);
    let (_, c) = step(Some(&o), &event("e3", Dispatched, 2));
    assert_eq!(
        targets(&c, "wiz"),
        vec![Dispatched],
        "recorded as unsupported by the worker"
    );
}

#[test]
fn unknown_channels_and_unchanged_orders_plan_nothing() {
    let mut e1 = event("e1", Paid, 0);
    e1.links = vec![link("gone", "G1", &[])];
    let (o, c) = step(None, &e1);
    assert!(c.is_empty());
    let (_, c) = step(Some(&o), &event("e2", Paid, 1));
    assert!(c.is_empty());
}

#[test]
fn partial_shipment_plans_only_the_moved_lines() {
    let mut e1 = event("e1", Preparing, 0);
    e1.items = items(&[("L1", Preparing), ("L2", Preparing), ("L3", Preparing)]);
    e1.links = vec![
        link("base-jp", "B1", &[("L1", "1"), ("L2", "2"), ("L3", "3")]),
        link("payco", "imp_1", &[]),
    ];
    let (o, _) = step(None, &e1);

    let mut e2 = event("e2", Dispatched, 1);
    e2.items = items(&[("L1", Dispatched), ("L2", Dispatched), ("L3", Preparing)]);
    e2.shipment = shipment("T1", Some(&["L1", "L2"]));
    let (o, c) = step(Some(&o), &e2);
    let base: Vec<_> = c
        .iter()
        .filter(|c| c.channel.as_str() == "base-jp")
        .collect();
    assert_eq!(base.len(), 1);
    assert_eq!(base[0].target, Dispatched);
    assert_eq!(base[0].items, Some(vec![line("L1"), line("L2")]));
    assert_eq!(base[0].tracking.as_deref(), Some("T1"));
    assert_eq!(targets(&c, "payco"), vec![Dispatched]);

    let mut e3 = event("e3", Dispatched, 2);
    e3.items = items(&[("L3", Dispatched)]);
    e3.shipment = shipment("T2", Some(&["L3"]));
    let (_, c) = step(Some(&o), &e3);
    assert_eq!(c.len(), 1, "payco's order status did not change: {c:?}");
    assert_eq!(c[0].items, Some(vec![line("L3")]));
    assert_eq!(c[0].tracking.as_deref(), Some("T2"));
}

#[test]
fn tracking_change_is_pushed_to_tracking_channels_only() {
    let mut e1 = event("e1", Dispatched, 0);
    e1.shipment = shipment("T1", None);
    e1.links = vec![link("imweb-kr", "I1", &[]), link("youcan-ma", "Y1", &[])];
    let (o, _) = step(None, &e1);
    let mut e2 = event("e2", Dispatched, 1);
    e2.shipment = shipment("T2", None);
    let (o2, c) = step(Some(&o), &e2);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].channel.as_str(), "imweb-kr");
    assert_eq!(c[0].tracking.as_deref(), Some("T2"));

    let old = Change {
        channel: channel("imweb-kr"),
        target: Dispatched,
        items: None,
        tracking: Some("T1".into()),
    };
    assert!(superseded_by(&old, &o2)
        .unwrap()
        .contains("T1 was replaced by T2"));
    assert_eq!(superseded_by(&c[0], &o2), None);
}

#[test]
fn new_link_gets_the_current_state_only() {
    let (o, _) = step(None, &event("e1", Paid, 0));
    let mut e2 = event("e2", Dispatched, 1);
    e2.shipment = shipment("T1", None);
    let (o, _) = step(Some(&o), &e2);
    let mut linked = o.clone();
    linked
        .links
        .insert(channel("imweb-kr"), link("imweb-kr", "I1", &[]));
    let c = plan_channel(Some(&o), &linked, &channel("imweb-kr"), ChannelKind::Imweb);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].target, Dispatched);
}

#[test]
fn cancel_supersedes_queued_pre_dispatch_changes() {
    let (o, _) = step(None, &event("e1", Paid, 0));
    let o = accepted(Some(&o), &event("e2", Canceled, 1));
    let queued = Change {
        channel: channel("wiz"),
        target: Paid,
        items: None,
        tracking: None,
    };
    assert!(superseded_by(&queued, &o).is_some());
    let cancel = Change {
        target: Canceled,
        ..queued
    };
    assert_eq!(superseded_by(&cancel, &o), None);
}

#[test]
fn changes_within_one_event_go_in_status_order() {
    let mut e1 = event("e1", Dispatched, 0);
    e1.items = items(&[("L2", Canceled), ("L1", Dispatched)]);
    e1.shipment = shipment("T1", Some(&["L1"]));
    e1.links = vec![link("imweb-kr", "I1", &[("L1", "p1"), ("L2", "p2")])];
    let (_, c) = step(None, &e1);
    assert_eq!(targets(&c, "imweb-kr"), vec![Dispatched, Canceled]);
}
