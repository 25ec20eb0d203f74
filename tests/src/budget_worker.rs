//! A worker process of the fleet-wide token budget's tests: a token source
//! for each of several integrations (`FLEET_CLIENTS`, comma-separated client
//! ids, secret [`CLIENT_SECRET`]), on one client whose budget is shared through
//! the fleet's Redis (the `FLEET_*` settings of [`crate::fleet`]).
//!
//! Commands, one a line, each answered by one line: `tokens` (every source
//! gets its token at once, waiting out what the budget says: `ok n=… took_ms=…`,
//! or `err …`), `once` (the first source asks once: `ok` or `err …`) and `quit`.

use std::path::Path;
use std::time::{Duration, Instant};

use scope_core::auth::{Credentials, TokenSource};

use crate::AuthServer;
use crate::fleet::{
    Fleet, Settings, Worker, client_from_env, run_worker, serve_commands, store_from_env,
};

/// The secret of every integration of the budget's tests.
pub const CLIENT_SECRET: &str = "budget-s3cret";

/// Runs a budget worker until `quit` or the end of its input.
///
/// # Panics
///
/// When its settings are missing or the runtime cannot start.
pub fn budget_worker_main() {
    run_worker(worker());
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
    serve_commands(|command| {
        let sources = &sources;
        async move {
            match command.as_str() {
                "tokens" => match every_token(sources).await {
                    Ok(took) => format!("ok n={} took_ms={}", sources.len(), took.as_millis()),
                    Err(err) => format!("err {err}"),
                },
                "once" => match sources.first() {
                    Some(source) => match source.token().await {
                        Ok(_) => "ok".to_owned(),
                        Err(err) => format!("err {err}"),
                    },
                    None => "err no source".to_owned(),
                },
                other => format!("err unknown command {other:?}"),
            }
        }
    })
    .await;
}

/// Every source's token, asked at once; each waits out the budget's and the
/// backoff's "retry in" for up to a minute, as a service would: the time until
/// every token arrived, or the first error.
///
/// # Errors
///
/// The first error a source still gave after a minute.
pub async fn every_token(sources: &[TokenSource]) -> Result<Duration, String> {
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
        task.await.map_err(|err| format!("task failed: {err}"))??;
    }
    Ok(started.elapsed())
}

/// The stand-in with its rate limit (`limit` per `window`) and `credentials`
/// integrations named `budget-{n}`, secret [`CLIENT_SECRET`].
pub fn limited_stand_in(credentials: usize, limit: usize, window: Duration) -> AuthServer {
    let server = AuthServer::start();
    server.rate_limit(limit, window);
    for n in 0..credentials {
        server.add_integration(&format!("budget-{n}"), CLIENT_SECRET);
    }
    server
}

/// `processes` workers (`exe`) sharing the `credentials` integrations of
/// [`limited_stand_in`] round-robin, with `settings` (a budget, a prefix).
pub fn spawn_fleet(exe: &Path, settings: &Settings, processes: usize, credentials: usize) -> Fleet {
    let workers = (0..processes)
        .map(|worker| {
            let clients: Vec<String> = (worker..credentials)
                .step_by(processes)
                .map(|n| format!("budget-{n}"))
                .collect();
            let mut settings = settings.clone();
            settings
                .env
                .push(("FLEET_CLIENTS".into(), clients.join(",")));
            Worker::spawn(exe, &settings)
        })
        .collect();
    Fleet { workers }
}
