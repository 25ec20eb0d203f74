//! End to end against the stand-in: the claims of the tokens it issues, read with
//! `Token::claims()` and `decode_claims`, from the async and the blocking client.

mod auth_common;

use std::time::SystemTime;

use auth_common::{both_clients, integration, server, storefront, unix_now};
use scope_core::auth::{ApplicationKind, Credentials, ExposeSecret, Token, decode_claims};
use scope_core::scopes;
use scope_tests::AuthServer;
use scope_tests::jwt::{ORGANIZATION_ID, ORGANIZATION_SLUG};

/// One token from each client flavour.
fn tokens(server: &AuthServer, credentials: &Credentials) -> [Token; 2] {
    both_clients(server).map(|client| client.request_token(credentials).unwrap())
}

#[test]
fn a_sales_channel_token_says_what_it_is_for() {
    let server = server();
    let scope = scopes!("market:id:xYZkjABcde stock_location:id:WLgbSXqyoZ");
    let credentials = Credentials::sales_channel("storefront", scope.clone()).unwrap();
    for token in tokens(&server, &credentials) {
        let claims = token.claims().unwrap();

        let org = claims.organization.as_ref().unwrap();
        assert_eq!(org.slug.as_deref(), Some(ORGANIZATION_SLUG));
        assert_eq!(org.id.as_deref(), Some(ORGANIZATION_ID));
        assert_eq!(org.enterprise, Some(false));
        assert!(org.region.is_some());

        let app = claims.application.as_ref().unwrap();
        assert_eq!(app.kind, Some(ApplicationKind::SalesChannel));
        assert_eq!(app.public, Some(true));
        assert_eq!(app.client_id.as_deref(), Some("storefront"));

        let market = claims.market.as_ref().unwrap();
        assert_eq!(market.ids, ["xYZkjABcde"]);
        assert_eq!(market.stock_location_ids, ["WLgbSXqyoZ"]);
        assert_eq!(market.geocoder_id, None);
        assert_eq!(market.allows_external_prices, Some(false));

        assert_eq!(claims.scope.as_deref(), Some(token.scope()));
        assert_eq!(claims.scope_set.as_ref(), Some(&scope));
        assert_eq!(claims.iss.as_deref(), Some(server.base_url().as_str()));
        assert_eq!(claims.test, Some(true));
        assert!(claims.rand.is_some_and(|r| (0.0..1.0).contains(&r)));
        let (iat, exp) = (claims.iat.unwrap(), claims.exp.unwrap());
        assert!((iat as i64).abs_diff(unix_now()) <= 2, "iat {iat}");
        assert_eq!(exp - iat, token.expires_in().as_secs());
        assert_eq!(claims.is_expired_at(SystemTime::now()), Some(false));
    }
}

#[test]
fn an_integration_token_is_confidential_and_has_no_market_for_market_all() {
    let server = server();
    let credentials = integration();
    for token in tokens(&server, &credentials) {
        let claims = token.claims().unwrap();
        let app = claims.application.as_ref().unwrap();
        assert_eq!(app.kind, Some(ApplicationKind::Integration));
        assert_eq!(app.public, Some(false));
        assert_eq!(app.confidential, Some(true));
        assert_eq!(claims.scope.as_deref(), Some("market:all"));
        assert_eq!(claims.market, None);
        assert_eq!(claims.exp.unwrap() - claims.iat.unwrap(), 7_200);
    }
}

#[test]
fn the_core_api_base_url_follows_the_organization() {
    let server = server();
    let credentials = integration();
    for token in tokens(&server, &credentials) {
        // The stand-in's issuer is a loopback URL, not `https://auth.{domain}`: the default domain.
        assert_eq!(
            token.core_api_base_url().unwrap(),
            format!("https://{ORGANIZATION_SLUG}.commercelayer.io")
        );
    }
}

#[test]
fn decode_claims_reads_any_token_text_the_same_way() {
    let server = server();
    let [token, _] = tokens(&server, &storefront());
    let text = token.access_token().expose_secret().to_owned();
    assert_eq!(decode_claims(&text).unwrap(), token.claims().unwrap());
    // A market by code resolves to an id the token names.
    let market = token.claims().unwrap().market.unwrap();
    assert_eq!(market.ids.len(), 1);
    assert_eq!(market.ids[0].len(), 10);
}

#[test]
fn tokens_the_stand_in_signs_for_other_kinds_decode_too() {
    let server = server();
    let key = server.signing_key();
    let now = unix_now();
    for (kind, expected) in [
        ("webapp", ApplicationKind::Webapp),
        ("user", ApplicationKind::User),
        ("dashboard", ApplicationKind::Dashboard),
    ] {
        let scope = if kind == "webapp" {
            "market:id:xYZkjABcde"
        } else {
            "provisioning-api"
        };
        let claims_json = scope_tests::jwt::access_token_claims(
            kind,
            "app",
            scope,
            &server.base_url(),
            now,
            7200,
        );
        let claims = decode_claims(&key.sign(&claims_json)).unwrap();
        assert_eq!(claims.application.unwrap().kind, Some(expected));
        match kind {
            "webapp" => {
                assert_eq!(claims.owner.unwrap().owner_type.as_deref(), Some("User"));
                assert!(claims.organization.is_some());
            }
            _ => {
                assert!(claims.user.unwrap().id.is_some());
                assert_eq!(claims.organization, None);
            }
        }
    }
}
