//! One token request through `AuthClient`, beside a bare `reqwest` POST of the
//! same JSON to the same loopback server, in the same run.
//!
//! The difference is what the library adds: building the body, its headers,
//! the bounded read, decoding the answer into a `Token` (and its scope).
//! Target: at most +10% with serde_json writing the body and reading the answer.
//!
//! The server answers every request with one real token response, taken once
//! from the stand-in (whose RS512 signing would otherwise dominate), and runs
//! on the same single-threaded runtime as the clients: no thread hand-off, so
//! the figures do not swing with the scheduler of a shared machine. The two
//! contenders are also interleaved: each timed request of one kind follows an
//! untimed request of the other. A paired run at the end (medians of 20 000
//! back-to-back pairs) gives the overhead as one figure.
//!
//! Run: `cargo bench -p scope-tests --bench token_request`

use std::convert::Infallible;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, body::Incoming};
use hyper_util::rt::TokioIo;
use scope_core::auth::{AuthClient, Credentials};
use scope_core::{ScopeSet, scopes};
use scope_tests::AuthServer;

const SCOPE: ScopeSet = scopes!("market:code:europe stock_location:code:eu_warehouse");
const BODY: &[u8] = br#"{"grant_type":"client_credentials","client_id":"storefront","scope":"market:code:europe stock_location:code:eu_warehouse"}"#;

/// A real token response from the stand-in: its answer to `BODY`, byte for byte.
fn token_response() -> Bytes {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    let response = reqwest::blocking::Client::new()
        .post(server.token_url())
        .header("content-type", "application/json")
        .body(BODY)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().unwrap()
}

/// A loopback HTTP/1 server on the current runtime that reads each request
/// and answers with `answer`.
async fn fixed_answer_server(answer: Bytes) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            let answer = answer.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let answer = answer.clone();
                    async move {
                        black_box(request.into_body().collect().await.unwrap().to_bytes());
                        let mut response = Response::new(Full::new(answer));
                        response.headers_mut().insert(
                            "content-type",
                            "application/json; charset=utf-8".parse().unwrap(),
                        );
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    base_url
}

struct Contenders {
    runtime: tokio::runtime::Runtime,
    client: AuthClient,
    credentials: Credentials,
    bare: reqwest::Client,
    /// Parsed once, as the library parses its token URL once: a `String` would
    /// be parsed again on every bare request.
    url: reqwest::Url,
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
                .post(self.url.clone())
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base_url = runtime.block_on(fixed_answer_server(token_response()));
    let contenders = Contenders {
        client: AuthClient::builder().base_url(&base_url).build().unwrap(),
        credentials: Credentials::sales_channel("storefront", SCOPE).unwrap(),
        bare: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        url: format!("{base_url}/oauth/token").parse().unwrap(),
        runtime,
    };
    // Both must work before they are timed; this also opens both connections.
    contenders.library();
    contenders.bare();

    let mut group = c.benchmark_group("token_request");
    group.bench_function("bare_reqwest", |b| {
        b.iter_custom(|iters| interleaved(iters, || contenders.library(), || contenders.bare()))
    });
    group.bench_function("auth_client", |b| {
        b.iter_custom(|iters| interleaved(iters, || contenders.bare(), || contenders.library()))
    });
    group.finish();
    paired(&contenders, 20_000);
}

/// The time of `iters` runs of `timed`, each after an untimed run of `other`.
fn interleaved(iters: u64, other: impl Fn(), timed: impl Fn()) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        other();
        let start = Instant::now();
        timed();
        total += start.elapsed();
    }
    total
}

/// The same comparison as pairs: each pair times one request of each kind,
/// back to back, in alternating order. Medians of many pairs do not depend on
/// what the machine was doing during one benchmark or the other.
fn paired(contenders: &Contenders, pairs: usize) {
    let mut library = Vec::with_capacity(pairs);
    let mut bare = Vec::with_capacity(pairs);
    let time = |run: &dyn Fn()| {
        let start = Instant::now();
        run();
        start.elapsed()
    };
    for pair in 0..pairs {
        if pair % 2 == 0 {
            library.push(time(&|| contenders.library()));
            bare.push(time(&|| contenders.bare()));
        } else {
            bare.push(time(&|| contenders.bare()));
            library.push(time(&|| contenders.library()));
        }
    }
    library.sort();
    bare.sort();
    let (library, bare) = (library[pairs / 2], bare[pairs / 2]);
    println!(
        "token_request/paired ({pairs} pairs): median auth_client {library:?}, bare_reqwest {bare:?}, \
         the library adds {:+.1}%",
        (library.as_secs_f64() / bare.as_secs_f64() - 1.0) * 100.0
    );
}

criterion_group!(benches, token_request);
criterion_main!(benches);
