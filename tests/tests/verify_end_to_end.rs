//! End to end against the stand-in: `Verifier` checks RS512 signatures with the keys the
//! stand-in publishes at `/.well-known/jwks.json`, fetched once and cached by `kid`. Key set
//! endpoints that misbehave are raw sockets here; the oversized one is tried with the
//! `blocking::Verifier` too.

mod auth_common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use auth_common::{integration, server, unix_now};
use scope_core::auth::{
    ApplicationKind, AuthClient, AuthError, Claims, ClaimsErrorKind, ExposeSecret, Verifier,
    VerifyError,
};
use scope_tests::AuthServer;
use scope_tests::jwt::{
    JWKS_PATH, SigningKey, access_token_claims, encode_segment, unsigned_token,
};
use serde_json::{Value, json};

fn client(server: &AuthServer) -> AuthClient {
    AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap()
}

/// Integration claims issued by `server`, issued `age` seconds ago and valid for `lifetime`.
fn claims(server: &AuthServer, age: i64, lifetime: u64) -> Value {
    access_token_claims(
        "integration",
        "backend",
        "market:all",
        &server.base_url(),
        unix_now() - age,
        lifetime,
    )
}

async fn issued_token(server: &AuthServer) -> String {
    let token = client(server).request_token(&integration()).await.unwrap();
    token.access_token().expose_secret().to_owned()
}

/// A token with its payload replaced and its header and signature kept.
fn with_payload(token: &str, payload: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!("{}.{}.{}", parts[0], encode_segment(payload), parts[2])
}

/// Verifies `token` from `count` tasks started at once, and gives each outcome.
async fn verify_at_once(
    verifier: &Verifier,
    token: &str,
    count: usize,
) -> Vec<Result<Claims, VerifyError>> {
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.to_owned());
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(count);
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

fn assert_no_token_in(err: &VerifyError, token: &str) {
    let text = format!("{err} {err:?}");
    for part in token.split('.').filter(|part| part.len() > 8) {
        assert!(!text.contains(part), "the error repeats the token: {text}");
    }
}

#[tokio::test]
async fn a_token_from_the_stand_in_verifies_and_gives_its_claims() {
    let server = server();
    let token = issued_token(&server).await;
    let verifier = client(&server).verifier();
    assert_eq!(verifier.jwks_url(), server.jwks_url());

    let claims = verifier.verify(&token).await.unwrap();
    assert_eq!(
        claims.application.unwrap().kind,
        Some(ApplicationKind::Integration)
    );
    assert_eq!(claims.iss.as_deref(), Some(server.base_url().as_str()));
    assert_eq!(server.requests_to(JWKS_PATH), 1);
}

#[tokio::test]
async fn a_token_value_verifies_through_verify_token() {
    let server = server();
    let token = client(&server).request_token(&integration()).await.unwrap();
    let claims = client(&server)
        .verifier()
        .verify_token(&token)
        .await
        .unwrap();
    assert_eq!(claims, token.claims().unwrap());
}

#[tokio::test]
async fn the_key_set_is_fetched_once_for_many_verifications() {
    let server = server();
    let verifier = client(&server).verifier();
    for _ in 0..3 {
        let token = issued_token(&server).await;
        for _ in 0..10 {
            verifier.verify(&token).await.unwrap();
        }
    }
    // Clones share the cache.
    let clone = verifier.clone();
    clone.verify(&issued_token(&server).await).await.unwrap();
    assert_eq!(server.requests_to(JWKS_PATH), 1);
}

