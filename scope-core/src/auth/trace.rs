//! The crate's log lines (feature `tracing`): a span around each request to the auth
//! server and each renewal of a token source, events for what an operator needs to see.
//!
//! Every line goes through the macros here. Without the feature they compile to nothing:
//! their values are borrowed by a closure that is never called, so they are type-checked
//! but never evaluated, and call sites need no `#[cfg]`. A line is written as
//! the message, then each field as `name = %value` (its `Display`) or `name = ?value` (its
//! `Debug`). `warning!` is `warn!` by another name (`warn` is a built-in attribute).
//!
//! No field may hold a secret (client secret, access or refresh token, password,
//! assertion, a Redis password) or a customer's e-mail address: a request's fields are
//! its kind, grant name, client id and scope; a failure is logged by its kind and
//! status ([`error_kind`]), never by server text; a session by a short hash of its key
//! (the key is a bearer secret).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::{AuthError, Credentials, Grant, StoreError};

#[cfg(feature = "tracing")]
macro_rules! event {
    ($level:ident, $message:literal $(, $name:ident = $sigil:tt $value:expr)* $(,)?) => {
        ::tracing::event!(::tracing::Level::$level, $($name = $sigil $value,)* $message)
    };
}

#[cfg(not(feature = "tracing"))]
macro_rules! event {
    ($level:ident, $message:literal $(, $name:ident = $sigil:tt $value:expr)* $(,)?) => {{
        // Type-checked, never run.
        let _ = || {
            $(let _ = &$value;)*
        };
    }};
}

/// A routine step: a renewal, a lease taken.
macro_rules! debug {
    ($($arg:tt)*) => { $crate::auth::trace::event!(DEBUG, $($arg)*) };
}

/// A rare step worth seeing at the default level: a refused token, a session ended.
macro_rules! info {
    ($($arg:tt)*) => { $crate::auth::trace::event!(INFO, $($arg)*) };
}

/// Something an operator should look at: a backoff, the fallback, a bad stored value.
macro_rules! warning {
    ($($arg:tt)*) => { $crate::auth::trace::event!(WARN, $($arg)*) };
}

/// An `INFO` span (or, without the feature, a [`Span`] that is nothing).
#[cfg(feature = "tracing")]
macro_rules! span {
    ($name:literal $(, $field:ident = $sigil:tt $value:expr)* $(,)?) => {
        ::tracing::info_span!($name $(, $field = $sigil $value)*)
    };
}

#[cfg(not(feature = "tracing"))]
macro_rules! span {
    ($name:literal $(, $field:ident = $sigil:tt $value:expr)* $(,)?) => {{
        let _ = || {
            $(let _ = &$value;)*
        };
        $crate::auth::trace::Span
    }};
}

pub(crate) use {debug, event, info, warning};

#[cfg(feature = "tracing")]
pub(crate) use tracing::Span;

/// Without the feature, a span is nothing.
#[cfg(not(feature = "tracing"))]
#[derive(Clone, Copy)]
pub(crate) struct Span;

#[cfg(not(feature = "tracing"))]
impl Span {
    pub(crate) fn current() -> Span {
        Span
    }

    // Used by the blocking flavour only.
    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        f()
    }
}

/// A future run inside a span (or, without the feature, the future itself).
#[cfg(feature = "tracing")]
pub(crate) type InSpan<F> = tracing::instrument::Instrumented<F>;
#[cfg(not(feature = "tracing"))]
pub(crate) type InSpan<F> = F;

/// `future`, run inside `span`.
#[inline]
pub(crate) fn in_span<F: Future>(future: F, span: Span) -> InSpan<F> {
    #[cfg(feature = "tracing")]
    return tracing::Instrument::instrument(future, span);
    #[cfg(not(feature = "tracing"))]
    {
        let _ = span;
        future
    }
}

/// `future`, run inside the span current here (for work spawned onto another task).
#[inline]
pub(crate) fn in_current_span<F: Future>(future: F) -> InSpan<F> {
    in_span(future, Span::current())
}

/// The span of a token request: the grant's name, the client id and the scope.
pub(crate) fn token_request(credentials: &Credentials, grant: &Grant) -> Span {
    span!(
        "auth_request",
        request = %"token",
        grant = %grant.grant_type(),
        client_id = %credentials.client_id(),
        scope = %Maybe(credentials.scope()),
    )
}

/// The span of a revocation: the client id.
pub(crate) fn revocation(credentials: &Credentials) -> Span {
    span!(
        "auth_request",
        request = %"revocation",
        client_id = %credentials.client_id(),
    )
}

/// The span of a fetch of the auth server's key set.
#[cfg(feature = "verify")]
pub(crate) fn key_set_request() -> Span {
    span!("auth_request", request = %"key_set")
}

