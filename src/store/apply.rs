//! Store operations, each applied inside the writer's batch transaction.

use super::codec::{HistoryLog, TaskGroup};
use super::keys::{event_key, group_key, group_of, order_key, slot_of, task_id, GROUP_SLOTS};
use super::ops::*;
use super::records::{EventResult, HistoryEntry, Task, TaskState};
use super::{decode, encode, StoreError};
use crate::domain::{
    self, plan_channel, Applied, Change, ChannelSync, Link, Order, OrderEvent, OrderId,
    OutcomeKind, SourceName, SyncState, Timestamp,
};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

pub(super) type Abort = ConflictableTransactionError<StoreError>;

pub(super) struct Trees<'a> {
    pub orders: &'a TransactionalTree,
    pub events: &'a TransactionalTree,
    pub history: &'a TransactionalTree,
    pub outbox: &'a TransactionalTree,
    pub tokens: &'a TransactionalTree,
}

pub(super) fn apply_op(t: &Trees<'_>, planning: &Planning, op: &Op) -> Result<OpResult, Abort> {
    Ok(match op {
        Op::Ingest { source, event, at } => {
            OpResult::Ingest(ingest(t, planning, source, event, *at)?)
        }
        Op::AddLink { order_id, link, at } => {
            OpResult::AddLink(add_link(t, planning, order_id, link, *at)?)
        }
        Op::Claim {
            task_id,
            lease_until,
        } => OpResult::Claim(claim(t, *task_id, *lease_until)?),
        Op::Finish { task_id, update } => OpResult::Finish(finish(t, *task_id, update)?),
        Op::Requeue { task_ids, at } => OpResult::Requeue(requeue(t, task_ids, *at)?),
        Op::SaveToken { channel, token } => {
            t.tokens.insert(
                channel.as_str().as_bytes(),
                super::tokens::encode_token(token),
            )?;
            OpResult::SaveToken
        }
    })
}

fn corrupt(error: StoreError) -> Abort {
    ConflictableTransactionError::Abort(error)
}

fn read_order(t: &Trees<'_>, order_id: &OrderId) -> Result<Option<Order>, Abort> {
    t.orders
        .get(order_key(order_id))?
        .map(|bytes| decode::<Order>(&bytes).map_err(corrupt))
        .transpose()
}

fn read_group(t: &Trees<'_>, group: u64) -> Result<Option<TaskGroup>, Abort> {
    t.outbox
        .get(group_key(group))?
        .map(|bytes| decode::<TaskGroup>(&bytes).map_err(corrupt))
        .transpose()
}

fn read_task(t: &Trees<'_>, task_id: u64) -> Result<Option<Task>, Abort> {
    Ok(read_group(t, group_of(task_id))?
        .and_then(|group| group.slots.into_iter().nth(slot_of(task_id)))
        .flatten())
}

/// Puts `task` in its slot (`None` empties it); a group with no task left is removed.
fn set_task(t: &Trees<'_>, task_id: u64, task: Option<&Task>) -> Result<(), Abort> {
    let group = group_of(task_id);
    let mut record = read_group(t, group)?.unwrap_or_default();
    let slot = slot_of(task_id);
    if record.slots.len() <= slot {
        record.slots.resize(slot + 1, None);
    }
    record.slots[slot] = task.cloned();
    if record.slots.iter().all(Option::is_none) {
        t.outbox.remove(&group_key(group))?;
    } else {
        t.outbox.insert(&group_key(group), encode(&record))?;
    }
    Ok(())
}

fn write_task(t: &Trees<'_>, task: &Task) -> Result<(), Abort> {
    set_task(t, task.id, Some(task))
}

fn append_history(t: &Trees<'_>, order_id: &OrderId, entry: &HistoryEntry) -> Result<(), Abort> {
    let key = order_key(order_id);
    let log = t.history.get(&key)?;
    t.history
        .insert(key, HistoryLog::append(log.as_deref(), entry))?;
    Ok(())
}