#[tokio::test]
async fn many_concurrent_first_verifications_share_one_fetch() {
    let server = server();
    let token = issued_token(&server).await;
    let verifier = client(&server).verifier();
    for outcome in verify_at_once(&verifier, &token, 50).await {
        outcome.unwrap();
    }
    assert_eq!(server.requests_to(JWKS_PATH), 1);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_when_its_kid_first_appears() {
    let server = server();
    let verifier = client(&server)
        .verifier_builder()
        .refetch_cooldown(Duration::ZERO)
        .build();
    verifier.verify(&issued_token(&server).await).await.unwrap();
    assert_eq!(server.requests_to(JWKS_PATH), 1);

    let new_key = server.rotate_signing_key();
    let token = issued_token(&server).await;
    assert!(token.starts_with(&encode_segment(
        &json!({"alg": "RS512", "typ": "JWT", "kid": new_key.kid()})
    )));
    for outcome in verify_at_once(&verifier, &token, 20).await {
        outcome.unwrap();
    }
    assert_eq!(
        server.requests_to(JWKS_PATH),
        2,
        "one refetch for the new kid, shared by all callers"
    );
}

#[tokio::test]
async fn a_tampered_payload_is_a_bad_signature() {
    let server = server();
    let token = issued_token(&server).await;
    let mut payload = claims(&server, 0, 7200);
    payload["organization"]["slug"] = json!("someone-else");
    let tampered = with_payload(&token, &payload);

    let err = client(&server)
        .verifier()
        .verify(&tampered)
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::BadSignature), "{err:?}");
    assert_no_token_in(&err, &tampered);
}

#[tokio::test]
async fn a_token_signed_with_another_key_under_the_right_kid_is_a_bad_signature() {
    let server = server();
    let forger = SigningKey::generate().with_kid(server.signing_key().kid());
    let forged = forger.sign(&claims(&server, 0, 7200));

    let err = client(&server)
        .verifier()
        .verify(&forged)
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::BadSignature), "{err:?}");
    assert!(err.to_string().contains("signature"));
}

