//! What the stand-in knows of people: customers with passwords, the refresh
//! tokens it issued for them (rotated on use, and expirable), and the
//! authorization codes the dashboard would have sent to a webapp (valid 10
//! minutes, usable once).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::server::AuthServer;

/// How long an authorization code lasts, as on the real server.
pub const AUTHORIZATION_CODE_LIFETIME: Duration = Duration::from_secs(600);

/// Who a token acts for: `owner_id` and `owner_type` of the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    pub(crate) id: String,
    /// `customer` or `user`.
    pub(crate) kind: String,
}

/// A refresh token: whose, for which client, and with which scope.
#[derive(Clone)]
pub(crate) struct Refresh {
    pub(crate) client_id: String,
    pub(crate) owner: Owner,
    pub(crate) scope: Option<String>,
}

struct Code {
    client_id: String,
    redirect_uri: String,
    owner: Owner,
    expires_at: Instant,
}

#[derive(Default)]
pub(crate) struct People {
    next: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// e-mail address → (password, customer id).
    customers: HashMap<String, (String, String)>,
    refresh_tokens: HashMap<String, Refresh>,
    codes: HashMap<String, Code>,
    refreshes: usize,
}

/// Why a code exchange was refused.
pub(crate) enum CodeRefusal {
    Unknown,
    Expired,
}

impl People {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fresh(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}-{n:06}-{}", crate::jwt::random_text())
    }

    /// The customer whose e-mail address and password these are.
    pub(crate) fn customer(&self, email: &str, password: &str) -> Option<Owner> {
        let inner = self.inner();
        let (expected, id) = inner.customers.get(email)?;
        (expected == password).then(|| Owner {
            id: id.clone(),
            kind: "customer".into(),
        })
    }

    /// A new refresh token for `refresh`.
    pub(crate) fn issue_refresh_token(&self, refresh: Refresh) -> String {
        let token = self.fresh("standin-refresh");
        self.inner().refresh_tokens.insert(token.clone(), refresh);
        token
    }

    /// Takes the refresh token (it works once: the answer carries a new one),
    /// when it is known and belongs to `client_id`.
    pub(crate) fn use_refresh_token(&self, token: &str, client_id: &str) -> Option<Refresh> {
        let mut inner = self.inner();
        if inner.refresh_tokens.get(token)?.client_id != client_id {
            return None;
        }
        inner.refreshes += 1;
        inner.refresh_tokens.remove(token)
    }

    /// Takes the code (it works once), when it is known, belongs to
    /// `client_id` and `redirect_uri`, and has not expired.
    pub(crate) fn use_code(
        &self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<Owner, CodeRefusal> {
        let mut inner = self.inner();
        let Some(found) = inner.codes.remove(code) else {
            return Err(CodeRefusal::Unknown);
        };
        if found.client_id != client_id || found.redirect_uri != redirect_uri {
            return Err(CodeRefusal::Unknown);
        }
        if Instant::now() >= found.expires_at {
            return Err(CodeRefusal::Expired);
        }
        Ok(found.owner)
    }
}

impl AuthServer {
    /// Registers a customer who logs in with `email` and `password`; returns
    /// the customer's id.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// let id = server.add_customer("ada@example.com", "correct horse");
    /// assert!(!id.is_empty());
    /// ```
    pub fn add_customer(&self, email: &str, password: &str) -> String {
        let id = format!(
            "customer-{}",
            self.state.people.next.fetch_add(1, Ordering::Relaxed)
        );
        self.state
            .people
            .inner()
            .customers
            .insert(email.to_owned(), (password.to_owned(), id.clone()));
        id
    }

    /// An authorization code for the webapp `client_id`, as the dashboard
    /// sends it to `redirect_uri` after user `user_id` agreed: valid 10
    /// minutes, usable once.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// let code = server.authorization_code("webapp", "https://app.example.com/cb", "user-1");
    /// assert!(code.starts_with("standin-code"));
    /// ```
    pub fn authorization_code(&self, client_id: &str, redirect_uri: &str, user_id: &str) -> String {
        let people = &self.state.people;
        let code = people.fresh("standin-code");
        people.inner().codes.insert(
            code.clone(),
            Code {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                owner: Owner {
                    id: user_id.to_owned(),
                    kind: "user".into(),
                },
                expires_at: Instant::now() + AUTHORIZATION_CODE_LIFETIME,
            },
        );
        code
    }

    /// Makes every authorization code issued so far expired, as if its 10
    /// minutes had passed (no test waits for them).
    ///
    /// ```
    /// scope_tests::AuthServer::start().expire_authorization_codes();
    /// ```
    pub fn expire_authorization_codes(&self) {
        let now = Instant::now();
        for code in self.state.people.inner().codes.values_mut() {
            code.expires_at = now;
        }
    }

    /// Forgets every refresh token issued so far, as if they had expired or
    /// been revoked: the next refresh with one is refused.
    ///
    /// ```
    /// scope_tests::AuthServer::start().expire_refresh_tokens();
    /// ```
    pub fn expire_refresh_tokens(&self) {
        self.state.people.inner().refresh_tokens.clear();
    }

    /// How many refresh tokens were presented to the `refresh_token` grant
    /// and accepted.
    ///
    /// ```
    /// assert_eq!(scope_tests::AuthServer::start().refreshes(), 0);
    /// ```
    pub fn refreshes(&self) -> usize {
        self.state.people.inner().refreshes
    }
}
