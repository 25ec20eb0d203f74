//! `POST /oauth/revoke`: revoking the tokens the stand-in issued.
//!
//! Revocation takes JSON `{client_id, client_secret?, token}` and answers `200 {}`. It refuses
//! with 403 a token the stand-in did not issue to that client, and an integration whose secret
//! is missing or wrong; a body that is not such JSON is a 400. Revoking a token twice succeeds
//! both times, as OAuth revocation does.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};

use crate::answer::{self, Answer};
use crate::app::AppKind;
use crate::received::ReceivedRequest;
use crate::server::AuthServer;
use crate::state::State;

/// Which client each issued token belongs to, and which were revoked.
#[derive(Default)]
pub(crate) struct Revocations {
    tokens: Mutex<HashMap<String, Issued>>,
}

struct Issued {
    client_id: String,
    revoked: bool,
}

impl Revocations {
    fn tokens(&self) -> MutexGuard<'_, HashMap<String, Issued>> {
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn issued(&self, token: &str, client_id: &str) {
        self.tokens().insert(
            token.to_owned(),
            Issued {
                client_id: client_id.to_owned(),
                revoked: false,
            },
        );
    }

    fn revoke(&self, token: &str, client_id: &str) -> bool {
        match self.tokens().get_mut(token) {
            Some(issued) if issued.client_id == client_id => {
                issued.revoked = true;
                true
            }
            _ => false,
        }
    }

    fn is_revoked(&self, token: &str) -> bool {
        self.tokens()
            .get(token)
            .is_some_and(|issued| issued.revoked)
    }

    fn revoked_count(&self) -> usize {
        self.tokens()
            .values()
            .filter(|issued| issued.revoked)
            .count()
    }
}

pub(crate) fn revoke(state: &State, request: &ReceivedRequest) -> Answer {
    let shape = state.error_shape();
    let bad_request =
        |detail: &str| answer::error(shape, 400, "invalid_request", detail, "BAD_REQUEST");
    let refused =
        |detail: &str| answer::error(shape, 403, "unauthorized_client", detail, "FORBIDDEN");

    let Some(Value::Object(body)) = request.json() else {
        return bad_request(
            "send a JSON object with `client_id`, `token` and, for confidential apps, `client_secret`",
        );
    };
    let text = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
    };
    let (Some(client_id), Some(token)) = (text("client_id"), text("token")) else {
        return bad_request("The request is missing a required parameter: client_id or token.");
    };
    let Some(app) = state.app(client_id) else {
        return refused("You are not authorized to revoke this token: the client is unknown.");
    };
    if let AppKind::Integration { secret } = app.kind()
        && text("client_secret") != Some(secret.as_str())
    {
        return refused(
            "You are not authorized to revoke this token: client authentication failed.",
        );
    }
    if !state.revocations.revoke(token, client_id) {
        return refused(
            "You are not authorized to revoke this token: it was not issued to this client.",
        );
    }
    answer::json(200, &json!({}))
}

impl AuthServer {
    /// Whether `token`, issued by this stand-in, has been revoked.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// assert!(!server.is_revoked("never-issued"));
    /// ```
    pub fn is_revoked(&self, token: &str) -> bool {
        self.state.revocations.is_revoked(token)
    }

    /// How many issued tokens have been revoked.
    ///
    /// ```
    /// assert_eq!(scope_tests::AuthServer::start().revoked_tokens(), 0);
    /// ```
    pub fn revoked_tokens(&self) -> usize {
        self.state.revocations.revoked_count()
    }
}