#[tokio::test]
async fn an_unknown_kid_is_refused_after_one_fetch_and_does_not_refetch_within_the_cooldown() {
    let server = server();
    let stranger = server.signing_key().with_kid("not-a-key-of-the-stand-in");
    let token = stranger.sign(&claims(&server, 0, 7200));
    let verifier = client(&server).verifier();

    for _ in 0..5 {
        let err = verifier.verify(&token).await.unwrap_err();
        match &err {
            VerifyError::UnknownKeyId { kid } => assert_eq!(kid, "not-a-key-of-the-stand-in"),
            other => panic!("expected an unknown kid, got {other:?}"),
        }
    }
    assert_eq!(
        server.requests_to(JWKS_PATH),
        1,
        "unknown kids must not turn into a request each"
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_unless_expiry_is_ignored() {
    let server = server();
    let expired = server.signing_key().sign(&claims(&server, 7_300, 7_200));

    let err = client(&server)
        .verifier()
        .verify(&expired)
        .await
        .unwrap_err();
    match &err {
        VerifyError::Expired { expired_at } => {
            let ago = SystemTime::now().duration_since(*expired_at).unwrap();
            assert!((99..=102).contains(&ago.as_secs()), "{ago:?}");
        }
        other => panic!("expected expired, got {other:?}"),
    }
    assert!(err.to_string().contains("expired"));

    let lenient = client(&server)
        .verifier_builder()
        .ignore_expiry(true)
        .build();
    let claims = lenient.verify(&expired).await.unwrap();
    assert!(claims.exp.is_some());

    let with_leeway = client(&server)
        .verifier_builder()
        .leeway(Duration::from_secs(600))
        .build();
    with_leeway.verify(&expired).await.unwrap();
}

#[tokio::test]
async fn a_token_without_exp_is_refused_unless_expiry_is_ignored() {
    let server = server();
    let mut payload = claims(&server, 0, 7200);
    payload.as_object_mut().unwrap().remove("exp");
    let token = server.signing_key().sign(&payload);
    let err = client(&server).verifier().verify(&token).await.unwrap_err();
    assert!(matches!(err, VerifyError::MissingExpiry), "{err:?}");
    client(&server)
        .verifier_builder()
        .ignore_expiry(true)
        .build()
        .verify(&token)
        .await
        .unwrap();
}

#[tokio::test]
async fn alg_none_and_other_algorithms_are_refused_before_any_fetch() {
    let server = server();
    let verifier = client(&server).verifier();

    let unsigned = unsigned_token(&claims(&server, 0, 7200));
    let err = verifier.verify(&unsigned).await.unwrap_err();
    assert!(
        matches!(&err, VerifyError::Algorithm { found: Some(alg) } if alg == "none"),
        "{err:?}"
    );
    assert_no_token_in(&err, &unsigned);

    // `alg: none` naming a real kid, with the genuine signature kept: still refused.
    let key = server.signing_key();
    let genuine = key.sign(&claims(&server, 0, 7200));
    let signature = genuine.rsplit('.').next().unwrap();
    let header = encode_segment(&json!({"alg": "none", "kid": key.kid()}));
    let payload = genuine.split('.').nth(1).unwrap();
    let relabelled = format!("{header}.{payload}.{signature}");
    let err = verifier.verify(&relabelled).await.unwrap_err();
    assert!(
        matches!(&err, VerifyError::Algorithm { found: Some(alg) } if alg == "none"),
        "{err:?}"
    );

    for alg in ["HS512", "RS256", "PS512"] {
        let token = key.sign_with_header(
            &json!({"alg": alg, "kid": key.kid()}),
            &claims(&server, 0, 7200),
        );
        let err = verifier.verify(&token).await.unwrap_err();
        assert!(
            matches!(&err, VerifyError::Algorithm { found: Some(found) } if found == alg),
            "{alg}: {err:?}"
        );
    }
    let no_alg = key.sign_with_header(&json!({"kid": key.kid()}), &claims(&server, 0, 7200));
    assert!(matches!(
        verifier.verify(&no_alg).await,
        Err(VerifyError::Algorithm { found: None })
    ));

    assert_eq!(
        server.requests_to(JWKS_PATH),
        0,
        "a wrong algorithm is refused without looking up keys"
    );
}

#[tokio::test]
async fn a_header_without_kid_and_malformed_tokens_are_refused() {
    let server = server();
    let verifier = client(&server).verifier();
    let key = server.signing_key();
    let no_kid = key.sign_with_header(&json!({"alg": "RS512"}), &claims(&server, 0, 7200));
    assert!(matches!(
        verifier.verify(&no_kid).await,
        Err(VerifyError::MissingKeyId)
    ));

    for (text, kind) in [
        ("not a token", ClaimsErrorKind::NotAJwt),
        (
            "e30.%%%.c2ln",
            ClaimsErrorKind::Base64(scope_core::auth::JwtPart::Payload),
        ),
        (
            "WzFd.e30.c2ln",
            ClaimsErrorKind::NotJsonObject(scope_core::auth::JwtPart::Header),
        ),
    ] {
        match verifier.verify(text).await {
            Err(VerifyError::Malformed(err)) => assert_eq!(err.kind(), kind, "{text}"),
            other => panic!("{text}: expected malformed, got {other:?}"),
        }
    }
    let bad_signature = format!("{}.!!not-base64!!", no_kid.rsplit_once('.').unwrap().0);
    let with_kid = bad_signature.replacen(
        no_kid.split('.').next().unwrap(),
        &encode_segment(&json!({"alg": "RS512", "kid": key.kid()})),
        1,
    );
    assert!(matches!(
        verifier.verify(&with_kid).await,
        Err(VerifyError::BadSignature)
    ));
}

#[tokio::test]
async fn keys_that_cannot_be_fetched_are_a_clear_error() {
    let server = server();
    let token = issued_token(&server).await;
    let verifier = client(&server).verifier();
    drop(server);

    let err = verifier.verify(&token).await.unwrap_err();
    assert!(
        matches!(&err, VerifyError::KeysUnavailable(e) if matches!(**e, AuthError::Transport(_))),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("signing keys could not be fetched"),
        "{err}"
    );
    assert_no_token_in(&err, &token);
}

#[tokio::test]
async fn a_verifier_of_another_auth_server_does_not_know_the_key() {
    let issuer = server();
    issuer.rotate_signing_key(); // a key of its own, not the default every stand-in starts with
    let other = server();
    let token = issued_token(&issuer).await;
    let err = Verifier::builder(&client(&other))
        .build()
        .verify(&token)
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::UnknownKeyId { .. }), "{err:?}");
    assert!(err.to_string().contains("base URL"), "{err}");
}

/// A key set endpoint that answers every request with the raw HTTP `answer` and counts the
/// requests it gets.
fn key_server(answer: Vec<u8>) -> (String, Heads) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Heads::default();
    let recorded = Arc::clone(&heads);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            recorded
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).to_lowercase());
            let _ = stream.write_all(&answer);
        }
    });
    (base_url, heads)
}

