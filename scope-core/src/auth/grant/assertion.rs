//! `Assertion`: the JWT of the JWT bearer grant, made here or elsewhere.
//!
//! The auth server decodes an assertion without checking its signature;
//! js-auth's `createAssertion` signs it with HS512 and the fixed key `cl`, and
//! so does [`AssertionBuilder`], with the HMAC of the crate's crypto backend (already
//! linked by rustls: no JWT crate is needed for a fixed header and key).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::SecretString;
use serde_json::{Map, Value, json};

use crate::auth::AuthError;

/// The largest assertion the auth server accepts, in bytes (4 KB).
pub const MAX_ASSERTION_BYTES: usize = 4096;

/// The claim under which Commerce Layer reads an assertion's owner and custom claims.
const CLAIMS_KEY: &str = "https://commercelayer.io/claims";

/// The key js-auth signs assertions with (the server does not check it).
const SIGNING_KEY: &[u8] = b"cl";

/// A JWT bearer assertion: the signed JWT that names the customer or user an
/// application acts for (at most [`MAX_ASSERTION_BYTES`]). A secret: `Debug`
/// shows `[REDACTED]`.
///
/// ```
/// use scope_core::auth::Assertion;
///
/// let assertion = Assertion::from_jwt("eyJhbGciOiJIUzUxMiJ9.e30.c2ln")?;
/// assert_eq!(format!("{assertion:?}"), "Assertion([REDACTED])");
/// assert!(Assertion::from_jwt("x".repeat(5000)).is_err());
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
#[derive(Clone)]
pub struct Assertion(SecretString);

impl Assertion {
    /// A builder for an assertion made here: owner, custom claims, HS512.
    ///
    /// ```
    /// use scope_core::auth::{Assertion, OwnerType};
    ///
    /// let assertion = Assertion::builder().owner(OwnerType::Customer, "cust-1").build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn builder() -> AssertionBuilder {
        AssertionBuilder::default()
    }

    /// An assertion from a JWT made elsewhere.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] when the text is not three dot-separated
    /// parts or is longer than [`MAX_ASSERTION_BYTES`] (the text is not shown).
    ///
    /// ```
    /// assert!(scope_core::auth::Assertion::from_jwt("not a jwt").is_err());
    /// ```
    pub fn from_jwt(jwt: impl Into<String>) -> Result<Assertion, AuthError> {
        let jwt = jwt.into();
        if jwt.len() > MAX_ASSERTION_BYTES {
            return Err(AuthError::InvalidConfig(format!(
                "the assertion is {} bytes long; the auth server accepts at most {MAX_ASSERTION_BYTES}",
                jwt.len()
            )));
        }
        let parts = jwt.split('.').count();
        if parts != 3 || jwt.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(AuthError::InvalidConfig(
                "the assertion is not a JWT (three base64url parts joined by dots)".into(),
            ));
        }
        Ok(Assertion(SecretString::from(jwt)))
    }

    /// The JWT text, to send.
    ///
    /// ```
    /// use scope_core::auth::{Assertion, ExposeSecret};
    ///
    /// assert_eq!(Assertion::from_jwt("a.b.c")?.as_secret().expose_secret(), "a.b.c");
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn as_secret(&self) -> &SecretString {
        &self.0
    }
}

impl fmt::Debug for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Assertion([REDACTED])")
    }
}

/// Whom an assertion names: a customer (of a sales channel) or a user.
///
/// ```
/// assert_eq!(scope_core::auth::OwnerType::Customer.as_str(), "Customer");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OwnerType {
    /// `Customer`.
    Customer,
    /// `User`.
    User,
}

impl OwnerType {
    /// The type as the assertion writes it.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::OwnerType::User.as_str(), "User");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerType::Customer => "Customer",
            OwnerType::User => "User",
        }
    }
}

/// Builds an [`Assertion`]: an owner, custom claims, or both (at least one),
/// signed HS512 with the key `cl` as js-auth does, and checked against
/// [`MAX_ASSERTION_BYTES`].
///
/// ```
/// use scope_core::auth::{Assertion, ExposeSecret, OwnerType};
///
/// let assertion = Assertion::builder()
///     .owner(OwnerType::Customer, "wQzXyZkAbc")
///     .custom_claim("tier", "gold")
///     .build()?;
/// assert_eq!(assertion.as_secret().expose_secret().split('.').count(), 3);
/// assert!(Assertion::builder().build().is_err()); // neither owner nor claims
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct AssertionBuilder {
    owner: Option<(OwnerType, String)>,
    custom: Map<String, Value>,
    issued_at: Option<u64>,
}

