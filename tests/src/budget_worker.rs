//! A worker process of the fleet-wide token budget's tests: a token source
//! for each of several integrations (`FLEET_CLIENTS`, comma-separated client
//! ids, secret [`CLIENT_SECRET`]), on one client whose budget is shared through
//! the fleet's Redis (the `FLEET_*` settings of [`crate::fleet`]).
//!
//! Commands, one a line, each answered by one line: `tokens` (every source
//! gets its token at once, waiting out what the budget says: `ok n=… took_ms=…`,
//! or `err …`), `once` (the first source asks once: `ok` or `err …`) and `quit`.

use std::io::BufRead;
use std::time::{Duration, Instant};

use scope_core::auth::{Credentials, TokenSource};

use crate::fleet::{client_from_env, store_from_env};

/// The secret of every integration of the budget's tests.
pub const CLIENT_SECRET: &str = "budget-s3cret";

/// Runs a budget worker until `quit` or the end of its input.
///
/// # Panics
///
/// When its settings are missing or the runtime cannot start.
pub fn budget_worker_main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("start the worker's runtime");
    runtime.block_on(worker());
}

async fn worker() {
    let auth_url = std::env::var("FLEET_AUTH_URL").expect("FLEET_AUTH_URL");
    let store = store_from_env().await;
    let client = client_from_env(auth_url, &store);
    let sources: Vec<TokenSource> = std::env::var("FLEET_CLIENTS")
        .unwrap_or_default()
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            TokenSource::builder(
                client.clone(),
                Credentials::integration(id, CLIENT_SECRET, None),
            )
            .shared_store(std::sync::Arc::clone(&store))
            .build()
            .expect("a source")
        })
        .collect();
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        line.clear();
        let read = tokio::task::block_in_place(|| stdin.lock().read_line(&mut line));
        if !matches!(read, Ok(n) if n > 0) {
            return;
        }
        let answer = match line.trim() {
            "tokens" => every_token(&sources).await,
            "once" => match sources.first().map(TokenSource::token) {
                Some(asked) => match asked.await {
                    Ok(_) => "ok".to_owned(),
                    Err(err) => format!("err {err}"),
                },
                None => "err no source".to_owned(),
            },
            "quit" => return,
            other => format!("err unknown command {other:?}"),
        };
        println!("{answer}");
    }
}

/// Every source's token, asked at once; each waits out the budget's and the
/// backoff's "retry in" for up to a minute, as a service would.
async fn every_token(sources: &[TokenSource]) -> String {
    let started = Instant::now();
    let tasks: Vec<_> = sources
        .iter()
        .cloned()
        .map(|source| {
            tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(60);
                loop {
                    match source.token().await {
                        Ok(_) => return Ok(()),
                        Err(err) if Instant::now() < deadline => {
                            let wait = err.retry_in().unwrap_or(Duration::from_millis(50));
                            tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
                        }
                        Err(err) => return Err(err.to_string()),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return format!("err {err}"),
            Err(err) => return format!("err task failed: {err}"),
        }
    }
    format!(
        "ok n={} took_ms={}",
        sources.len(),
        started.elapsed().as_millis()
    )
}