fn ingest(
    t: &Trees<'_>,
    planning: &Planning,
    source: &SourceName,
    event: &OrderEvent,
    at: Timestamp,
) -> Result<IngestOutcome, Abort> {
    let dedupe_key = event_key(source, &event.event_id);
    if t.events.get(&dedupe_key)?.is_some() {
        return Ok(IngestOutcome::Duplicate);
    }
    let stored = read_order(t, &event.order_id)?;
    let applied = match domain::apply(stored.as_ref(), event) {
        Err(rejection) => return Ok(IngestOutcome::Rejected(rejection)),
        Ok(applied) => applied,
    };
    t.events
        .insert(dedupe_key.as_slice(), &at.unix_millis().to_be_bytes())?;
    let result = match applied {
        Applied::Stale => EventResult::Stale,
        Applied::Accepted(_) => EventResult::Accepted,
    };
    let entry = HistoryEntry::Event {
        at,
        event_id: event.event_id.clone(),
        source: source.clone(),
        status: event.status,
        result,
    };
    append_history(t, &event.order_id, &entry)?;
    let Applied::Accepted(order) = applied else {
        let status = stored.map(|o| o.status).unwrap_or(event.status);
        return Ok(IngestOutcome::Stale {
            order_id: event.order_id.clone(),
            status,
        });
    };
    let mut order = *order;
    let changes = domain::plan(stored.as_ref(), &order, &|name| {
        planning.kinds.get(name).copied()
    });
    let tasks = enqueue(t, &mut order, changes, at, planning.first_delay)?;
    t.orders
        .insert(order_key(&order.order_id), encode(&order))?;
    Ok(IngestOutcome::Accepted {
        order_id: order.order_id,
        tasks,
    })
}

/// Writes the changes as one outbox group (a task per change) and points each channel's
/// sync state at its newest task.
fn enqueue(
    t: &Trees<'_>,
    order: &mut Order,
    changes: Vec<Change>,
    at: Timestamp,
    first_delay: std::time::Duration,
) -> Result<Vec<Task>, Abort> {
    let mut tasks = Vec::with_capacity(changes.len());
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        let group = t.outbox.generate_id()?;
        let mut record = TaskGroup::default();
        for (slot, change) in changes.by_ref().take(GROUP_SLOTS).enumerate() {
            let task = Task {
                id: task_id(group, slot),
                order_id: order.order_id.clone(),
                change,
                state: TaskState::Pending,
                attempts: 0,
                auth_failures: 0,
                created_at: at,
                next_attempt_at: at.plus(first_delay),
                lease_until: None,
                last_outcome: None,
                last_error: None,
            };
            point_sync_at(order, &task, at);
            record.slots.push(Some(task.clone()));
            tasks.push(task);
        }
        t.outbox.insert(&group_key(group), encode(&record))?;
    }
    Ok(tasks)
}

fn point_sync_at(order: &mut Order, task: &Task, at: Timestamp) {
    let previous = order.channels.get(task.channel());
    let sync = ChannelSync {
        state: SyncState::Pending,
        status: task.change.target,
        acked: previous.and_then(|p| p.acked),
        attempts: 0,
        last_outcome: previous.and_then(|p| p.last_outcome),
        last_error: None,
        updated_at: at,
        latest_task: task.id,
    };
    order.channels.insert(task.channel().clone(), sync);
}

fn add_link(
    t: &Trees<'_>,
    planning: &Planning,
    order_id: &OrderId,
    link: &Link,
    at: Timestamp,
) -> Result<LinkResult, Abort> {
    let Some(before) = read_order(t, order_id)? else {
        return Ok(Err(LinkError::UnknownOrder(order_id.clone())));
    };
    let mut order = before.clone();
    domain::order::merge_link(&mut order.links, link.clone());
    let changes = match planning.kinds.get(&link.channel) {
        Some(kind) => plan_channel(Some(&before), &order, &link.channel, *kind),
        None => Vec::new(),
    };
    let tasks = enqueue(t, &mut order, changes, at, planning.first_delay)?;
    let entry = HistoryEntry::Link {
        at,
        channel: link.channel.clone(),
        order_id: link.order_id.to_string(),
    };
    append_history(t, order_id, &entry)?;
    t.orders.insert(order_key(order_id), encode(&order))?;
    Ok(Ok((Box::new(order), tasks)))
}

