//! One token request through `AuthClient`, beside a bare `reqwest` POST of the
//! same JSON to the same loopback stand-in, in the same run.
//!
//! The difference is what the library adds: building the body, its headers,
//! the bounded read, decoding the answer into a `Token` (and parsing its
//! scope). Target: at most 5%.
//!
//! The two are interleaved: each timed request of one kind follows an untimed
//! request of the other, so both see the same server, connection pool and
//! machine load (the machine is shared; a load spike during one benchmark only
//! would otherwise decide the comparison).
//!
//! Run: `cargo bench -p scope-tests --bench token_request`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use scope_core::auth::{AuthClient, Credentials, ExposeSecret};
use scope_core::scopes;
use scope_tests::{AuthServer, Misbehaviour};

const BODY: &[u8] = br#"{"grant_type":"client_credentials","client_id":"storefront","scope":"market:code:europe stock_location:code:eu_warehouse"}"#;

struct Contenders {
    runtime: tokio::runtime::Runtime,
    client: AuthClient,
    credentials: Credentials,
    bare: reqwest::Client,
    url: String,
}

impl Contenders {
    fn library(&self) {
        let token = self
            .runtime
            .block_on(self.client.request_token(&self.credentials))
            .unwrap();
        black_box(token);
    }

    /// The same request, configured the same way, the body read and nothing decoded.
    fn bare(&self) {
        let body = self.runtime.block_on(async {
            let response = self
                .bare
                .post(&self.url)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(BODY)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap()
        });
        black_box(body);
    }
}

fn token_request(c: &mut Criterion) {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    let contenders = Contenders {
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        client: AuthClient::builder()
            .base_url(server.base_url())
            .build()
            .unwrap(),
        credentials: Credentials::sales_channel(
            "storefront",
            scopes!("market:code:europe stock_location:code:eu_warehouse"),
        )
        .unwrap(),
        bare: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        url: server.token_url(),
    };
    // The stand-in signs each token with RS512, which costs far more than the
    // client does; the timed requests get one real token response, answered
    // as is, so the comparison measures the client and not the signature.
    let token = contenders
        .runtime
        .block_on(contenders.client.request_token(&contenders.credentials))
        .unwrap();
    let answer = serde_json::json!({
        "access_token": token.access_token().expose_secret(),
        "token_type": token.token_type(),
        "expires_in": token.expires_in().as_secs(),
        "scope": token.scope(),
        "created_at": token.created_at(),
    });
    server.misbehave(Misbehaviour::Answer {
        status: 200,
        content_type: Some("application/json; charset=utf-8".into()),
        body: answer.to_string(),
    });
    // Both must work before they are timed; this also opens both connections.
    contenders.library();
    contenders.bare();

    let mut group = c.benchmark_group("token_request");
    group.bench_function("bare_reqwest", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                contenders.library();
                let start = Instant::now();
                contenders.bare();
                timed += start.elapsed();
            }
            timed
        })
    });
    group.bench_function("auth_client", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                contenders.bare();
                let start = Instant::now();
                contenders.library();
                timed += start.elapsed();
            }
            timed
        })
    });
    group.finish();
}

criterion_group!(benches, token_request);
criterion_main!(benches);
