//! What the outgoing middleware's tests share: the auth stand-in with an
//! integration, a token source over it, the Core API stand-in, and a second
//! server on another port that plays another host.

#![allow(dead_code)] // each test file uses a part

use std::sync::Arc;

use scope_core::auth::outgoing::Origin;
use scope_core::auth::{AuthClient, Credentials, TokenSource};
use scope_tests::{AuthServer, CoreApi};

pub struct World {
    pub auth: AuthServer,
    pub tokens: Arc<TokenSource>,
    pub core_api: CoreApi,
    /// Another origin (another port of 127.0.0.1): it must never see a token.
    pub elsewhere: CoreApi,
}

impl World {
    pub fn new() -> World {
        let auth = AuthServer::start();
        auth.add_integration("backend", "s3cret");
        let client = AuthClient::builder()
            .base_url(auth.base_url())
            .build()
            .expect("a client for the stand-in");
        let tokens = TokenSource::new(client, Credentials::integration("backend", "s3cret", None));
        World {
            auth,
            tokens: Arc::new(tokens),
            core_api: CoreApi::start(),
            elsewhere: CoreApi::start(),
        }
    }

    /// The Core API stand-in's origin, the one the middleware is built for.
    pub fn origin(&self) -> Origin {
        Origin::new(&self.core_api.base_url()).expect("a loopback origin")
    }

    /// A URL on the Core API stand-in.
    pub fn core_url(&self, path: &str) -> String {
        format!("{}{path}", self.core_api.base_url())
    }

    /// A URL on the other server.
    pub fn elsewhere_url(&self, path: &str) -> String {
        format!("{}{path}", self.elsewhere.base_url())
    }
}

/// `Bearer {token}`, as the Core API should receive it.
pub fn bearer(token: &scope_core::auth::Token) -> String {
    use scope_core::auth::ExposeSecret;
    format!("Bearer {}", token.access_token().expose_secret())
}

/// After 100 tasks each sent `first` and got a 401 at once: one renewal in
/// all, every task refused once with the first token, and retried once.
#[allow(dead_code)] // not every test file has the storm
pub fn assert_one_renewal_for_100_refused(world: &World, first: &scope_core::auth::Token) {
    assert_eq!(
        world.auth.token_requests(),
        2,
        "the first token and one renewal"
    );
    let refused = world
        .core_api
        .authorizations()
        .iter()
        .filter(|seen| seen.as_deref() == Some(bearer(first).as_str()))
        .count();
    assert_eq!(
        refused, 100,
        "every task sent the first token and was refused"
    );
    assert_eq!(world.core_api.requests().len(), 200, "each retried once");
}
