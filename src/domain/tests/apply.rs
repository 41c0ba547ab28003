use super::*;
use Status::*;

#[test]
fn first_event_creates_the_order() {
    let mut e = event("e1", Paid, 0);
    e.payment_method = Some(PaymentMethod::Cod);
    e.links = vec![link("base-jp", "B1", &[("L1", "123")])];
    let order = accepted(None, &e);
    assert_eq!(order.status, Paid);
    assert_eq!(order.updated_at, at(0));
    assert_eq!(order.payment_method, Some(PaymentMethod::Cod));
    assert_eq!(
        order.links[&channel("base-jp")].items[&line("L1")].as_str(),
        "123"
    );
}

#[test]
fn older_event_is_stale() {
    let order = accepted(None, &event("e1", Dispatched, 10));
    assert_eq!(
        apply(Some(&order), &event("e2", Paid, 5)),
        Ok(Applied::Stale)
    );
    assert_eq!(
        apply(Some(&order), &event("e2", Delivered, 5)),
        Ok(Applied::Stale)
    );
}

#[test]
fn cancel_after_dispatch_is_invalid() {
    let order = accepted(None, &event("e1", Dispatched, 10));
    assert_eq!(
        apply(Some(&order), &event("e2", Canceled, 11)),
        Err(Rejection::InvalidTransition {
            from: Dispatched,
            to: Canceled
        })
    );
}

#[test]
fn items_follow_their_own_rules() {
    let mut e1 = event("e1", Preparing, 0);
    e1.items = items(&[("L1", Preparing), ("L2", Preparing)]);
    let order = accepted(None, &e1);

    let mut e2 = event("e2", Dispatched, 5);
    e2.items = items(&[("L1", Dispatched), ("L2", Preparing)]);
    e2.shipment = shipment("111", Some(&["L1"]));
    let order = accepted(Some(&order), &e2);
    assert_eq!(order.item(&line("L1")).unwrap().status, Dispatched);
    assert_eq!(
        order
            .item(&line("L1"))
            .unwrap()
            .shipment
            .as_ref()
            .unwrap()
            .tracking_number,
        "111"
    );
    assert_eq!(order.item(&line("L2")).unwrap().status, Preparing);
    assert!(order.item(&line("L2")).unwrap().shipment.is_none());

    let mut back = event("e3", Dispatched, 6);
    back.items = items(&[("L1", Paid)]);
    assert_eq!(
        apply(Some(&order), &back),
        Err(Rejection::InvalidItemTransition {
            item: line("L1"),
            from: Dispatched,
            to: Paid
        })
    );
}

#[test]
fn order_without_items_moves_its_lines_where_allowed() {
    let mut e1 = event("e1", Preparing, 0);
    e1.items = items(&[("L1", Dispatched), ("L2", Preparing)]);
    let order = accepted(None, &e1);
    let order = accepted(Some(&order), &event("e2", Delivered, 1));
    assert_eq!(order.item(&line("L1")).unwrap().status, Delivered);
    assert_eq!(order.item(&line("L2")).unwrap().status, Delivered);
}

#[test]
fn unknown_shipment_line_is_rejected() {
    let mut e1 = event("e1", Dispatched, 0);
    e1.items = items(&[("L1", Dispatched)]);
    e1.shipment = shipment("1", Some(&["L9"]));
    assert_eq!(
        apply(None, &e1),
        Err(Rejection::UnknownShipmentItem(line("L9")))
    );
}

#[test]
fn links_accumulate() {
    let mut e1 = event("e1", Paid, 0);
    e1.links = vec![link("base-jp", "B1", &[("L1", "123")])];
    let order = accepted(None, &e1);
    let mut e2 = event("e2", Paid, 1);
    e2.links = vec![
        link("base-jp", "B1", &[("L2", "124")]),
        link("wiz", "W1", &[]),
    ];
    let order = accepted(Some(&order), &e2);
    assert_eq!(order.links.len(), 2);
    assert_eq!(order.links[&channel("base-jp")].items.len(), 2);
}

#[test]
fn new_tracking_number_replaces_the_old() {
    let mut e1 = event("e1", Dispatched, 0);
    e1.shipment = shipment("111", None);
    let order = accepted(None, &e1);
    let mut e2 = event("e2", Dispatched, 1);
    e2.shipment = shipment("222", None);
    let order = accepted(Some(&order), &e2);
    assert_eq!(order.shipment.unwrap().tracking_number, "222");
}

#[test]
fn a_return_parcel_does_not_replace_the_outbound_shipment() {
    let mut e1 = event("e1", Dispatched, 0);
    e1.shipment = shipment("OUT-1", None);
    let order = accepted(None, &e1);
    let mut e2 = event("e2", Returned, 5);
    e2.shipment = shipment("BACK-1", None);
    let order = accepted(Some(&order), &e2);
    assert_eq!(order.shipment.unwrap().tracking_number, "OUT-1");
    assert_eq!(order.return_shipment.unwrap().tracking_number, "BACK-1");
}
