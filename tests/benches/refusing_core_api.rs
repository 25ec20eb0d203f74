//! What a Core API that refuses every token costs the auth server: a client
//! that sends a request every 50 ms through the reqwest middleware, for a
//! minute, with a token source and with a customer's session (default
//! settings), against the Core API stand-in refusing every token. Prints the
//! token requests the auth server saw, per 10 s and in all, and the requests
//! the caller made.
//!
//! Before the refusal counted for the backoff, each outgoing request cost a
//! token request (two, with the retry). Now the first refusal renews at once
//! and each further one in a row waits a backoff step (0.5–1 s, 1–2 s, … up to
//! 30–60 s), so the documented bound is about 8 requests in the first minute.
//!
//! Run: `cargo bench -p scope-tests --bench refusing_core_api` (a minute per row).

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest_middleware::ClientBuilder;
use scope_core::auth::outgoing::{BearerMiddleware, Origin};
use scope_core::auth::{
    AuthClient, Credentials, CustomerSessions, Grant, MemoryStore, TokenProvider, TokenSource,
};
use scope_core::scopes;
use scope_tests::{AuthServer, CoreApi};

const RUN: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_millis(50);

/// Sends a request every [`EVERY`] for [`RUN`] through the middleware over
/// `provider`; prints the token requests `auth` saw.
async fn run(name: &str, auth: &AuthServer, core_api: &CoreApi, provider: Arc<dyn TokenProvider>) {
    let origin = Origin::new(&core_api.base_url()).expect("a loopback origin");
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(BearerMiddleware::new(provider, origin))
        .build();
    let url = format!("{}/api/orders", core_api.base_url());
    let before = auth.token_requests();
    let started = Instant::now();
    let (mut sent, mut per_ten, mut mark) = (0usize, Vec::new(), before);
    while started.elapsed() < RUN {
        let _ = client.get(&url).send().await;
        sent += 1;
        if started.elapsed() >= Duration::from_secs(10 * (per_ten.len() as u64 + 1)) {
            let now = auth.token_requests();
            per_ten.push(now - mark);
            mark = now;
        }
        tokio::time::sleep(EVERY).await;
    }
    let total = auth.token_requests() - before;
    println!("{name}: {sent} requests in {RUN:?}, {total} token requests; per 10 s: {per_ten:?}");
}

#[tokio::main]
async fn main() {
    let auth = AuthServer::start();
    auth.add_integration("backend", "s3cret");
    auth.add_sales_channel("storefront");
    auth.add_customer("ada@example.com", "correct horse");
    let client = AuthClient::builder()
        .base_url(auth.base_url())
        .build()
        .expect("a client");

    let core_api = CoreApi::start();
    core_api.refuse_every_token();
    let tokens = TokenSource::new(
        client.clone(),
        Credentials::integration("backend", "s3cret", None),
    );
    run("token source", &auth, &core_api, Arc::new(tokens)).await;

    let storefront = Credentials::sales_channel("storefront", scopes!("market:code:europe"))
        .expect("a sales channel");
    let sessions = CustomerSessions::new(client, storefront, MemoryStore::new());
    let key = sessions
        .login(&Grant::password("ada@example.com", "correct horse"))
        .await
        .expect("a login");
    run(
        "customer session",
        &auth,
        &core_api,
        Arc::new(sessions.session(key)),
    )
    .await;
}
