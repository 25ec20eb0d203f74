//! End to end against the stand-in: `blocking::Verifier`, the blocking twin of `Verifier`, with
//! the same checks and the same key cache rules.

mod auth_common;

use std::time::Duration;

use auth_common::{integration, server, unix_now};
use scope_core::auth::{
    ApplicationKind, ExposeSecret, Token, VerifyError,
    blocking::{AuthClient, Verifier as BlockingVerifier},
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

fn token(server: &AuthServer) -> Token {
    client(server).request_token(&integration()).unwrap()
}

fn claims(server: &AuthServer, age: i64, lifetime: u64) -> Value {
    let now = unix_now();
    access_token_claims(
        "integration",
        "backend",
        "market:all",
        &server.base_url(),
        now - age,
        lifetime,
    )
}

#[test]
fn a_token_verifies_and_the_key_set_is_fetched_once() {
    let server = server();
    let verifier = client(&server).verifier();
    assert_eq!(verifier.jwks_url(), server.jwks_url());
    for _ in 0..3 {
        let token = token(&server);
        for _ in 0..5 {
            let claims = verifier.verify_token(&token).unwrap();
            assert_eq!(
                claims.application.unwrap().kind,
                Some(ApplicationKind::Integration)
            );
        }
    }
    assert_eq!(server.requests_to(JWKS_PATH), 1);
    assert!(format!("{verifier:?}").contains(server.signing_key().kid()));
}

#[test]
fn threads_that_verify_at_once_share_one_fetch() {
    let server = server();
    let text = token(&server).access_token().expose_secret().to_owned();
    let verifier = BlockingVerifier::builder(&client(&server)).build();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| scope.spawn(|| verifier.verify(&text).map(|_| ())))
            .collect();
        for handle in handles {
            handle.join().unwrap().unwrap();
        }
    });
    assert_eq!(server.requests_to(JWKS_PATH), 1);
}

#[test]
fn forged_altered_expired_and_unsigned_tokens_are_refused() {
    let server = server();
    let verifier = client(&server).verifier();
    let key = server.signing_key();

    let genuine = token(&server).access_token().expose_secret().to_owned();
    let mut payload = claims(&server, 0, 7200);
    payload["test"] = json!(false);
    let parts: Vec<&str> = genuine.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], encode_segment(&payload), parts[2]);
    assert!(matches!(
        verifier.verify(&tampered),
        Err(VerifyError::BadSignature)
    ));

    let forged = SigningKey::generate()
        .with_kid(key.kid())
        .sign(&claims(&server, 0, 7200));
    assert!(matches!(
        verifier.verify(&forged),
        Err(VerifyError::BadSignature)
    ));

    let expired = key.sign(&claims(&server, 7_300, 7_200));
    assert!(matches!(
        verifier.verify(&expired),
        Err(VerifyError::Expired { .. })
    ));
    let lenient = client(&server)
        .verifier_builder()
        .ignore_expiry(true)
        .build();
    lenient.verify(&expired).unwrap();

    let unsigned = unsigned_token(&claims(&server, 0, 7200));
    assert!(
        matches!(verifier.verify(&unsigned), Err(VerifyError::Algorithm { found: Some(alg) }) if alg == "none")
    );

    let stranger = key.with_kid("unknown-kid").sign(&claims(&server, 0, 7200));
    for _ in 0..3 {
        assert!(matches!(
            verifier.verify(&stranger),
            Err(VerifyError::UnknownKeyId { .. })
        ));
    }
    // One fetch by each verifier (`verifier`, `lenient`); the unknown kid is within the cooldown.
    assert_eq!(server.requests_to(JWKS_PATH), 2);
}

#[test]
fn a_rotated_key_is_fetched_when_its_kid_appears() {
    let server = server();
    let verifier = client(&server)
        .verifier_builder()
        .refetch_cooldown(Duration::ZERO)
        .build();
    verifier.verify_token(&token(&server)).unwrap();
    server.rotate_signing_key();
    verifier.verify_token(&token(&server)).unwrap();
    assert_eq!(server.requests_to(JWKS_PATH), 2);
}

#[test]
fn keys_that_cannot_be_fetched_are_a_clear_error() {
    let server = server();
    let token = token(&server);
    let verifier = client(&server).verifier();
    drop(server);
    let err = verifier.verify_token(&token).unwrap_err();
    assert!(matches!(&err, VerifyError::KeysUnavailable(_)), "{err:?}");
    assert!(
        !err.to_string()
            .contains(token.access_token().expose_secret())
    );
}
