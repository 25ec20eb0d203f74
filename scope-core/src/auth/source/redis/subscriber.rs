//! Waking waiters: one subscription per process, not one connection per wait.
//!
//! The store's connection speaks RESP3, in which a connection may subscribe
//! and still send commands: pub/sub messages arrive as push messages on the
//! same connection (on a cluster, `SSUBSCRIBE`d on the node that holds the
//! channel's slot). A dispatcher task reads them and wakes the waiters of that
//! channel. Waiters register their interest per channel; the first one
//! subscribes, the last one to leave unsubscribes. After a reconnection the
//! channels still wanted are subscribed again. A lost message costs a waiter
//! one poll interval, nothing more: waiters poll as well.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use redis::{PushInfo, PushKind, Value};
use tokio::sync::{Notify, OnceCell};

/// The channels this process waits on.
#[derive(Default)]
pub(super) struct Subscriber {
    /// Each channel, with how many waiters it has.
    channels: Mutex<HashMap<String, (usize, Arc<Channel>)>>,
}

/// One channel: its waiters, and whether it was subscribed.
pub(super) struct Channel {
    notify: Notify,
    /// Set once the first waiter's `SUBSCRIBE` was answered (or failed: then
    /// the waiters poll); later waiters wait for it instead of sending
    /// another.
    pub(super) subscribed: OnceCell<bool>,
}

impl Channel {
    /// Wakes every waiter registered on it.
    pub(super) fn wake(&self) {
        self.notify.notify_waiters();
    }

    /// The wake-up to wait for: create it, `enable` it, then look.
    pub(super) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
}

impl Subscriber {
    fn channels(&self) -> MutexGuard<'_, HashMap<String, (usize, Arc<Channel>)>> {
        self.channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers one more waiter on `name`.
    pub(super) fn register(&self, name: &str) -> Arc<Channel> {
        let mut channels = self.channels();
        let (waiters, channel) = channels.entry(name.to_owned()).or_insert_with(|| {
            let channel = Channel {
                notify: Notify::new(),
                subscribed: OnceCell::new(),
            };
            (0, Arc::new(channel))
        });
        *waiters += 1;
        Arc::clone(channel)
    }

    /// One waiter less on `name`: `true` when it was the last (the channel is
    /// then forgotten, and may be unsubscribed).
    pub(super) fn unregister(&self, name: &str) -> bool {
        let mut channels = self.channels();
        let Some((waiters, _)) = channels.get_mut(name) else {
            return false;
        };
        *waiters = waiters.saturating_sub(1);
        if *waiters > 0 {
            return false;
        }
        channels.remove(name);
        true
    }

    /// Whether someone waits on `name` (an unsubscription checks it last).
    pub(super) fn is_wanted(&self, name: &str) -> bool {
        self.channels().contains_key(name)
    }

    /// The channels waited on now, to subscribe again on a new connection.
    pub(super) fn wanted(&self) -> Vec<String> {
        self.channels().keys().cloned().collect()
    }

    /// Wakes every waiter: their connection changed, they look again.
    pub(super) fn wake_all(&self) {
        for (_, channel) in self.channels().values() {
            channel.wake();
        }
    }

    /// Handles one push message: a message on a channel wakes its waiters;
    /// a lost connection wakes everyone.
    pub(super) fn dispatch(&self, push: &PushInfo) {
        match push.kind {
            PushKind::Message | PushKind::SMessage => {
                let name = match push.data.first() {
                    Some(Value::BulkString(bytes)) => std::str::from_utf8(bytes).ok(),
                    Some(Value::SimpleString(text)) => Some(text.as_str()),
                    _ => None,
                };
                if let Some(channel) = name.and_then(|name| {
                    self.channels()
                        .get(name)
                        .map(|(_, channel)| Arc::clone(channel))
                }) {
                    channel.wake();
                }
            }
            PushKind::Disconnection => self.wake_all(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: PushKind, channel: &str) -> PushInfo {
        PushInfo {
            kind,
            data: vec![
                Value::BulkString(channel.as_bytes().to_vec()),
                Value::BulkString(b"1".to_vec()),
            ],
        }
    }

    #[tokio::test]
    async fn a_message_wakes_the_waiters_of_its_channel_only() {
        let subscriber = Subscriber::default();
        let a = subscriber.register("a");
        let b = subscriber.register("b");
        let woken_a = a.notified();
        let woken_b = b.notified();
        tokio::pin!(woken_a, woken_b);
        woken_a.as_mut().enable();
        woken_b.as_mut().enable();
        subscriber.dispatch(&message(PushKind::SMessage, "a"));
        tokio::time::timeout(std::time::Duration::from_secs(1), woken_a)
            .await
            .expect("woken");
        assert!(futures_util::FutureExt::now_or_never(woken_b).is_none());
    }

    #[test]
    fn the_last_waiter_forgets_the_channel() {
        let subscriber = Subscriber::default();
        subscriber.register("a");
        subscriber.register("a");
        assert!(!subscriber.unregister("a"));
        assert!(subscriber.is_wanted("a"));
        assert!(subscriber.unregister("a"));
        assert!(!subscriber.is_wanted("a"));
        assert!(subscriber.wanted().is_empty());
    }
}
