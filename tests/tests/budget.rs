//! The token budget in one process, against a stand-in that enforces the
//! rate limit per client IP (scaled down to 30 requests per 3 s, the budget
//! configured to match) and counts every 429 it sends: many credentials cold,
//! a login flood beside renewals, a 429 from elsewhere, a Core API refusing
//! every token and a session whose refreshes fail. Zero 429s in each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use scope_core::auth::{
    AuthClient, AuthError, Credentials, CustomerSessions, Grant, MemoryStore, SessionError,
    TokenBudget, TokenSource,
};
use scope_core::scopes;
use scope_tests::{App, AuthServer, CoreApi, Misbehaviour};

const LIMIT: u32 = 30;
const WINDOW: Duration = Duration::from_secs(3);

/// The stand-in, limiting token requests as the real server does, scaled down.
fn stand_in() -> AuthServer {
    let server = AuthServer::start();
    server.rate_limit(LIMIT as usize, WINDOW);
    server
}

fn client(server: &AuthServer, budget: Option<&TokenBudget>) -> AuthClient {
    let mut builder = AuthClient::builder().base_url(server.base_url());
    if let Some(budget) = budget {
        builder = builder.budget(budget.clone());
    }
    builder.build().unwrap()
}

fn budget(max_wait: Duration) -> TokenBudget {
    TokenBudget::builder()
        .limit(LIMIT, WINDOW)
        .max_wait(max_wait)
        .build()
        .unwrap()
}

/// `count` integrations, each its own credentials, and a source for each.
fn sources(server: &AuthServer, client: &AuthClient, count: usize) -> Vec<TokenSource> {
    (0..count)
        .map(|n| {
            let id = format!("integration-{n}");
            server.add_integration(&id, "s3cret");
            TokenSource::new(client.clone(), Credentials::integration(id, "s3cret", None))
        })
        .collect()
}

