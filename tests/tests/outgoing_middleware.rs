//! `BearerMiddleware` end to end, with a reqwest-middleware client against
//! the Core API stand-in and the auth stand-in: one renewal and one retry
//! after a 401, the second 401 to the caller, no retry of a body that cannot
//! be replayed, no token to another host or through a redirect to one, and
//! one renewal for 100 requests refused at once.

mod outgoing_common;

use std::sync::Arc;

use outgoing_common::{
    REFUSAL_BACKOFF, World, a_core_api_refusing_every_token, assert_one_renewal_for_100_refused,
    bearer,
};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use scope_core::auth::outgoing::BearerMiddleware;

fn client(world: &World) -> ClientWithMiddleware {
    let middleware = BearerMiddleware::new(Arc::clone(&world.tokens), world.origin());
    ClientBuilder::new(reqwest::Client::new())
        .with(middleware)
        .build()
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_request_sent_again_with_its_body() {
    let world = World::new();
    world.core_api.refuse_first_tokens(1);
    let response = client(&world)
        .post(world.core_url("/api/orders"))
        .header("content-type", "application/vnd.api+json")
        .body(r#"{"data":{"type":"orders"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
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
    assert_eq!(retry.body(), first.body());
    assert_eq!(retry.body(), br#"{"data":{"type":"orders"}}"#);
}

#[tokio::test]
async fn a_second_401_goes_to_the_caller() {
    let world = World::new();
    world.core_api.refuse_every_token();
    let response = client(&world)
        .get(world.core_url("/api/skus"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(world.core_api.requests().len(), 2, "one retry, no loop");
    assert_eq!(world.auth.token_requests(), 2);
}

#[tokio::test]
async fn a_body_that_cannot_be_replayed_is_not_sent_again() {
    let world = World::new();
    world.core_api.refuse_first_tokens(1);
    let client = client(&world);
    // A wrapped body is a stream to reqwest: `try_clone` gives none.
    let streamed = reqwest::Body::wrap(String::from(r#"{"data":{}}"#));
    let response = client
        .post(world.core_url("/api/orders"))
        .body(streamed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(world.core_api.requests().len(), 1);
    // The refused token was dropped: the caller's next request gets a fresh one.
    let again = client
        .get(world.core_url("/api/orders"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(world.auth.token_requests(), 2);
}

#[tokio::test]
async fn a_request_to_another_host_goes_without_the_token() {
    let world = World::new();
    let client = client(&world);
    let response = client
        .get(world.elsewhere_url("/charge"))
        .bearer_auth("the-callers-own")
        .send()
        .await
        .unwrap();
    // The other host's 401 (the caller's token is not one it knows) is not taken
    // for the Core API refusing a token: nothing is renewed.
    assert_eq!(response.status(), 200);
    assert_eq!(
        world.elsewhere.authorizations(),
        [Some("Bearer the-callers-own".to_owned())]
    );
    let plain = client
        .get(world.elsewhere_url("/charge"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 401);
    assert_eq!(world.elsewhere.authorizations()[1], None);
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
    let response = client(&world)
        .get(world.core_url("/redirect"))
        .send()
        .await
        .unwrap();
    let token = world.tokens.token().await.unwrap();
    assert_eq!(
        world.core_api.authorizations(),
        [Some(bearer(&token))],
        "the Core API got the token"
    );
    assert_eq!(
        world.elsewhere.authorizations(),
        [None],
        "reqwest followed the redirect without the token"
    );
    // The other host's 401 does not count as the Core API refusing the token.
    assert_eq!(response.status(), 401);
    assert_eq!(world.auth.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_requests_refused_at_once_cause_one_renewal() {
    let world = Arc::new(World::new());
    let first = world.tokens.token().await.unwrap();
    world.core_api.refuse_first_tokens(1);
    // No 401 goes out before all 100 are in: every task sends the first token.
    world.core_api.hold_refusals_until(100);
    let client = client(&world);
    let start = Arc::new(tokio::sync::Barrier::new(100));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (client, world, start) = (client.clone(), Arc::clone(&world), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                client
                    .get(world.core_url("/api/skus"))
                    .send()
                    .await
                    .unwrap()
                    .status()
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
    let client = client(&world);
    a_core_api_refusing_every_token(&world, || async {
        // A 401, or an error that says the renewal backs off.
        match client.get(world.core_url("/api/skus")).send().await {
            Ok(response) => assert_eq!(response.status(), 401),
            Err(err) => assert!(err.to_string().contains("refused"), "{err}"),
        }
    })
    .await;
}
