//! A token response, read by `serde_json`.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::{Answer, Request};
use crate::ScopeSet;
use crate::auth::{AuthError, Token};

/// A success body, as documented; unknown fields are ignored. Strings borrow
/// from the body unless they hold escapes.
#[derive(Deserialize)]
struct WireToken<'a> {
    #[serde(borrow)]
    access_token: Option<Cow<'a, str>>,
    #[serde(borrow)]
    token_type: Option<Cow<'a, str>>,
    expires_in: Option<Integer>,
    #[serde(borrow)]
    scope: Option<Cow<'a, str>>,
    created_at: Option<Integer>,
    refresh_token: Option<String>,
    owner_id: Option<String>,
    owner_type: Option<String>,
}

impl Answer {
    /// The token a token request's answer holds, or the error it stands for.
    /// With `check_scope`, a granted scope other than the requested one, or
    /// wider, is an error that shows both.
    pub(crate) fn token(
        &self,
        request: Request<'_>,
        requested: Option<&ScopeSet>,
        check_scope: bool,
    ) -> Result<Token, AuthError> {
        if !self.head.is_success() {
            return Err(self.failure(request));
        }
        let body = &self.body;
        let fail = |reason: String| Err(self.head.decode_error(Some(body.len()), reason, request));
        if body.is_empty() {
            return fail("the body is empty".into());
        }
        let wire = match serde_json::from_slice::<WireToken<'_>>(body) {
            Ok(wire) => wire,
            Err(err) => return fail(json_error_reason(&err)),
        };
        let Some(access_token) = wire.access_token else {
            return fail("it has no `access_token`".into());
        };
        if access_token.is_empty() {
            return fail("its `access_token` is empty".into());
        }
        // A token goes into an `Authorization` header later: refuse what cannot.
        if !is_visible_ascii(access_token.as_bytes()) {
            return fail(
                "its `access_token` holds characters that cannot be sent in an HTTP header".into(),
            );
        }
        let token_type = wire.token_type.as_deref().unwrap_or("bearer");
        if !token_type.eq_ignore_ascii_case("bearer") {
            // Not shown: a broken server could put anything there, a token included.
            return fail(format!(
                "its `token_type` ({} characters) is not `bearer`, which was expected",
                token_type.chars().count()
            ));
        }
        let expires_in = match wire.expires_in {
            None => return fail("it has no `expires_in`".into()),
            Some(Integer(seconds)) => match u64::try_from(seconds) {
                Ok(seconds) => Duration::from_secs(seconds),
                Err(_) => return fail("its `expires_in` is negative".into()),
            },
        };
        let Some(expires_at) = self.sent_at.checked_add(expires_in) else {
            return fail("its `expires_in` is too large to be a lifetime".into());
        };
        let created_at = wire.created_at.map_or_else(unix_now, |Integer(at)| at);
        let scope = wire.scope.unwrap_or_default().into_owned();
        let scopes: Option<ScopeSet> = scope.parse().ok();
        if check_scope && let Some(requested) = requested {
            let within = scopes
                .as_ref()
                .is_some_and(|granted| granted.iter().all(|scope| requested.contains(scope)));
            if !within {
                return Err(AuthError::ScopeMismatch {
                    requested: requested.to_string(),
                    granted: request.secrets.clean(&scope, 200),
                });
            }
        }
        let token_type = if token_type == "bearer" {
            Cow::Borrowed("bearer")
        } else {
            Cow::Owned(token_type.to_owned())
        };
        let mut token = Token::from_parts(
            access_token.into_owned(),
            token_type,
            expires_in,
            scope,
            scopes,
            created_at,
            expires_at,
        );
        if let Some(refresh_token) = wire.refresh_token.filter(|text| !text.is_empty()) {
            token = token.with_refresh_token(refresh_token);
        }
        if let (Some(id), Some(kind)) = (wire.owner_id, wire.owner_type) {
            token = token.with_owner(id, kind);
        }
        Ok(token)
    }
}

/// Whether every byte is visible ASCII (`!` to `~`): what an HTTP header value
/// can carry. Without short-circuit, so it vectorizes over a long JWT.
fn is_visible_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(0x21) < 0x5e))
}

