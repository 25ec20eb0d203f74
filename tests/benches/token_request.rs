//! One token request through `AuthClient`, beside a bare `reqwest` POST of the
//! same JSON to the same loopback stand-in, in the same run.
//!
//! The difference is what the library adds: building the body, its headers,
//! the bounded read, decoding the answer into a `Token`. Target: at most 5%.
//!
//! Run: `cargo bench -p scope-tests --bench token_request`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use scope_core::auth::{AuthClient, Credentials};
use scope_core::scopes;
use scope_tests::AuthServer;

fn token_request(c: &mut Criterion) {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let credentials = Credentials::sales_channel(
        "storefront",
        scopes!("market:code:europe stock_location:code:eu_warehouse"),
    )
    .unwrap();

    // The baseline: the same request, configured the same way, nothing decoded.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let url = server.token_url();
    let body = br#"{"grant_type":"client_credentials","client_id":"storefront","scope":"market:code:europe stock_location:code:eu_warehouse"}"#;

    // Both paths must work before they are timed.
    runtime
        .block_on(client.request_token(&credentials))
        .unwrap();
    let warm = runtime.block_on(async {
        let response = bare
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(&body[..])
            .send()
            .await
            .unwrap();
        (response.status(), response.bytes().await.unwrap())
    });
    assert_eq!(warm.0, 200, "{}", String::from_utf8_lossy(&warm.1));

    let mut group = c.benchmark_group("token_request");
    group.bench_function("bare_reqwest", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let response = bare
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("accept", "application/json")
                    .body(&body[..])
                    .send()
                    .await
                    .unwrap();
                black_box(response.bytes().await.unwrap())
            })
        })
    });
    group.bench_function("auth_client", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(client.request_token(&credentials))
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, token_request);
criterion_main!(benches);