/// Every source's token, all asked at once; each caller waits out the
/// errors that say when to retry, as a service would.
async fn all_tokens(sources: &[TokenSource]) {
    scope_tests::budget_worker::every_token(sources)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_credentials_cold_get_every_token_without_a_429() {
    // Without a budget, the same start costs 429s: the problem.
    let server = stand_in();
    let unbudgeted = client(&server, None);
    let results: Vec<_> = futures_join(sources(&server, &unbudgeted, 40)).await;
    let refused = results.iter().filter(|ok| !**ok).count();
    assert_eq!(server.rate_limited(), 10, "{refused} refused");

    let server = stand_in();
    let budget = budget(Duration::from_secs(5));
    let budgeted = client(&server, Some(&budget));
    let started = Instant::now();
    all_tokens(&sources(&server, &budgeted, 40)).await;
    let took = started.elapsed();
    assert_eq!(server.rate_limited(), 0, "no 429");
    assert_eq!(server.token_requests(), 40, "one request per credential");
    // The 31st request can only go once the first has left the window.
    assert!(took >= WINDOW - Duration::from_millis(100), "{took:?}");
    assert!(
        took < 2 * WINDOW,
        "in about the least time the window allows: {took:?}"
    );
    let usage = budget.usage().await;
    assert_eq!((usage.limit, usage.window), (LIMIT, WINDOW));
}

/// Every source asked once at once, without waiting: whether each got a token.
async fn futures_join(sources: Vec<TokenSource>) -> Vec<bool> {
    let tasks: Vec<_> = sources
        .into_iter()
        .map(|source| tokio::spawn(async move { source.token().await.is_ok() }))
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_never_lets_a_token_expire_and_extra_logins_fail_at_once() {
    let server = stand_in();
    server.add_sales_channel("storefront");
    server.add_customer("ada@example.com", "correct horse");
    let budget = budget(Duration::from_millis(200));
    let client = client(&server, Some(&budget));
    // Five sources whose 6 s tokens are renewed 3 s ahead of expiry.
    let renewing: Vec<TokenSource> = (0..5)
        .map(|n| {
            let id = format!("renewing-{n}");
            server.register(App::integration(&id, "s3cret").expires_in(6));
            TokenSource::builder(client.clone(), Credentials::integration(id, "s3cret", None))
                .refresh_margin(Duration::from_secs(3))
                .refresh_jitter(Duration::ZERO)
                .backoff(Duration::from_millis(100), Duration::from_secs(1))
                .build()
                .unwrap()
        })
        .collect();
    for source in &renewing {
        source.token().await.unwrap();
    }

    // For 8 s: 30 logins every 300 ms (ten times the budget), and the
    // sources asked for their token every 20 ms.
    let until = Instant::now() + Duration::from_secs(8);
    let watchers: Vec<_> = renewing
        .iter()
        .cloned()
        .map(|source| {
            tokio::spawn(async move {
                let mut renewals = std::collections::HashSet::new();
                while Instant::now() < until {
                    let token = source.token().await.expect("a valid token, always");
                    renewals.insert(token.created_at().to_string() + token.scope());
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                renewals.len()
            })
        })
        .collect();
    let storefront =
        Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap();
    let sessions = CustomerSessions::new(client.clone(), storefront, MemoryStore::new());
    let (mut logged_in, mut refused, mut slowest_refusal) = (0, 0, Duration::ZERO);
    while Instant::now() < until {
        let logins: Vec<_> = (0..30)
            .map(|_| {
                let sessions = sessions.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    let result = sessions
                        .login(&Grant::password("ada@example.com", "correct horse"))
                        .await;
                    (result, started.elapsed())
                })
            })
            .collect();
        for login in logins {
            match login.await.unwrap() {
                (Ok(_), _) => logged_in += 1,
                (Err(SessionError::Auth(AuthError::BudgetSpent { retry_after })), took) => {
                    assert!(retry_after <= WINDOW);
                    slowest_refusal = slowest_refusal.max(took);
                    refused += 1;
                }
                (Err(err), _) => panic!("{err}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for watcher in watchers {
        assert!(watcher.await.unwrap() >= 1, "the source kept a valid token");
    }
    assert_eq!(server.rate_limited(), 0, "no 429");
    assert!(
        logged_in > 0 && refused > logged_in,
        "{logged_in} logins, {refused} refused"
    );
    assert!(
        slowest_refusal < Duration::from_secs(1),
        "a refused login waits at most the budget's wait: {slowest_refusal:?}"
    );
    // Each renewal got through: every source has a token issued after the flood began.
    for source in &renewing {
        assert!(source.token().await.unwrap().remaining() > Duration::ZERO);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_for_one_credential_holds_every_credential_until_its_retry_after() {
    let server = stand_in();
    let budget = budget(Duration::ZERO);
    let client = client(&server, Some(&budget));
    let sources = sources(&server, &client, 3);
    // Another program behind the same IP spent the limit: one 429.
    server.misbehave_once(Misbehaviour::RateLimited {
        retry_after: Some("1".into()),
    });
    let refused_at = Instant::now();
    let err = sources[0].token().await.unwrap_err();
    assert!(
        matches!(err.auth_error(), AuthError::RateLimited { .. }),
        "{err}"
    );
    let sent = server.token_requests();
    // The other credentials send nothing while the pause lasts.
    for source in &sources[1..] {
        let err = source.token().await.unwrap_err();
        assert!(
            matches!(err.auth_error(), AuthError::BudgetSpent { .. }),
            "{err}"
        );
    }
    assert_eq!(
        server.token_requests(),
        sent,
        "nothing sent during the pause"
    );
    let usage = budget.usage().await;
    assert!(
        usage
            .paused_for
            .is_some_and(|left| left <= Duration::from_secs(1))
    );
    // Then every credential gets its token, none before the pause ended.
    all_tokens(&sources).await;
    assert!(refused_at.elapsed() >= Duration::from_millis(950));
    assert_eq!(server.token_requests(), sent + 3);
    assert_eq!(server.rate_limited(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_core_api_and_a_failing_session_never_reach_the_rate_limit() {
    let server = stand_in();
    server.add_integration("backend", "s3cret");
    server.add_sales_channel("storefront");
    server.add_customer("ada@example.com", "correct horse");
    let budget = budget(Duration::from_millis(500));
    let client = client(&server, Some(&budget));
    let tokens = Arc::new(
        TokenSource::builder(
            client.clone(),
            Credentials::integration("backend", "s3cret", None),
        )
        .backoff(Duration::from_millis(100), Duration::from_secs(1))
        .build()
        .unwrap(),
    );
    let core_api = CoreApi::start();
    core_api.refuse_every_token();
    let storefront =
        Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap();
    let sessions = CustomerSessions::new(client, storefront, MemoryStore::new())
        .backoff(Duration::from_millis(100), Duration::from_secs(1))
        .unwrap();
    let key = sessions
        .login(&Grant::password("ada@example.com", "correct horse"))
        .await
        .unwrap();
    let session = sessions.session(key.clone());
    // For two windows: the Core API refuses every token of the source and of
    // the session, while a second session's refreshes fail with 503.
    server.misbehave(Misbehaviour::Unavailable { retry_after: None });
    let until = Instant::now() + 2 * WINDOW;
    let mut calls = 0;
    while Instant::now() < until {
        for provider in [&*tokens as &dyn scope_core::auth::TokenProvider, &session] {
            if let Ok(token) = provider.token().await {
                let _ = provider.invalidate_token(&token).await;
            }
        }
        calls += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(calls > 100, "{calls}");
    assert_eq!(server.rate_limited(), 0, "no 429");
    assert!(
        server.token_requests() < LIMIT as usize,
        "{} token requests in two windows",
        server.token_requests()
    );
}

/// A store whose budget calls fail, as a Redis that went away would.
struct FailingStore;

impl scope_core::auth::TokenStore for FailingStore {
    fn get<'a>(
        &'a self,
        _key: &'a str,
    ) -> scope_core::auth::StoreFuture<'a, Option<scope_core::auth::StoredToken>> {
        Box::pin(async { Err(scope_core::auth::StoreError::new("down")) })
    }
    fn put<'a>(
        &'a self,
        _key: &'a str,
        _token: scope_core::auth::StoredToken,
    ) -> scope_core::auth::StoreFuture<'a, ()> {
        Box::pin(async { Err(scope_core::auth::StoreError::new("down")) })
    }
    fn remove<'a>(&'a self, _key: &'a str) -> scope_core::auth::StoreFuture<'a, ()> {
        Box::pin(async { Err(scope_core::auth::StoreError::new("down")) })
    }
    fn take_from_budget<'a>(
        &'a self,
        _take: &'a scope_core::auth::BudgetTake,
    ) -> scope_core::auth::StoreFuture<'a, scope_core::auth::BudgetAnswer> {
        Box::pin(async { Err(scope_core::auth::StoreError::new("down")) })
    }
}

#[tokio::test]
async fn with_its_shared_store_down_a_process_goes_on_with_its_share_never_the_whole() {
    let server = stand_in();
    let budget = TokenBudget::builder()
        .limit(LIMIT, WINDOW)
        .max_wait(Duration::ZERO)
        .shared(FailingStore, "eu-nat-1")
        .build()
        .unwrap();
    let client = client(&server, Some(&budget));
    let sources = sources(&server, &client, 20);
    let got = futures_join(sources).await;
    // No process count was ever read: a share of at least two processes.
    assert_eq!(got.iter().filter(|ok| **ok).count(), 15, "{got:?}");
    let usage = budget.usage().await;
    assert!(usage.on_its_own);
    assert_eq!(usage.used, 15);
}