fn claim(t: &Trees<'_>, task_id: u64, lease_until: Timestamp) -> Result<Claimed, Abort> {
    let Some(mut task) = read_task(t, task_id)? else {
        return Ok(None);
    };
    if task.state == TaskState::Dead {
        return Ok(None);
    }
    let Some(order) = read_order(t, &task.order_id)? else {
        return Ok(None);
    };
    task.attempts += 1;
    task.lease_until = Some(lease_until);
    write_task(t, &task)?;
    Ok(Some((Box::new(task), Box::new(order))))
}

fn finish(t: &Trees<'_>, task_id: u64, update: &TaskUpdate) -> Result<Option<Task>, Abort> {
    let Some(mut task) = read_task(t, task_id)? else {
        return Ok(None);
    };
    task.lease_until = None;
    task.last_outcome = Some(update.outcome);
    task.last_error = update.error.clone();
    let (live, sync_state) = match &update.disposition {
        Disposition::Finished => {
            set_task(t, task_id, None)?;
            (None, finished_state(update.outcome))
        }
        Disposition::Reschedule {
            at,
            state,
            attempts,
            auth_failures,
        } => {
            task.state = *state;
            task.next_attempt_at = *at;
            task.attempts = *attempts;
            task.auth_failures = *auth_failures;
            write_task(t, &task)?;
            let sync_state = if *state == TaskState::Auth {
                SyncState::Auth
            } else {
                SyncState::Retrying
            };
            (Some(task.clone()), sync_state)
        }
        Disposition::Dead => {
            task.state = TaskState::Dead;
            write_task(t, &task)?;
            (Some(task.clone()), SyncState::Dead)
        }
    };
    if let Some(mut order) = read_order(t, &task.order_id)? {
        if let Some(sync) = order.channels.get_mut(task.channel()) {
            record_on_sync(sync, &task, update, sync_state);
        }
        t.orders
            .insert(order_key(&order.order_id), encode(&order))?;
    }
    let entry = HistoryEntry::Delivery {
        at: update.at,
        channel: task.channel().clone(),
        task_id,
        status: task.change.target,
        attempt: task.attempts,
        outcome: if sync_state == SyncState::Dead {
            OutcomeKind::Dead
        } else {
            update.outcome
        },
        error: update.error.clone(),
    };
    append_history(t, &task.order_id, &entry)?;
    Ok(live)
}

fn finished_state(outcome: OutcomeKind) -> SyncState {
    match outcome {
        OutcomeKind::Unsupported => SyncState::Unsupported,
        OutcomeKind::Rejected => SyncState::Rejected,
        _ => SyncState::Done,
    }
}

fn record_on_sync(sync: &mut ChannelSync, task: &Task, update: &TaskUpdate, state: SyncState) {
    if matches!(
        update.outcome,
        OutcomeKind::Done | OutcomeKind::AlreadyApplied
    ) {
        sync.acked = Some(task.change.target);
    }
    sync.last_outcome = Some(update.outcome);
    sync.last_error = update.error.clone();
    sync.updated_at = update.at;
    // An older task's outcome is history; the state shown is the newest task's.
    if task.id == sync.latest_task {
        sync.state = state;
        sync.attempts = task.attempts;
    }
}

fn requeue(t: &Trees<'_>, task_ids: &[u64], at: Timestamp) -> Result<Vec<Task>, Abort> {
    let mut requeued = Vec::new();
    for &id in task_ids {
        let Some(mut task) = read_task(t, id)? else {
            continue;
        };
        if task.state == TaskState::Dead {
            // A replayed dead letter starts a fresh schedule.
            task.attempts = 0;
            task.state = TaskState::Pending;
        }
        task.next_attempt_at = at;
        task.lease_until = None;
        write_task(t, &task)?;
        if let Some(mut order) = read_order(t, &task.order_id)? {
            if let Some(sync) = order.channels.get_mut(task.channel()) {
                if sync.latest_task == task.id && sync.state == SyncState::Dead {
                    sync.state = SyncState::Pending;
                    sync.attempts = 0;
                    sync.updated_at = at;
                }
            }
            t.orders
                .insert(order_key(&order.order_id), encode(&order))?;
        }
        append_history(
            t,
            &task.order_id,
            &HistoryEntry::Requeued {
                at,
                channel: task.channel().clone(),
                task_id: id,
            },
        )?;
        requeued.push(task);
    }
    Ok(requeued)
}
