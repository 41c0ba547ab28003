use super::*;
use crate::config::Durability;
use crate::domain::*;
use std::collections::BTreeMap;
use std::time::Duration;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000 + seconds).unwrap()
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("store"), Durability::Flush, 1 << 20).unwrap()
}

fn planning() -> Planning {
    Planning {
        kinds: BTreeMap::from([(ChannelName::parse("wiz").unwrap(), ChannelKind::Wizcommerce)]),
        first_delay: Duration::ZERO,
    }
}

fn ingest(order: &str, id: &str, status: Status, seconds: i64, when: Timestamp) -> Op {
    Op::Ingest {
        source: SourceName::parse("primary").unwrap(),
        event: Box::new(OrderEvent {
            event_id: EventId::parse(id).unwrap(),
            kind: "order.updated".into(),
            order_id: OrderId::parse(order).unwrap(),
            status,
            updated_at: at(seconds),
            payment_method: None,
            items: None,
            shipment: None,
            cancel: None,
            links: vec![Link {
                channel: ChannelName::parse("wiz").unwrap(),
                order_id: RemoteId::parse("W1").unwrap(),
                items: BTreeMap::new(),
            }],
        }),
        at: when,
    }
}

async fn submit(writer: &Writer, op: Op) -> OpResult {
    writer.submit(op).await.unwrap()
}

#[tokio::test]
async fn a_store_from_a_newer_build_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    store
        .inner
        .meta
        .insert("schema_version", &99u32.to_be_bytes())
        .unwrap();
    store.sync().unwrap();
    drop(store);
    let error = Store::open(&dir.path().join("store"), Durability::Flush, 1 << 20)
        .err()
        .unwrap();
    let text = error.to_string();
    assert!(
        text.contains("schema version 99")
            && text.contains("reads version 3")
            && text.contains("newer ordersync"),
        "{text}"
    );
}

#[tokio::test]
async fn concurrent_requests_are_all_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (writer, mut committed, task) = spawn_writer(store.clone(), planning());
    let mut handles = Vec::new();
    for n in 0..200 {
        let writer = writer.clone();
        handles.push(tokio::spawn(async move {
            submit(
                &writer,
                ingest(&format!("o{n}"), &format!("e{n}"), Status::Paid, 0, at(0)),
            )
            .await
        }));
    }
    for handle in handles {
        assert!(matches!(
            handle.await.unwrap(),
            OpResult::Ingest(IngestOutcome::Accepted { .. })
        ));
    }
    let mut due = 0;
    while let Ok(batch) = committed.try_recv() {
        due += batch.len();
    }
    assert_eq!(due, 200, "every new task is handed to the scheduler");
    assert_eq!(store.order_count(), 200);
    assert_eq!(
        store
            .tasks(&TaskFilter {
                limit: usize::MAX,
                ..Default::default()
            })
            .unwrap()
            .len(),
        200
    );
    drop(writer);
    task.await.unwrap();
}

#[tokio::test]
async fn pruning_forgets_old_dedupe_keys_and_history_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (writer, _committed, _task) = spawn_writer(store.clone(), planning());
    submit(&writer, ingest("o1", "old", Status::Paid, 0, at(0))).await;
    submit(
        &writer,
        ingest("o1", "new", Status::Preparing, 10, at(1000)),
    )
    .await;
    let pruned = store.prune(at(500)).unwrap();
    assert_eq!(
        pruned,
        prune::Pruned {
            dedupe_keys: 1,
            history_entries: 1
        }
    );
    let order_id = OrderId::parse("o1").unwrap();
    let history = store.history(&order_id).unwrap();
    assert_eq!(history.len(), 1);
    assert!(
        matches!(&history[0], HistoryEntry::Event { event_id, .. } if event_id.as_str() == "new")
    );
    assert_eq!(
        store.order(&order_id).unwrap().unwrap().status,
        Status::Preparing,
        "orders are kept"
    );
    // The forgotten id is no longer a duplicate (it is stale now, by its timestamp).
    let again = submit(&writer, ingest("o1", "old", Status::Paid, 0, at(1001))).await;
    assert!(
        matches!(again, OpResult::Ingest(IngestOutcome::Stale { .. })),
        "{again:?}"
    );
    let again = submit(
        &writer,
        ingest("o1", "new", Status::Preparing, 10, at(1002)),
    )
    .await;
    assert_eq!(again, OpResult::Ingest(IngestOutcome::Duplicate));
}

