//! The access tokens the stand-in issues: the one place that makes them.

use std::sync::atomic::Ordering;

use crate::app::App;
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
    /// An opaque, unique token in the three-part shape of a JWT (header,
    /// claims, signature), made of URL-safe characters only.
    pub(crate) fn issue_access_token(&self, grant: &Grant<'_>) -> String {
        let serial = self.issued.fetch_add(1, Ordering::Relaxed) + 1;
        let claims = format!(
            "{}.{}.{}.{}",
            grant.app.client_id(),
            grant.scope,
            grant.created_at,
            grant.expires_in
        );
        format!(
            "standin.{}.{serial:08x}{:016x}",
            hex(claims.as_bytes()),
            self.nonce
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
