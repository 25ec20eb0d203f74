//! One request in progress, and everyone waiting for its answer: tasks (through
//! tokio's `Notify`) and threads (through a `Condvar`).

use std::pin::pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::Notify;

/// A request that failed, shared by every caller that waited for it.
#[derive(Debug)]
pub(crate) struct Failure<E> {
    /// The error of the request.
    pub error: Arc<E>,
    /// When the cache will next ask the server, if it has decided.
    pub retry_at: Option<Instant>,
}

impl<E> Clone for Failure<E> {
    fn clone(&self) -> Self {
        Failure {
            error: Arc::clone(&self.error),
            retry_at: self.retry_at,
        }
    }
}

/// How a flight ended.
#[derive(Debug)]
pub(crate) enum Outcome<T, E> {
    /// The request was answered.
    Done(Result<Arc<T>, Failure<E>>),
    /// Whoever ran the request stopped before it was answered (a cancelled
    /// task, a runtime shut down): waiters start over.
    Abandoned,
}

impl<T, E> Clone for Outcome<T, E> {
    fn clone(&self) -> Self {
        match self {
            Outcome::Done(Ok(value)) => Outcome::Done(Ok(Arc::clone(value))),
            Outcome::Done(Err(failure)) => Outcome::Done(Err(failure.clone())),
            Outcome::Abandoned => Outcome::Abandoned,
        }
    }
}

/// The meeting point of one request and its waiters. The outcome is set once.
#[derive(Debug)]
pub(crate) struct Flight<T, E> {
    outcome: Mutex<Option<Outcome<T, E>>>,
    tasks: Notify,
    threads: Condvar,
}

impl<T, E> Flight<T, E> {
    pub fn new() -> Self {
        Flight {
            outcome: Mutex::new(None),
            tasks: Notify::new(),
            threads: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Outcome<T, E>>> {
        // The guarded data is a plain Option written in one step: a panic
        // elsewhere cannot leave it half-written.
        self.outcome
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records the outcome (the first one wins) and wakes every waiter.
    pub fn land(&self, outcome: Outcome<T, E>) {
        let mut slot = self.lock();
        if slot.is_none() {
            *slot = Some(outcome);
        }
        drop(slot);
        self.tasks.notify_waiters();
        self.threads.notify_all();
    }

    /// Waits, as a task, until the flight lands.
    pub async fn wait(&self) -> Outcome<T, E> {
        loop {
            // Registered before the check, so a landing in between still wakes us.
            let mut notified = pin!(self.tasks.notified());
            notified.as_mut().enable();
            if let Some(outcome) = self.lock().as_ref() {
                return outcome.clone();
            }
            notified.await;
        }
    }

    /// Waits, blocking the thread, until the flight lands.
    #[cfg(any(feature = "blocking", test))]
    pub fn wait_blocking(&self) -> Outcome<T, E> {
        let mut slot = self.lock();
        loop {
            if let Some(outcome) = slot.as_ref() {
                return outcome.clone();
            }
            slot = self
                .threads
                .wait(slot)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_waiter_sees_the_outcome() {
        let flight = Arc::new(Flight::<u32, String>::new());
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let flight = Arc::clone(&flight);
                tokio::spawn(async move { flight.wait().await })
            })
            .collect();
        let thread = {
            let flight = Arc::clone(&flight);
            std::thread::spawn(move || flight.wait_blocking())
        };
        tokio::task::yield_now().await;
        flight.land(Outcome::Done(Ok(Arc::new(7))));
        flight.land(Outcome::Abandoned); // ignored: the first outcome stays
        for task in tasks {
            assert!(matches!(task.await.unwrap(), Outcome::Done(Ok(v)) if *v == 7));
        }
        assert!(matches!(thread.join().unwrap(), Outcome::Done(Ok(v)) if *v == 7));
        assert!(matches!(flight.wait().await, Outcome::Done(Ok(_))));
    }
}
