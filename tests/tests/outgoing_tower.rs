//! `BearerLayer` end to end, over hyper's client against the Core API
//! stand-in and the auth stand-in: the same behaviour as the reqwest
//! middleware (one renewal and one retry after a 401, the second 401 to the
//! caller, no retry without a replayable body, no token to another host or
//! through a redirect to one, one renewal for 100 refused requests).

mod outgoing_common;

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use outgoing_common::{
    REFUSAL_BACKOFF, World, a_core_api_refusing_every_token, assert_one_renewal_for_100_refused,
    bearer,
};
use scope_core::auth::outgoing::{BearerLayer, BearerService, BoxError, NoReplay};
use tower::{Layer, Service, ServiceExt};
use tower_http::follow_redirect::{FollowRedirect, policy};

type Http = Client<HttpConnector, Full<Bytes>>;

fn http() -> Http {
    Client::builder(TokioExecutor::new()).build_http()
}

fn layer(world: &World) -> BearerLayer {
    BearerLayer::new(Arc::clone(&world.tokens), world.origin())
}

fn get(url: &str) -> Request<Full<Bytes>> {
    Request::get(url).body(Full::default()).unwrap()
}

async fn status<S, B>(service: S, request: Request<B>) -> StatusCode
where
    S: Service<Request<B>, Response = http::Response<hyper::body::Incoming>, Error = BoxError>,
{
    service.oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_request_sent_again_with_its_body() {
    let world = World::new();
    world.core_api.refuse_first_tokens(1);
    let request = Request::post(world.core_url("/api/orders"))
        .header("content-type", "application/vnd.api+json")
        .body(Full::new(Bytes::from_static(
            br#"{"data":{"type":"orders"}}"#,
        )))
        .unwrap();
    assert_eq!(status(layer(&world).layer(http()), request).await, 200);
    assert_eq!(
        world.auth.token_requests(),
        2,
        "the first token and one renewal"
    );
    let seen = world.core_api.requests();
    assert_eq!(seen.len(), 2, "the request and one retry");
    let (first, retry) = (&seen[0], &seen[1]);
    assert_ne!(first.header("authorization"), retry.header("authorization"));
    let current = world.tokens.token().await.unwrap();
    assert_eq!(
        retry.header("authorization"),
        Some(bearer(&current).as_str())
    );
    assert_eq!(retry.body(), br#"{"data":{"type":"orders"}}"#);
}

#[tokio::test]
async fn a_second_401_goes_to_the_caller() {
    let world = World::new();
    world.core_api.refuse_every_token();
    let service = layer(&world).layer(http());
    assert_eq!(
        status(service, get(&world.core_url("/api/skus"))).await,
        401
    );
    assert_eq!(world.core_api.requests().len(), 2, "one retry, no loop");
    assert_eq!(world.auth.token_requests(), 2);
}

#[tokio::test]
async fn a_body_that_cannot_be_replayed_is_not_sent_again() {
    let world = World::new();
    world.core_api.refuse_first_tokens(1);
    let service = layer(&world).replay(NoReplay).layer(http());
    let request = Request::post(world.core_url("/api/orders"))
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    assert_eq!(status(service.clone(), request).await, 401);
    assert_eq!(world.core_api.requests().len(), 1);
    // The refused token was dropped: the caller's next request gets a fresh one.
    assert_eq!(
        status(service, get(&world.core_url("/api/orders"))).await,
        200
    );
    assert_eq!(world.auth.token_requests(), 2);
}

#[tokio::test]
async fn a_request_to_another_host_or_a_bare_path_goes_without_the_token() {
    let world = World::new();
    let service: BearerService<Http> = layer(&world).layer(http());
    assert_eq!(
        status(service.clone(), get(&world.elsewhere_url("/charge"))).await,
        401
    );
    assert_eq!(world.elsewhere.authorizations(), [None]);
    // A path alone names no host: hyper refuses it, and it carried no token.
    let bare = service.oneshot(get("/api/skus")).await;
    assert!(bare.is_err());
    assert_eq!(
        world.auth.token_requests(),
        0,
        "no token was even asked for"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_drops_the_token() {
    let world = World::new();
    world.core_api.redirect_to(&world.elsewhere_url("/landing"));
    // The layer under the redirects, so every hop passes through it. The policy
    // does not filter credentials itself: what keeps the token home is the layer.
    let service = FollowRedirect::with_policy(layer(&world).layer(http()), policy::Limited::new(3));
    assert_eq!(
        status(service, get(&world.core_url("/redirect"))).await,
        401
    );
    let token = world.tokens.token().await.unwrap();
    assert_eq!(world.core_api.authorizations(), [Some(bearer(&token))]);
    assert_eq!(world.elsewhere.authorizations(), [None]);
    assert_eq!(
        world.auth.token_requests(),
        1,
        "the other host's 401 renews nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_requests_refused_at_once_cause_one_renewal() {
    let world = Arc::new(World::new());
    let first = world.tokens.token().await.unwrap();
    world.core_api.refuse_first_tokens(1);
    // No 401 goes out before all 100 are in: every task sends the first token.
    world.core_api.hold_refusals_until(100);
    let service = layer(&world).layer(http());
    let start = Arc::new(tokio::sync::Barrier::new(100));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (service, world, start) = (service.clone(), Arc::clone(&world), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                status(service, get(&world.core_url("/api/skus"))).await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_one_renewal_for_100_refused(&world, &first);
}

#[tokio::test]
async fn a_core_api_that_refuses_every_token_costs_a_bounded_number_of_token_requests() {
    let (initial, max) = REFUSAL_BACKOFF;
    let world = World::with_backoff(initial, max);
    a_core_api_refusing_every_token(&world, || async {
        let answer = layer(&world)
            .layer(http())
            .oneshot(get(&world.core_url("/api/skus")))
            .await;
        match answer {
            Ok(response) => assert_eq!(response.status(), 401),
            Err(err) => assert!(err.to_string().contains("refused"), "{err}"),
        }
    })
    .await;
}