/// What was wrong with a body serde could not read, without a byte of it.
fn json_error_reason(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Eof => "the JSON ends early: the answer is truncated".into(),
        Category::Syntax => format!(
            "it is not JSON (syntax error at line {}, column {})",
            err.line(),
            err.column()
        ),
        Category::Data => format!(
            "it is JSON of the wrong shape (at line {}, column {}): a token response is an object with \
             `access_token`, `token_type`, `expires_in`, `scope` and `created_at`",
            err.line(),
            err.column()
        ),
        Category::Io => "it could not be read".into(),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// A whole number sent as a JSON number or as a string of digits: the Core API
/// sends `status` as `"401"`, and a lenient reading of `expires_in: "3600"`
/// costs nothing.
pub(crate) struct Integer(pub(crate) i64);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Integer, D::Error> {
        struct IntegerVisitor;

        impl Visitor<'_> for IntegerVisitor {
            type Value = Integer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Integer, E> {
                Ok(Integer(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Integer, E> {
                i64::try_from(value)
                    .map(Integer)
                    .map_err(|_| E::custom("number out of range"))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Integer, E> {
                if value.fract() == 0.0 && value.abs() < 9.0e15 {
                    Ok(Integer(value as i64))
                } else {
                    Err(E::custom("not a whole number"))
                }
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Integer, E> {
                value
                    .trim()
                    .parse()
                    .map(Integer)
                    .map_err(|_| E::custom("not a whole number"))
            }
        }

        deserializer.deserialize_any(IntegerVisitor)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::auth::RequestKind;
    use crate::auth::exchange::{Head, Secrets};

    fn answer(body: &str) -> Answer {
        Answer {
            head: Head::new(http::StatusCode::OK, &http::HeaderMap::new()),
            body: body.as_bytes().to_vec(),
            sent_at: Instant::now(),
        }
    }

    const REQUEST: Request<'static> = Request {
        kind: RequestKind::Token,
        secrets: Secrets([""; 3]),
    };

    fn granted(scope: &str, requested: &str, check: bool) -> Result<Token, AuthError> {
        let body = format!(r#"{{"access_token":"a.b.c","expires_in":7200,"scope":"{scope}"}}"#);
        let requested: ScopeSet = requested.parse().unwrap();
        answer(&body).token(REQUEST, Some(&requested), check)
    }

    #[test]
    fn a_usual_answer_is_read_and_odd_ones_are_explained() {
        let token = answer(r#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":"3600","scope":"market:all","created_at":1732800000,"extra":{"x":[1]}}"#)
            .token(REQUEST, None, true)
            .unwrap();
        assert_eq!(token.expires_in(), Duration::from_secs(3600));
        assert_eq!(token.token_type(), "Bearer");
        assert_eq!(token.created_at(), 1_732_800_000);
        for (body, reason) in [
            ("", "empty"),
            ("{\"access_token\":\"a", "truncated"),
            ("<html>", "not JSON"),
            ("[1]", "wrong shape"),
            (r#"{"expires_in":1}"#, "no `access_token`"),
            (r#"{"access_token":"a b","expires_in":1}"#, "HTTP header"),
            (r#"{"access_token":"a","expires_in":-1}"#, "negative"),
            (r#"{"access_token":"a"}"#, "no `expires_in`"),
            (
                r#"{"access_token":"a","expires_in":1,"token_type":"mac"}"#,
                "not `bearer`",
            ),
        ] {
            let err = answer(body).token(REQUEST, None, false).unwrap_err();
            assert!(err.to_string().contains(reason), "{body}: {err}");
            assert!(err.to_string().contains("token request"), "{err}");
        }
    }

    #[test]
    fn the_granted_scope_must_be_within_the_requested_one_when_checked() {
        assert!(granted("market:code:eu", "market:code:eu", true).is_ok());
        assert!(
            granted(
                "market:code:eu",
                "market:code:eu stock_location:code:w",
                true
            )
            .is_ok()
        );
        for wider in ["market:all", "market:code:us", "market:1234", ""] {
            let err = granted(wider, "market:code:eu", true).unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, AuthError::ScopeMismatch { .. }), "{text}");
            assert!(text.contains("`market:code:eu`"), "{text}");
            assert!(
                text.contains(&format!("`{wider}`")) || wider.is_empty(),
                "{text}"
            );
            // Unchecked, the token is accepted as granted.
            assert_eq!(
                granted(wider, "market:code:eu", false).unwrap().scope(),
                wider
            );
        }
    }
}
