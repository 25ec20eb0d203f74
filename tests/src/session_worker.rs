//! A worker process of the multi-process session tests: customer sessions of
//! the sales channel [`CLIENT_ID`] kept in Redis, driven through standard input
//! as the fleet workers are (see [`crate::fleet`]; the same `FLEET_*` settings).
//!
//! Commands, one a line, each answered by one line: `login EMAIL PASSWORD`
//! (`ok key=KEY`: the tests hand the session key to the other workers, as a
//! cookie would), `age KEY SECONDS` (rewrites the stored session so its access
//! token has that long left; 0: expired while idle), `token KEY TASKS` (every task asks for the
//! session's token at once: `ok fp=… distinct=…`, or `err …` with the first
//! error) and `quit`. No answer holds a token, only a fingerprint of it.

use std::collections::HashSet;
use std::io::BufRead;
use std::time::Duration;

use scope_core::auth::{
    AuthClient, Credentials, CustomerSessions, Grant, RedisStore, SessionKey, TokenStore,
};
use scope_core::scopes;

use crate::fleet::fingerprint;

/// The sales channel whose customers log in.
pub const CLIENT_ID: &str = "session-fleet";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn env_ms(name: &str, default: u64) -> Duration {
    Duration::from_millis(
        env(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or(default),
    )
}

/// Runs a session worker until `quit` or the end of its input.
///
/// # Panics
///
/// When its settings are missing, Redis cannot be reached or the runtime
/// cannot start.
pub fn session_worker_main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("start the worker's runtime");
    runtime.block_on(worker());
}

async fn worker() {
    let client = AuthClient::builder()
        .base_url(env("FLEET_AUTH_URL").expect("FLEET_AUTH_URL"))
        .build()
        .expect("build the client");
    let url = env("FLEET_REDIS_URL").expect("FLEET_REDIS_URL");
    let store = RedisStore::builder(url)
        .prefix(env("FLEET_PREFIX").unwrap_or_default())
        .lease(env_ms("FLEET_LEASE_MS", 5000))
        .timeout(env_ms("FLEET_STORE_TIMEOUT_MS", 1000))
        .poll_interval(Duration::from_millis(50))
        .connect()
        .await
        .expect("connect to Redis");
    let storefront = Credentials::sales_channel(CLIENT_ID, scopes!("market:code:europe"))
        .expect("a sales channel");
    let sessions = CustomerSessions::new(client, storefront, store.clone());
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        line.clear();
        let read = tokio::task::block_in_place(|| stdin.lock().read_line(&mut line));
        if !matches!(read, Ok(n) if n > 0) {
            return;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["login", email, password] => {
                match sessions.login(&Grant::password(*email, *password)).await {
                    Ok(key) => format!("ok key={}", key.expose_secret()),
                    Err(err) => format!("err {err}"),
                }
            }
            ["age", key, seconds] => {
                let key = SessionKey::from_string(*key);
                let left = Duration::from_secs(seconds.parse().unwrap_or(0));
                age(&store, &sessions.store_key(&key), left).await
            }
            ["token", key, tasks] => {
                let key = SessionKey::from_string(*key);
                all_tasks(&sessions, &key, tasks.parse().unwrap_or(1)).await
            }
            ["quit"] => return,
            _ => format!("err unknown command {:?}", line.trim()),
        };
        println!("{answer}");
    }
}

/// Rewrites the session stored under `store_key` so its access token has
/// `left` of life (zero: expired while the session sat idle; the record kept
/// as long as before).
async fn age(store: &RedisStore, store_key: &str, left: Duration) -> String {
    let record = match store.get(store_key).await {
        Ok(Some(record)) => record,
        Ok(None) => return "err no session".to_owned(),
        Err(err) => return format!("err {err}"),
    };
    match store.put(store_key, crate::aged(&record, left, None)).await {
        Ok(()) => "ok aged".to_owned(),
        Err(err) => format!("err {err}"),
    }
}

async fn all_tasks(sessions: &CustomerSessions, key: &SessionKey, tasks: usize) -> String {
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (sessions, key) = (sessions.clone(), key.clone());
            tokio::spawn(async move { sessions.token(&key).await })
        })
        .collect();
    let mut seen = HashSet::new();
    for handle in handles {
        match handle.await {
            Ok(Ok(token)) => {
                seen.insert(fingerprint(&token));
            }
            Ok(Err(err)) => return format!("err {err}"),
            Err(err) => return format!("err task failed: {err}"),
        }
    }
    let first = seen.iter().next().cloned().unwrap_or_default();
    format!("ok fp={first} distinct={}", seen.len())
}
