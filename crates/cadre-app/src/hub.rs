//! The event hub: an in-process broadcast of committed events to live subscribers.
//!
//! Memory is bounded by construction: the hub keeps at most `capacity` recent
//! events (shared, not copied per subscriber). A subscriber that falls further
//! behind than that is not buffered for; it gets [`SubscriptionError::Lagged`] and
//! must resync by replaying from the store with `events_since`.

use std::sync::Arc;

use cadre_core::Event;
use tokio::sync::broadcast;

/// Events kept for slow subscribers before they are told to resync.
pub const DEFAULT_CAPACITY: usize = 1024;

/// Fans committed events out to subscribers.
#[derive(Debug, Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Arc<Event>>,
}

/// Why a subscription yielded no event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// The subscriber fell behind and `skipped` events were dropped for it: reload
    /// state (or replay from the store) and carry on.
    #[error("subscriber fell behind by {skipped} events; resync")]
    Lagged {
        /// How many events were missed.
        skipped: u64,
    },
    /// The hub is gone (server shutting down).
    #[error("event hub closed")]
    Closed,
}

/// One live subscriber.
#[derive(Debug)]
pub struct Subscription {
    receiver: broadcast::Receiver<Arc<Event>>,
}

impl EventHub {
    /// A hub that keeps up to `capacity` events for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self { sender }
    }

    /// Sends `event` to every subscriber. Never blocks, whatever the subscribers do.
    pub fn publish(&self, event: Event) {
        // No subscribers is not an error: the event is in the database already.
        let _ = self.sender.send(Arc::new(event));
    }

    /// Subscribes to events published from now on.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            receiver: self.sender.subscribe(),
        }
    }

    /// Number of live subscribers.
    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}

impl Subscription {
    /// The next event, waiting for one if needed.
    pub async fn recv(&mut self) -> Result<Arc<Event>, SubscriptionError> {
        self.receiver.recv().await.map_err(|e| match e {
            broadcast::error::RecvError::Lagged(skipped) => SubscriptionError::Lagged { skipped },
            broadcast::error::RecvError::Closed => SubscriptionError::Closed,
        })
    }

    /// The next event if one is waiting; `Ok(None)` when there is none yet. Lets a
    /// subscriber take every waiting event in one go (to send them in one write).
    pub fn try_recv(&mut self) -> Result<Option<Arc<Event>>, SubscriptionError> {
        match self.receiver.try_recv() {
            Ok(event) => Ok(Some(event)),
            Err(broadcast::error::TryRecvError::Empty) => Ok(None),
            Err(broadcast::error::TryRecvError::Lagged(skipped)) => {
                Err(SubscriptionError::Lagged { skipped })
            }
            Err(broadcast::error::TryRecvError::Closed) => Err(SubscriptionError::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadre_core::EventKind;

    fn event(seq: i64) -> Event {
        Event {
            seq,
            kind: EventKind::TaskCreated,
            project_id: None,
            task_id: None,
            goal_id: None,
            attempt_id: None,
            payload: serde_json::Value::Null,
            created_at: chrono::Utc::now(),
        }
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_to_resync_instead_of_buffering() {
        let hub = EventHub::new(4);
        let mut slow = hub.subscribe();
        for seq in 1..=10 {
            hub.publish(event(seq));
        }
        assert_eq!(
            slow.recv().await,
            Err(SubscriptionError::Lagged { skipped: 6 })
        );
        // After the resync notice it continues with what the bounded buffer kept.
        assert_eq!(slow.recv().await.map(|e| e.seq), Ok(7));
    }

    #[tokio::test]
    async fn publishing_without_subscribers_is_fine_and_live_subscribers_get_events_in_order() {
        let hub = EventHub::new(8);
        hub.publish(event(1));
        let mut sub = hub.subscribe();
        hub.publish(event(2));
        hub.publish(event(3));
        assert_eq!(sub.recv().await.map(|e| e.seq), Ok(2));
        assert_eq!(sub.recv().await.map(|e| e.seq), Ok(3));
        assert_eq!(hub.subscriber_count(), 1);
    }

    #[test]
    fn try_recv_takes_waiting_events_and_reports_none_or_lag() {
        let hub = EventHub::new(2);
        let mut sub = hub.subscribe();
        assert_eq!(sub.try_recv().map(|e| e.map(|e| e.seq)), Ok(None));
        hub.publish(event(1));
        assert_eq!(sub.try_recv().map(|e| e.map(|e| e.seq)), Ok(Some(1)));
        for seq in 2..=5 {
            hub.publish(event(seq));
        }
        assert_eq!(
            sub.try_recv().map(|e| e.map(|e| e.seq)),
            Err(SubscriptionError::Lagged { skipped: 2 })
        );
    }
}
