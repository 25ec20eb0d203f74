//! The hot path of `TokenSource::token()` (a valid token cached) as users call
//! it: `tokens.token().await` inside a task, on a current-thread and on a
//! multi-thread runtime, with the token obtained from an auth server (a tiny
//! loopback one here, answering every request with the same JSON token). Beside
//! each row, in the same run and the same kind of task, the baseline it must
//! stay within twice of: reading an `Arc` behind a `std::sync::RwLock` and
//! cloning it. Then the blocking source, and the same rows with the other core
//! hammering the same source (or the same lock), since a cache is shared.
//!
//! Each row's time is measured inside the task (`iter_custom`), so spawning
//! and joining the task is not counted.
//!
//! On a virtual machine the two cores may be hyperthreads of one physical core
//! (cheap cache-line sharing) or separate cores (costly), as the host decides,
//! so the busy figures move between runs: compare the rows of one run.
//!
//! `cargo bench -p scope-core --bench token_source --features blocking`

use std::future::Future;
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use scope_core::auth::{
    AuthClient, Credentials, CustomerSessions, MemoryStore, SessionKey, StoredToken, Token,
    TokenSource, TokenStore,
};
use tokio::runtime::Runtime;

/// The auth server's answer to every request: a 4-hour token.
const ANSWER_BODY: &str = r#"{"access_token":"eyJhbGciOiJSUzUxMiJ9.e30.c2ln","token_type":"bearer","expires_in":14400,"scope":"market:all","created_at":1732800000}"#;

/// A loopback auth server on its own thread: answers every HTTP/1.1 request
/// with [`ANSWER_BODY`] and closes the connection. Returns its base URL and
/// the count of requests it answered.
fn loopback_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
    let base_url = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("address").port()
    );
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if answer(stream).is_ok() {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (base_url, requests)
}

/// Reads one request (head, then `Content-Length` bytes of body) and answers it.
fn answer(mut stream: TcpStream) -> std::io::Result<()> {
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    let body_start = loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        received.extend_from_slice(&buffer[..read]);
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&received[..body_start]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while received.len() < body_start + length {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..read]);
    }
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{ANSWER_BODY}",
        ANSWER_BODY.len()
    )?;
    stream.flush()
}

fn credentials() -> Credentials {
    Credentials::integration("bench", "secret", None)
}

/// A source whose first token came from the loopback server, through a first
/// `token().await` on `runtime`, as in a service.
fn warm_source(runtime: &Runtime, base_url: &str) -> TokenSource {
    let client = AuthClient::builder()
        .base_url(base_url)
        .build()
        .expect("loopback client");
    let source = TokenSource::new(client, credentials());
    let first = source.clone();
    runtime
        .block_on(runtime.spawn(async move { first.token().await.map(drop) }))
        .expect("task")
        .expect("token from the loopback server");
    source
}

/// Runs `task` (a loop that times itself) as a task on `runtime`, and returns
/// what it measured.
fn in_task<T: Send + 'static>(
    runtime: &Runtime,
    task: impl Future<Output = T> + Send + 'static,
) -> T {
    runtime.block_on(runtime.spawn(task)).expect("task")
}

/// `iters` calls of `token().await` on `source`, timed inside the task.
async fn token_loop(source: TokenSource, iters: u64) -> Duration {
    let started = Instant::now();
    for _ in 0..iters {
        black_box(black_box(&source).token().await.expect("cached token"));
    }
    started.elapsed()
}

/// `iters` reads and clones of the `Arc` in `lock`, timed inside the task.
async fn baseline_loop(lock: Arc<RwLock<Arc<Token>>>, iters: u64) -> Duration {
    let started = Instant::now();
    for _ in 0..iters {
        black_box(Arc::clone(&*black_box(&lock).read().expect("lock")));
    }
    started.elapsed()
}

