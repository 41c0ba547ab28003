//! Reads. These are blocking sled calls: from async code go through `Store::run`.

use super::codec::{HistoryLog, TaskGroup};
use super::keys::{group_key, group_of, order_key, slot_of};
use super::records::{HistoryEntry, Task, TaskState};
use super::{decode, Store, StoreError};
use crate::channels::auth::StoredToken;
use crate::domain::{ChannelName, Order, OrderId, Status};

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub state: Option<TaskState>,
    pub channel: Option<ChannelName>,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct OrderPage {
    pub orders: Vec<Order>,
    /// The order id to pass as `after` for the next page, when there is one.
    pub next: Option<String>,
}

impl Store {
    pub fn order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        self.inner
            .orders
            .get(order_key(order_id))?
            .map(|bytes| decode::<Order>(&bytes))
            .transpose()
    }

    pub fn history(&self, order_id: &OrderId) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(match self.inner.history.get(order_key(order_id))? {
            Some(log) => decode::<HistoryLog>(&log)?.0,
            None => Vec::new(),
        })
    }

    /// Orders in id order, after `after`, optionally only those with `status`.
    pub fn orders(
        &self,
        status: Option<Status>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<OrderPage, StoreError> {
        let start = match after {
            Some(after) => std::ops::Bound::Excluded(after.as_bytes().to_vec()),
            None => std::ops::Bound::Unbounded,
        };
        let mut orders = Vec::new();
        let mut more = false;
        for entry in self
            .inner
            .orders
            .range::<Vec<u8>, _>((start, std::ops::Bound::Unbounded))
        {
            let (_, bytes) = entry?;
            let order: Order = decode::<Order>(&bytes)?;
            if status.is_some_and(|s| s != order.status) {
                continue;
            }
            if orders.len() == limit {
                more = true;
                break;
            }
            orders.push(order);
        }
        let next = more
            .then(|| orders.last().map(|o| o.order_id.to_string()))
            .flatten();
        Ok(OrderPage { orders, next })
    }

    pub fn task(&self, task_id: u64) -> Result<Option<Task>, StoreError> {
        let group = self.inner.outbox.get(group_key(group_of(task_id)))?;
        Ok(match group {
            None => None,
            Some(bytes) => decode::<TaskGroup>(&bytes)?
                .slots
                .into_iter()
                .nth(slot_of(task_id))
                .flatten(),
        })
    }

    /// Live tasks (pending, retrying, auth, dead) in id order, filtered.
    pub fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let mut tasks = Vec::new();
        for task in self.live_tasks() {
            let task = task?;
            let state_matches = filter.state.is_none_or(|s| s == task.state);
            let channel_matches = filter.channel.as_ref().is_none_or(|c| c == task.channel());
            if state_matches && channel_matches {
                tasks.push(task);
                if tasks.len() == filter.limit {
                    break;
                }
            }
        }
        Ok(tasks)
    }

    /// Every task in the outbox, in id order, handed over one at a time: the engine
    /// loads 100k and more at start, and a Vec of them all would set the process's
    /// peak memory (which the allocator keeps) for the rest of its life.
    pub fn for_each_task(&self, mut each: impl FnMut(Task)) -> Result<(), StoreError> {
        for task in self.live_tasks() {
            each(task?);
        }
        Ok(())
    }

    /// The outbox's tasks in id order (groups in key order, then slots).
    fn live_tasks(&self) -> impl Iterator<Item = Result<Task, StoreError>> + '_ {
        self.inner.outbox.iter().values().flat_map(|bytes| {
            let slots = bytes
                .map_err(StoreError::from)
                .and_then(|bytes| decode::<TaskGroup>(&bytes));
            let (tasks, error) = match slots {
                Ok(group) => (group.slots, None),
                Err(error) => (Vec::new(), Some(Err(error))),
            };
            tasks.into_iter().flatten().map(Ok).chain(error)
        })
    }

    pub fn token(&self, channel: &ChannelName) -> Result<Option<StoredToken>, StoreError> {
        self.inner
            .tokens
            .get(channel.as_str().as_bytes())?
            .map(|bytes| super::tokens::decode_token(&bytes))
            .transpose()
    }

    pub fn order_count(&self) -> usize {
        self.inner.orders.len()
    }
}