impl AssertionBuilder {
    /// The customer or user the token will act for.
    ///
    /// ```
    /// let builder = scope_core::auth::Assertion::builder().owner(scope_core::auth::OwnerType::User, "u1");
    /// # let _ = builder;
    /// ```
    pub fn owner(mut self, kind: OwnerType, id: impl Into<String>) -> AssertionBuilder {
        self.owner = Some((kind, id.into()));
        self
    }

    /// One custom claim (`custom_claim.{name}`), any JSON value.
    ///
    /// ```
    /// let builder = scope_core::auth::Assertion::builder().custom_claim("segment", serde_json::json!(["vip"]));
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn custom_claim(
        mut self,
        name: impl Into<String>,
        value: impl Into<Value>,
    ) -> AssertionBuilder {
        self.custom.insert(name.into(), value.into());
        self
    }

    /// The `iat` claim, in Unix seconds (default: now).
    ///
    /// ```
    /// let builder = scope_core::auth::Assertion::builder().issued_at(1_732_800_000);
    /// # let _ = builder;
    /// ```
    pub fn issued_at(mut self, unix_seconds: u64) -> AssertionBuilder {
        self.issued_at = Some(unix_seconds);
        self
    }

    /// The signed assertion.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] when there is neither an owner nor a
    /// custom claim, the owner id is empty, or the JWT would be longer than
    /// [`MAX_ASSERTION_BYTES`].
    ///
    /// ```
    /// use scope_core::auth::{Assertion, OwnerType};
    ///
    /// let err = Assertion::builder().owner(OwnerType::Customer, "").build().unwrap_err();
    /// assert!(err.to_string().contains("owner id"));
    /// ```
    pub fn build(self) -> Result<Assertion, AuthError> {
        let invalid = |text: String| Err(AuthError::InvalidConfig(text));
        if self.owner.is_none() && self.custom.is_empty() {
            return invalid(
                "an assertion needs an owner, custom claims, or both: the server refuses one with neither".into(),
            );
        }
        let mut ours = Map::new();
        if let Some((kind, id)) = &self.owner {
            if id.trim().is_empty() {
                return invalid("the assertion's owner id is empty".into());
            }
            ours.insert("owner".into(), json!({"type": kind.as_str(), "id": id}));
        }
        if !self.custom.is_empty() {
            ours.insert("custom_claim".into(), Value::Object(self.custom));
        }
        let issued_at = self.issued_at.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs())
        });
        let payload = json!({ CLAIMS_KEY: Value::Object(ours), "iat": issued_at });
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
        let signed = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(crate::auth::crypto::hmac_sha512(
            SIGNING_KEY,
            signed.as_bytes(),
        ));
        Assertion::from_jwt(format!("{signed}.{signature}"))
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    #[test]
    fn a_built_assertion_is_what_js_auth_makes() {
        let assertion = Assertion::builder()
            .owner(OwnerType::Customer, "cust-1")
            .issued_at(1_732_800_000)
            .build()
            .unwrap();
        let text = assertion.as_secret().expose_secret();
        let mut parts = text.split('.');
        let header = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
        assert_eq!(header, br#"{"alg":"HS512","typ":"JWT"}"#);
        let payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(
            payload,
            json!({CLAIMS_KEY: {"owner": {"type": "Customer", "id": "cust-1"}}, "iat": 1_732_800_000})
        );
        // HS512 with the key `cl`, as Python's `hmac` computes it over this header and
        // payload: the same on either crypto backend.
        assert_eq!(
            parts.next().unwrap(),
            "TTpNzE4KBWugPPoNbxFWH3d-l7XkpVzvLOKeR7D0zJi_P1R7qB_gYg69npzzU420h6bssIr6OyIO1tkqnaG7UQ"
        );
    }

    #[test]
    fn an_assertion_over_4_kb_is_refused_without_its_text() {
        let err = Assertion::builder()
            .custom_claim("blob", "x".repeat(4000))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("at most 4096"), "{err}");
        assert!(!err.to_string().contains("xxxx"), "{err}");
    }
}