/// The heads of the requests a raw key set endpoint received, lowercased.
type Heads = Arc<Mutex<Vec<String>>>;

fn count(heads: &Heads) -> usize {
    heads.lock().unwrap().len()
}

/// A key set endpoint that always answers 500.
fn failing_key_server() -> (String, Heads) {
    key_server(
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            .to_vec(),
    )
}

/// A key set endpoint whose body, sent without `Content-Length`, passes the 256 KiB least
/// limit of a key set: the client must count as it reads.
fn oversized_key_server() -> String {
    let mut answer =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n".to_vec();
    answer.resize(answer.len() + 300 * 1024, b' ');
    key_server(answer).0
}

fn assert_too_large(err: &VerifyError) {
    assert!(
        matches!(err, VerifyError::KeysUnavailable(e) if matches!(**e, AuthError::Decode(_))),
        "{err:?}"
    );
    assert!(err.to_string().contains("larger than"), "{err}");
}

#[tokio::test]
async fn an_oversized_key_set_is_refused_while_it_is_read() {
    let server = server();
    let token = issued_token(&server).await;
    let base_url = oversized_key_server();
    let verifier = AuthClient::builder()
        .base_url(base_url)
        .build()
        .unwrap()
        .verifier();
    assert_too_large(&verifier.verify(&token).await.unwrap_err());
}

#[test]
fn an_oversized_key_set_is_refused_while_it_is_read_by_the_blocking_verifier() {
    let server = server();
    let token = scope_core::auth::blocking::AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap()
        .request_token(&integration())
        .unwrap();
    let verifier = scope_core::auth::blocking::AuthClient::builder()
        .base_url(oversized_key_server())
        .build()
        .unwrap()
        .verifier();
    assert_too_large(&verifier.verify_token(&token).unwrap_err());
}

#[tokio::test]
async fn a_failing_key_set_is_asked_once_and_its_error_shared() {
    let server = server();
    let token = issued_token(&server).await;
    let (base_url, requests) = failing_key_server();
    let client = AuthClient::builder().base_url(base_url).build().unwrap();
    let verifier = client.verifier();

    for outcome in verify_at_once(&verifier, &token, 20).await {
        let err = outcome.unwrap_err();
        assert!(
            matches!(&err, VerifyError::KeysUnavailable(e) if e.status() == Some(500)),
            "{err:?}"
        );
    }
    assert_eq!(
        count(&requests),
        1,
        "concurrent callers share one failed fetch"
    );

    // Within the backoff, no new request either.
    assert!(verifier.verify(&token).await.is_err());
    assert_eq!(count(&requests), 1);

    // Without a cooldown, the next caller tries again.
    let eager = client
        .verifier_builder()
        .refetch_cooldown(Duration::ZERO)
        .build();
    assert!(eager.verify(&token).await.is_err());
    assert!(eager.verify(&token).await.is_err());
    assert_eq!(count(&requests), 3);
}

/// The key set is fetched with a GET: it carries the client's `Accept` and extra
/// headers, but no `Content-Type`, which only describes the token request's JSON body.
#[tokio::test]
async fn the_key_set_request_carries_the_headers_of_a_get() {
    let server = server();
    let token = issued_token(&server).await;
    let (base_url, heads) = failing_key_server();
    let async_client = AuthClient::builder()
        .base_url(base_url.clone())
        .header("x-enterprise", "acme")
        .build()
        .unwrap();
    assert!(async_client.verifier().verify(&token).await.is_err());
    let blocking_client = tokio::task::spawn_blocking(move || {
        let client = scope_core::auth::blocking::AuthClient::builder()
            .base_url(base_url)
            .header("x-enterprise", "acme")
            .build()
            .unwrap();
        assert!(client.verifier().verify(&token).is_err());
    });
    blocking_client.await.unwrap();
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 2, "one fetch per verifier");
    for head in heads.iter() {
        assert!(head.starts_with("get /.well-known/jwks.json "), "{head}");
        assert!(head.contains("accept: application/json"), "{head}");
        assert!(head.contains("x-enterprise: acme"), "{head}");
        assert!(!head.contains("content-type"), "{head}");
    }
}
