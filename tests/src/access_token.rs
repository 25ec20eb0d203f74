//! The access tokens the stand-in issues: the one place that makes them.

use std::sync::atomic::Ordering;

use crate::app::{App, AppKind};
use crate::state::State;

/// What a token is issued for.
pub(crate) struct Grant<'a> {
    pub(crate) app: &'a App,
    /// The granted scope text, as the response will carry it.
    pub(crate) scope: &'a str,
    /// Unix seconds.
    pub(crate) created_at: i64,
    pub(crate) expires_in: u64,
}

impl State {
    /// A JWT signed with RS512 by the stand-in's current key, with the claims
    /// Commerce Layer gives this kind of application (see [`crate::jwt`]); the
    /// stand-in remembers it so that it can be revoked.
    pub(crate) fn issue_access_token(&self, grant: &Grant<'_>) -> String {
        self.issued.fetch_add(1, Ordering::Relaxed);
        let kind = match grant.app.kind() {
            AppKind::SalesChannel => "sales_channel",
            AppKind::Integration { .. } => "integration",
        };
        let claims = crate::jwt::access_token_claims(
            kind,
            grant.app.client_id(),
            grant.scope,
            &self.base_url,
            grant.created_at,
            grant.expires_in,
        );
        let token = self.keys.current().sign(&claims);
        self.revocations.issued(&token, grant.app.client_id());
        token
    }
}
