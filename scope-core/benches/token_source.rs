//! The hot path of `TokenSource::token()` (a valid token cached) beside the
//! baseline it must stay within twice of: reading an `Arc` behind a
//! `std::sync::RwLock` and cloning it. Measured alone, then with the other core
//! hammering the same source (or the same lock), since a cache is shared.
//!
//! On a virtual machine the two cores may be hyperthreads of one physical core
//! (cheap cache-line sharing) or separate cores (costly), as the host decides,
//! so the busy figures move between runs: compare the rows of one run.
//!
//! `cargo bench -p scope-core --bench token_source --features blocking`

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use scope_core::auth::{
    AuthClient, Credentials, MemoryStore, StoredToken, Token, TokenSource, TokenStore,
};

/// A long-lived token, as a store would hold it.
fn stored_token() -> StoredToken {
    StoredToken::new(
        "eyJhbGciOiJSUzUxMiJ9.e30.c2ln",
        "bearer",
        Duration::from_secs(14_400),
        "market:code:europe",
        0,
        SystemTime::now() + Duration::from_secs(14_000),
    )
}

/// A source whose store already holds a valid token: the first call loads
/// it, and no request is ever made (the client points at a closed port).
fn warm_source(runtime: &tokio::runtime::Runtime) -> TokenSource {
    let client = AuthClient::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .expect("loopback client");
    let store = MemoryStore::new();
    let credentials = Credentials::integration("bench", "secret", None);
    let source = TokenSource::builder(client, credentials)
        .store(store.clone())
        .build()
        .expect("valid settings");
    runtime.block_on(async {
        store
            .put(source.store_key(), stored_token())
            .await
            .expect("memory store");
        source.token().await.expect("token from the store");
    });
    source
}

/// One call of `token()`, polled once: with a fresh token cached it is ready
/// at once, as in any executor.
#[inline]
fn token_now(source: &TokenSource) -> Arc<Token> {
    let mut context = Context::from_waker(Waker::noop());
    match std::pin::pin!(source.token()).poll(&mut context) {
        Poll::Ready(Ok(token)) => token,
        Poll::Ready(Err(err)) => panic!("{err}"),
        Poll::Pending => panic!("the hot path must not wait"),
    }
}

/// Runs `work` on another thread until the returned guard is dropped.
fn busy_other_core(work: impl Fn() + Send + 'static) -> impl Drop {
    struct Stop(Arc<AtomicBool>, Option<thread::JoinHandle<()>>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
            if let Some(thread) = self.1.take() {
                thread.join().expect("busy thread");
            }
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            for _ in 0..1000 {
                work();
            }
        }
    });
    Stop(stop, Some(thread))
}

fn hot_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let source = warm_source(&runtime);
    let token = token_now(&source);
    let lock = Arc::new(RwLock::new(Arc::clone(&token)));

    let mut alone = c.benchmark_group("token, one core");
    alone.bench_function("baseline: RwLock<Arc<Token>> read + clone", |b| {
        b.iter(|| Arc::clone(&*black_box(&lock).read().expect("lock")))
    });
    alone.bench_function("TokenSource::token()", |b| {
        b.iter(|| token_now(black_box(&source)))
    });
    #[cfg(feature = "blocking")]
    {
        let blocking = warm_blocking_source();
        alone.bench_function("BlockingTokenSource::token()", |b| {
            b.iter(|| black_box(&blocking).token().expect("cached token"))
        });
    }
    alone.bench_function("reference: Instant::now()", |b| {
        b.iter(std::time::Instant::now)
    });
    alone.bench_function("reference: Arc<Token> clone", |b| {
        b.iter(|| Arc::clone(black_box(&token)))
    });
    alone.finish();

    let mut busy = c.benchmark_group("token, both cores busy");
    {
        let other = Arc::clone(&lock);
        let _other =
            busy_other_core(move || drop(black_box(Arc::clone(&*other.read().expect("lock")))));
        busy.bench_function("baseline: RwLock<Arc<Token>> read + clone", |b| {
            b.iter(|| Arc::clone(&*black_box(&lock).read().expect("lock")))
        });
    }
    {
        let other = source.clone();
        let _other = busy_other_core(move || drop(black_box(token_now(&other))));
        busy.bench_function("TokenSource::token()", |b| {
            b.iter(|| token_now(black_box(&source)))
        });
    }
    {
        // The floor of both: the clone's count is the cache line both cores write.
        let other = Arc::clone(&token);
        let _other = busy_other_core(move || drop(black_box(Arc::clone(&other))));
        busy.bench_function("reference: Arc<Token> clone", |b| {
            b.iter(|| Arc::clone(black_box(&token)))
        });
    }
    busy.finish();
}

#[cfg(feature = "blocking")]
fn warm_blocking_source() -> scope_core::auth::blocking::TokenSource {
    use scope_core::auth::blocking::{self, TokenSource as BlockingTokenSource};

    let client = blocking::AuthClient::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .expect("loopback client");
    let store = MemoryStore::new();
    let credentials = Credentials::integration("bench", "secret", None);
    let source = BlockingTokenSource::builder(client, credentials)
        .store(store.clone())
        .build()
        .expect("settings");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime
        .block_on(store.put(source.store_key(), stored_token()))
        .expect("memory store");
    source.token().expect("token from the store");
    source
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = hot_path
}
criterion_main!(benches);