/// Alternating short batches of the baseline and `token().await`, in one task
/// on `runtime`: the median per-call times and the median of the per-batch
/// ratios, which load that comes and goes moves far less than criterion's
/// rows measured one after the other.
fn paired(flavour: &str, runtime: &Runtime, source: &TokenSource, lock: &Arc<RwLock<Arc<Token>>>) {
    const ROUNDS: usize = 401;
    const BATCH: u64 = 2000;
    let (source, lock) = (source.clone(), Arc::clone(lock));
    let (baseline, ours, ratios) = in_task(runtime, async move {
        let (mut baseline, mut ours, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let lock_ns = baseline_loop(Arc::clone(&lock), BATCH).await.as_nanos() as f64;
            let token_ns = token_loop(source.clone(), BATCH).await.as_nanos() as f64;
            baseline.push(lock_ns / BATCH as f64);
            ours.push(token_ns / BATCH as f64);
            ratios.push(token_ns / lock_ns);
        }
        (median(baseline), median(ours), median(ratios))
    });
    println!(
        "paired/{flavour} runtime: RwLock read + clone {baseline:.1} ns, token().await {ours:.1} ns, \
         median ratio {ratios:.2} ({ROUNDS} alternating batches of {BATCH}, in one task)"
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn current_thread() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn multi_thread() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
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

/// A baseline lock holding a clone of `source`'s token.
fn baseline_lock(runtime: &Runtime, source: &TokenSource) -> Arc<RwLock<Arc<Token>>> {
    let token = runtime.block_on(source.token()).expect("the cached token");
    Arc::new(RwLock::new(token))
}

fn hot_path(c: &mut Criterion) {
    let (base_url, requests) = loopback_server();
    let runtimes = [
        ("current-thread", current_thread()),
        ("multi-thread", multi_thread()),
    ];
    let mut sources = Vec::new();
    for (flavour, runtime) in &runtimes {
        let source = warm_source(runtime, &base_url);
        let lock = baseline_lock(runtime, &source);
        let mut group = c.benchmark_group(format!("token in a task, {flavour} runtime"));
        group.bench_function("baseline: RwLock<Arc<Token>> read + clone", |b| {
            b.iter_custom(|iters| in_task(runtime, baseline_loop(Arc::clone(&lock), iters)))
        });
        group.bench_function("TokenSource::token().await", |b| {
            b.iter_custom(|iters| in_task(runtime, token_loop(source.clone(), iters)))
        });
        group.finish();
        paired(flavour, runtime, &source, &lock);
        sources.push(source);
    }

    let mut group = c.benchmark_group("token on a thread");
    #[cfg(feature = "blocking")]
    {
        let blocking = warm_blocking_source(&base_url);
        let token = blocking.token().expect("cached token");
        let lock = RwLock::new(token);
        group.bench_function("baseline: RwLock<Arc<Token>> read + clone", |b| {
            b.iter(|| Arc::clone(&*black_box(&lock).read().expect("lock")))
        });
        group.bench_function("blocking::TokenSource::token()", |b| {
            b.iter(|| black_box(&blocking).token().expect("cached token"))
        });
    }
    group.bench_function("reference: Instant::now()", |b| b.iter(Instant::now));
    let token = runtimes[0].1.block_on(sources[0].token()).expect("token");
    group.bench_function("reference: Arc<Token> clone", |b| {
        b.iter(|| Arc::clone(black_box(&token)))
    });
    group.finish();

    // Both cores busy: a thread hammers the same lock (or source) while the
    // task on the multi-thread runtime is measured.
    let (_, runtime) = &runtimes[1];
    let source = &sources[1];
    let lock = baseline_lock(runtime, source);
    let mut busy = c.benchmark_group("token in a task, multi-thread runtime, both cores busy");
    {
        let other = Arc::clone(&lock);
        let _other =
            busy_other_core(move || drop(black_box(Arc::clone(&*other.read().expect("lock")))));
        busy.bench_function("baseline: RwLock<Arc<Token>> read + clone", |b| {
            b.iter_custom(|iters| in_task(runtime, baseline_loop(Arc::clone(&lock), iters)))
        });
    }
    {
        let other = source.clone();
        let helper = current_thread();
        let _other = busy_other_core(move || {
            drop(black_box(
                helper.block_on(other.token()).expect("cached token"),
            ))
        });
        busy.bench_function("TokenSource::token().await", |b| {
            b.iter_custom(|iters| in_task(runtime, token_loop(source.clone(), iters)))
        });
    }
    busy.finish();

    // Every row above was served from the cache: one request per source.
    let expected = runtimes.len() + usize::from(cfg!(feature = "blocking"));
    assert_eq!(
        requests.load(Ordering::SeqCst),
        expected,
        "requests to the server"
    );
}

/// A customer's session on a fresh 4-hour token: `sessions.token(&key).await`
/// (the record read from a `MemoryStore`, served as it is) beside
/// `TokenSource::token().await` (the in-process cache), in tasks on a
/// current-thread runtime; then the same with the key read back from a
/// cookie at every call (`SessionKey::from_string`, hashed for the store).
fn session_hot_path(c: &mut Criterion) {
    let (base_url, requests) = loopback_server();
    let runtime = current_thread();
    let source = warm_source(&runtime, &base_url);
    let client = AuthClient::builder()
        .base_url(&base_url)
        .build()
        .expect("loopback client");
    let store = MemoryStore::new();
    let storefront = Credentials::webapp("bench", "secret", None);
    let sessions = CustomerSessions::new(client, storefront, store.clone());
    let cookie = "q4mQ8d0YcQ1nW2mP7r3s9tUvXyZaBcDeFgHiJkLmNoP";
    let key = SessionKey::from_string(cookie);
    let token = Token::new(
        "eyJhbGciOiJSUzUxMiJ9.e30.c2ln",
        Duration::from_secs(14_400),
        "",
        0,
    )
    .with_refresh_token("r3fresh")
    .with_owner("wQzX", "customer");
    let record = StoredToken::from_token(&token)
        .keep_until(std::time::SystemTime::now() + Duration::from_secs(3600 * 24));
    runtime
        .block_on(store.put(&sessions.store_key(&key), record))
        .expect("a stored session");

    let mut group = c.benchmark_group("session token in a task, current-thread runtime");
    group.bench_function("TokenSource::token().await", |b| {
        b.iter_custom(|iters| in_task(&runtime, token_loop(source.clone(), iters)))
    });
    let (held, key) = (sessions.clone(), key.clone());
    group.bench_function("CustomerSessions::token(&key).await (MemoryStore)", |b| {
        b.iter_custom(|iters| {
            let (sessions, key) = (held.clone(), key.clone());
            in_task(&runtime, async move {
                let started = Instant::now();
                for _ in 0..iters {
                    black_box(sessions.token(black_box(&key)).await.expect("a session"));
                }
                started.elapsed()
            })
        })
    });
    group.bench_function("the same, key read from the cookie each call", |b| {
        b.iter_custom(|iters| {
            let sessions = sessions.clone();
            in_task(&runtime, async move {
                let started = Instant::now();
                for _ in 0..iters {
                    let key = SessionKey::from_string(black_box(cookie));
                    black_box(sessions.token(&key).await.expect("a session"));
                }
                started.elapsed()
            })
        })
    });
    group.finish();
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "the source's first token only"
    );
}

#[cfg(feature = "blocking")]
fn warm_blocking_source(base_url: &str) -> scope_core::auth::blocking::TokenSource {
    use scope_core::auth::blocking::{self, TokenSource as BlockingTokenSource};

    let client = blocking::AuthClient::builder()
        .base_url(base_url)
        .build()
        .expect("loopback client");
    let source = BlockingTokenSource::new(client, credentials());
    source.token().expect("token from the loopback server");
    source
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = hot_path, session_hot_path
}
criterion_main!(benches);
