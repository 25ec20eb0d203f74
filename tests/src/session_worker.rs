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
use std::sync::Arc;
use std::time::Duration;

use scope_core::auth::{AuthClient, Credentials, CustomerSessions, Grant, SessionKey, TokenStore};
use scope_core::scopes;

use crate::fleet::{env, fingerprint, run_worker, serve_commands, store_from_env};

/// The sales channel whose customers log in.
pub const CLIENT_ID: &str = "session-fleet";

/// Runs a session worker until `quit` or the end of its input.
///
/// # Panics
///
/// When its settings are missing, Redis cannot be reached or the runtime
/// cannot start.
pub fn session_worker_main() {
    run_worker(worker());
}

async fn worker() {
    let client = AuthClient::builder()
        .base_url(env("FLEET_AUTH_URL").expect("FLEET_AUTH_URL"))
        .build()
        .expect("build the client");
    let store = store_from_env().await;
    let storefront = Credentials::sales_channel(CLIENT_ID, scopes!("market:code:europe"))
        .expect("a sales channel");
    let sessions = CustomerSessions::new(client, storefront, Arc::clone(&store));
    serve_commands(|command| {
        let (sessions, store) = (&sessions, &store);
        async move {
            let words: Vec<&str> = command.split_whitespace().collect();
            match words.as_slice() {
                ["login", email, password] => {
                    match sessions.login(&Grant::password(*email, *password)).await {
                        Ok(key) => format!("ok key={}", key.expose_secret()),
                        Err(err) => format!("err {err}"),
                    }
                }
                ["age", key, seconds] => {
                    let key = SessionKey::from_string(*key);
                    let left = Duration::from_secs(seconds.parse().unwrap_or(0));
                    age(&**store, &sessions.store_key(&key), left).await
                }
                ["token", key, tasks] => {
                    let key = SessionKey::from_string(*key);
                    all_tasks(sessions, &key, tasks.parse().unwrap_or(1)).await
                }
                _ => format!("err unknown command {command:?}"),
            }
        }
    })
    .await;
}

/// Rewrites the session stored under `store_key` so its access token has
/// `left` of life (zero: expired while the session sat idle; the record kept
/// as long as before).
async fn age(store: &dyn TokenStore, store_key: &str, left: Duration) -> String {
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