#[tokio::test]
async fn outcomes_of_older_tasks_do_not_override_the_newest_state() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (writer, _committed, _task) = spawn_writer(store.clone(), planning());
    let OpResult::Ingest(IngestOutcome::Accepted { tasks: first, .. }) =
        submit(&writer, ingest("o1", "e1", Status::Paid, 0, at(0))).await
    else {
        panic!("accepted")
    };
    let OpResult::Ingest(IngestOutcome::Accepted { tasks: second, .. }) =
        submit(&writer, ingest("o1", "e2", Status::Canceled, 5, at(5))).await
    else {
        panic!("accepted")
    };
    let claimed = submit(
        &writer,
        Op::Claim {
            task_id: first[0].id,
            lease_until: at(100),
        },
    )
    .await;
    assert!(matches!(&claimed, OpResult::Claim(Some((task, _))) if task.attempts == 1));
    let update = TaskUpdate {
        at: at(6),
        outcome: OutcomeKind::Superseded,
        error: None,
        disposition: Disposition::Finished,
    };
    submit(
        &writer,
        Op::Finish {
            task_id: first[0].id,
            update,
        },
    )
    .await;
    let order = store
        .order(&OrderId::parse("o1").unwrap())
        .unwrap()
        .unwrap();
    let sync = &order.channels[&ChannelName::parse("wiz").unwrap()];
    assert_eq!(
        (sync.state, sync.status, sync.latest_task),
        (SyncState::Pending, Status::Canceled, second[0].id)
    );
    assert_eq!(sync.last_outcome, Some(OutcomeKind::Superseded));
    assert!(
        store.task(first[0].id).unwrap().is_none(),
        "a finished task leaves the outbox"
    );
    assert!(store.task(second[0].id).unwrap().is_some());
}

/// One event's tasks share one outbox record, which goes when the last of them does.
#[tokio::test]
async fn tasks_enqueued_together_share_one_record_until_the_last_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut planning = planning();
    let base = ChannelName::parse("base").unwrap();
    planning.kinds.insert(base.clone(), ChannelKind::Base);
    let (writer, _committed, _task) = spawn_writer(store.clone(), planning);
    let Op::Ingest {
        source,
        mut event,
        at: when,
    } = ingest("o1", "e1", Status::Paid, 0, at(0))
    else {
        unreachable!()
    };
    event.links.push(Link {
        channel: base,
        order_id: RemoteId::parse("B1").unwrap(),
        items: BTreeMap::new(),
    });
    let OpResult::Ingest(IngestOutcome::Accepted { tasks, .. }) = submit(
        &writer,
        Op::Ingest {
            source,
            event,
            at: when,
        },
    )
    .await
    else {
        panic!("accepted")
    };
    let ids: Vec<u64> = tasks.iter().map(|t| t.id).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[1], ids[0] + 1, "consecutive slots of one group");
    assert_eq!(store.inner.outbox.len(), 1);

    let finish = |task_id| Op::Finish {
        task_id,
        update: TaskUpdate {
            at: at(1),
            outcome: OutcomeKind::Done,
            error: None,
            disposition: Disposition::Finished,
        },
    };
    submit(&writer, finish(ids[0])).await;
    assert_eq!(store.task(ids[0]).unwrap(), None);
    assert_eq!(store.task(ids[1]).unwrap().map(|t| t.id), Some(ids[1]));
    assert_eq!(store.inner.outbox.len(), 1);
    let mut listed = Vec::new();
    store.for_each_task(|t| listed.push(t.id)).unwrap();
    assert_eq!(listed, vec![ids[1]]);

    submit(&writer, finish(ids[1])).await;
    assert_eq!(store.task(ids[1]).unwrap(), None);
    assert_eq!(store.inner.outbox.len(), 0, "the empty group is removed");
}