/// The span of a token source's slow path (a renewal, a first request): the client id
/// and scope its events belong to.
pub(crate) fn token_source(credentials: &Credentials) -> Span {
    span!(
        "token_source",
        client_id = %credentials.client_id(),
        scope = %Maybe(credentials.scope()),
    )
}

/// Runs `request` inside `span`, then logs its outcome and how long it took.
#[inline]
pub(crate) async fn answered<T>(
    span: Span,
    request: impl Future<Output = Result<T, AuthError>>,
) -> Result<T, AuthError> {
    #[cfg(feature = "tracing")]
    {
        let started = std::time::Instant::now();
        in_span(
            async move {
                let result = request.await;
                outcome(&result, started.elapsed());
                result
            },
            span,
        )
        .await
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = span;
        request.await
    }
}

/// As [`answered`], for the blocking client.
#[cfg(feature = "blocking")]
#[inline]
pub(crate) fn answered_blocking<T>(
    span: Span,
    request: impl FnOnce() -> Result<T, AuthError>,
) -> Result<T, AuthError> {
    #[cfg(feature = "tracing")]
    {
        let started = std::time::Instant::now();
        span.in_scope(|| {
            let result = request();
            outcome(&result, started.elapsed());
            result
        })
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = span;
        request()
    }
}

/// The line that closes a request: `debug` when it succeeded, `info` when it failed.
#[cfg(feature = "tracing")]
fn outcome<T>(result: &Result<T, AuthError>, elapsed: Duration) {
    match result {
        Ok(_) => debug!("answered", outcome = %"ok", elapsed_ms = %elapsed.as_millis()),
        Err(err) => info!(
            "failed",
            outcome = %error_kind(err),
            status = %Maybe(err.status()),
            retry_after = %Secs(err.retry_after()),
            elapsed_ms = %elapsed.as_millis(),
        ),
    }
}

/// After a call to a token store: one line when the source starts getting tokens on its
/// own because the store failed, and one when the store answers again (never one per call).
pub(crate) fn store_answered<T>(key: &str, was_on_its_own: bool, result: &Result<T, StoreError>) {
    match (was_on_its_own, result) {
        (false, Err(err)) => warning!(
            "the token store failed: this process gets its tokens on its own (its own single \
             flight and backoff) until the store answers again",
            key = %key,
            error = %err,
        ),
        (true, Ok(_)) => info!(
            "the token store answers again: tokens are shared through it",
            key = %key,
        ),
        _ => {}
    }
}

/// The kind of a failure, as a log field: a fixed word, never server text (which could
/// hold what a customer typed).
pub(crate) fn error_kind(err: &AuthError) -> &'static str {
    match err {
        AuthError::Rejected { .. } => "rejected",
        AuthError::RateLimited { .. } => "rate_limited",
        AuthError::Server { .. } => "server_error",
        AuthError::Redirected { .. } => "redirected",
        AuthError::Transport(_) => "transport",
        AuthError::Timeout { .. } => "timeout",
        AuthError::Decode(_) => "decode",
        AuthError::InvalidConfig(_) => "invalid_config",
        AuthError::InvalidScope(_) => "invalid_scope",
        AuthError::ScopeMismatch { .. } => "scope_mismatch",
        AuthError::FleetBackoff { .. } => "fleet_backoff",
        AuthError::TokenRefused { .. } => "token_refused",
        AuthError::BudgetSpent { .. } => "budget_spent",
        AuthError::NoToken(err) => error_kind(err.auth_error()),
    }
}

/// A value that may be absent, shown as `-` then.
pub(crate) struct Maybe<T>(pub(crate) Option<T>);

impl<T: fmt::Display> fmt::Display for Maybe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// A duration that may be absent, in seconds with milliseconds (`1.500s`), or `-`.
pub(crate) struct Secs(pub(crate) Option<Duration>);

/// `duration` as a log field: `1.500s`.
pub(crate) fn secs(duration: Duration) -> Secs {
    Secs(Some(duration))
}

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(duration) => write!(f, "{:.3}s", duration.as_secs_f64()),
            None => f.write_str("-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_values_show_as_a_dash_and_durations_in_seconds() {
        assert_eq!(Maybe(Some(401)).to_string(), "401");
        assert_eq!(Maybe::<u16>(None).to_string(), "-");
        assert_eq!(
            Secs(Some(Duration::from_millis(1500))).to_string(),
            "1.500s"
        );
        assert_eq!(Secs(None).to_string(), "-");
    }

    #[test]
    fn error_kinds_are_fixed_words_without_server_text() {
        let err = AuthError::InvalidConfig("secret detail ada@example.com".into());
        assert_eq!(error_kind(&err), "invalid_config");
    }
}
