use super::transition::allowed;
use super::*;
use proptest::prelude::*;

fn any_status() -> impl Strategy<Value = Status> {
    proptest::sample::select(Status::ALL.to_vec())
}

fn any_events() -> impl Strategy<Value = Vec<OrderEvent>> {
    proptest::collection::vec(
        (any_status(), 0i64..50, proptest::option::of(any_status())),
        1..30,
    )
    .prop_map(|steps| {
        steps
            .into_iter()
            .enumerate()
            .map(|(n, (status, seconds, line_status))| {
                let mut e = event(&format!("e{n}"), status, seconds);
                e.items = line_status.and_then(|s| items(&[("L1", s)]));
                e
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn no_sequence_moves_an_order_backwards(events in any_events()) {
        let mut order: Option<Order> = None;
        for e in &events {
            if let Ok(Applied::Accepted(next)) = apply(order.as_ref(), e) {
                if let Some(before) = &order {
                    prop_assert!(allowed(before.status, next.status), "{} -> {}", before.status, next.status);
                    prop_assert!(next.updated_at >= before.updated_at);
                    for item in &next.items {
                        if let Some(old) = before.item(&item.id) {
                            prop_assert!(allowed(old.status, item.status), "line {} -> {}", old.status, item.status);
                        }
                    }
                }
                order = Some(*next);
            }
        }
    }

    #[test]
    fn applying_an_event_twice_equals_applying_it_once(events in any_events()) {
        let mut order: Option<Order> = None;
        for e in &events {
            if let Ok(Applied::Accepted(once)) = apply(order.as_ref(), e) {
                let twice = match apply(Some(&once), e) {
                    Ok(Applied::Accepted(twice)) => twice,
                    other => return Err(TestCaseError::fail(format!("second apply: {other:?}"))),
                };
                prop_assert_eq!(&twice, &once);
                order = Some(*once);
            }
        }
    }

    #[test]
    fn stale_events_change_nothing(events in any_events(), status in any_status(), back in 1i64..20) {
        if let Some(order) = run(&events) {
            let old = event("late", status, 0);
            let late = OrderEvent { updated_at: order.updated_at.minus(std::time::Duration::from_secs(back as u64)), ..old };
            prop_assert_eq!(apply(Some(&order), &late), Ok(Applied::Stale));
        }
    }

    #[test]
    fn plans_only_name_linked_channels_and_repeat_nothing(events in any_events()) {
        let mut order: Option<Order> = None;
        for (n, e) in events.iter().enumerate() {
            let mut e = e.clone();
            if n == 0 { e.links = vec![link("wiz", "W1", &[])]; }
            if let Ok(Applied::Accepted(next)) = apply(order.as_ref(), &e) {
                let changes = plan(order.as_ref(), &next, &|_| Some(ChannelKind::Wizcommerce));
                for change in &changes { prop_assert_eq!(change.channel.as_str(), "wiz"); }
                let again = plan(Some(&next), &next, &|_| Some(ChannelKind::Wizcommerce));
                prop_assert!(again.is_empty(), "replanning an unchanged order: {again:?}");
                order = Some(*next);
            }
        }
    }
}
