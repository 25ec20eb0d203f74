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
    /// The customer or user the token acts for.
    pub(crate) owner: Option<&'a crate::people::Owner>,
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
            AppKind::Webapp { .. } => "webapp",
        };
        let mut claims = crate::jwt::access_token_claims(
            kind,
            grant.app.client_id(),
            grant.scope,
            &self.base_url,
            grant.created_at,
            grant.expires_in,
        );
        if let Some(owner) = grant.owner {
            // `Customer` or `User`, as the real server writes the claim.
            let mut kind = owner.kind.clone();
            if let Some(first) = kind.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            claims["owner"] = serde_json::json!({"id": owner.id, "type": kind});
        }
        let token = self.keys.current().sign(&claims);
        self.revocations.issued(&token, grant.app.client_id());
        token
    }
}
