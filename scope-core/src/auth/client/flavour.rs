//! What the caches ask of a client, in either flavour: one token request and
//! one revocation, as futures. The blocking client's calls run when the
//! future is polled, under the blocking flavour's own `block_on`, so the one
//! async implementation of the lease loop and of sessions serves both.

use std::future::Future;

use secrecy::SecretString;

use crate::auth::budget::Need;
use crate::auth::{AuthClient, AuthError, Credentials, Grant, Token};

pub(crate) trait Flavour: Clone + Send + Sync + 'static {
    /// The auth server's URL, the first part of every store key.
    fn base_url(&self) -> &str;

    /// One token request for a caller of `need` (its place in the budget).
    fn token_with<'a>(
        &'a self,
        credentials: &'a Credentials,
        grant: &'a Grant,
        need: Need,
    ) -> impl Future<Output = Result<Token, AuthError>> + Send + 'a;

    fn revoke<'a>(
        &'a self,
        token: &'a SecretString,
        credentials: &'a Credentials,
    ) -> impl Future<Output = Result<(), AuthError>> + Send + 'a;
}

impl Flavour for AuthClient {
    fn base_url(&self) -> &str {
        AuthClient::base_url(self)
    }

    fn token_with<'a>(
        &'a self,
        credentials: &'a Credentials,
        grant: &'a Grant,
        need: Need,
    ) -> impl Future<Output = Result<Token, AuthError>> + Send + 'a {
        self.token_for(credentials, grant, need)
    }

    fn revoke<'a>(
        &'a self,
        token: &'a SecretString,
        credentials: &'a Credentials,
    ) -> impl Future<Output = Result<(), AuthError>> + Send + 'a {
        AuthClient::revoke(self, token, credentials)
    }
}

#[cfg(feature = "blocking")]
impl Flavour for super::blocking::AuthClient {
    fn base_url(&self) -> &str {
        super::blocking::AuthClient::base_url(self)
    }

    async fn token_with(
        &self,
        credentials: &Credentials,
        grant: &Grant,
        need: Need,
    ) -> Result<Token, AuthError> {
        self.token_for(credentials, grant, need)
    }

    async fn revoke(
        &self,
        token: &SecretString,
        credentials: &Credentials,
    ) -> Result<(), AuthError> {
        super::blocking::AuthClient::revoke(self, token, credentials)
    }
}
