//! [`SessionKey`]: the bearer secret that names a customer's session, and the
//! SHA-256 of it that the store keeps the session under.

use std::fmt;
use std::hash::{Hash, Hasher};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::AuthError;
use crate::auth::crypto;

/// The handle of one customer's (or user's) session: 256 bits from the
/// operating system's CSPRNG, base64url (43 characters), made by
/// [`CustomerSessions::login`](crate::auth::CustomerSessions::login). Each login
/// is a session of its own: two devices, two keys.
///
/// **It is a bearer secret**, as a web framework's session id is: whoever
/// presents it is served the customer's token. Keep it where the shopper's
/// browser sends it back but scripts cannot read it (an `HttpOnly`, `Secure`,
/// `SameSite` cookie), or in your framework's server-side session. It is never
/// written to the store (the store keeps the session under a SHA-256 of it,
/// so whoever reads the store cannot take a session over), never logged (log
/// lines name a session by a short hash), and `Debug` shows none of it.
///
/// ```
/// use scope_core::auth::SessionKey;
///
/// // Read back from the shopper's cookie:
/// let key = SessionKey::from_string("q4mQ8d0YcQ1nW2mP7r3s9tUvXyZaBcDeFgHiJkLmNoP");
/// assert_eq!(format!("{key:?}"), "SessionKey([REDACTED])");
/// assert!(key.expose_secret().starts_with("q4mQ"));
/// ```
#[derive(Clone)]
pub struct SessionKey(SecretString);

impl SessionKey {
    /// A new key from the CSPRNG.
    pub(crate) fn generate() -> Result<SessionKey, AuthError> {
        let mut bytes = [0u8; 32];
        crypto::fill_random(&mut bytes).map_err(|_| {
            AuthError::InvalidConfig("the system's random number generator failed".into())
        })?;
        Ok(SessionKey(SecretString::from(
            URL_SAFE_NO_PAD.encode(bytes),
        )))
    }

    /// A key read back (from the shopper's cookie, say). Any text is taken: a
    /// key that names no session is [`SessionError::NotFound`](crate::auth::SessionError::NotFound)
    /// when used.
    ///
    /// ```
    /// let key = scope_core::auth::SessionKey::from_string("from-the-cookie");
    /// assert_eq!(key.expose_secret(), "from-the-cookie");
    /// ```
    pub fn from_string(key: impl Into<String>) -> SessionKey {
        SessionKey(SecretString::from(key.into()))
    }

    /// The key's text, to set in the shopper's cookie. It is a secret: see
    /// [`SessionKey`].
    ///
    /// ```
    /// let key = scope_core::auth::SessionKey::from_string("k3y");
    /// let cookie = format!("session={}; HttpOnly; Secure; SameSite=Lax; Path=/", key.expose_secret());
    /// # assert!(cookie.starts_with("session=k3y"));
    /// ```
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The SHA-256 of the key, in lowercase hex: what the store knows.
    pub(crate) fn digest(&self) -> String {
        hex(&crypto::sha256(self.expose_secret().as_bytes()))
    }

    /// A short hash of the key, for log lines: names a session without
    /// showing it, and is the start of the hash the store keeps it under, so
    /// an operator can find the record a line speaks of.
    pub(crate) fn fingerprint(&self) -> String {
        let mut text = self.digest();
        text.truncate(FINGERPRINT_LEN);
        text
    }
}

/// The hex digits of a session's short hash in log lines.
const FINGERPRINT_LEN: usize = 8;

/// The short hash of the session kept under `store_key` (see
/// [`SessionKey::fingerprint`]).
pub(crate) fn fingerprint_of(store_key: &str) -> &str {
    let digest = store_key.rsplit('|').next().unwrap_or_default();
    digest.get(..FINGERPRINT_LEN).unwrap_or(digest)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(64), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey([REDACTED])")
    }
}

/// Compared in constant time: a key is a secret.
impl PartialEq for SessionKey {
    fn eq(&self, other: &SessionKey) -> bool {
        crypto::constant_time_eq(
            self.expose_secret().as_bytes(),
            other.expose_secret().as_bytes(),
        )
    }
}

impl Eq for SessionKey {}

impl Hash for SessionKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.expose_secret().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_43_characters_of_base64url_and_differ() {
        let keys: std::collections::HashSet<String> = (0..1000)
            .map(|_| SessionKey::generate().unwrap().expose_secret().to_owned())
            .collect();
        assert_eq!(keys.len(), 1000);
        for key in &keys {
            assert_eq!(key.len(), 43);
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
    }

    #[test]
    fn the_digest_and_the_fingerprint_show_nothing_of_the_key() {
        let key = SessionKey::from_string("the-secret-key");
        let digest = key.digest();
        assert_eq!(digest.len(), 64);
        assert!(!digest.contains("secret"));
        let fingerprint = key.fingerprint();
        assert_eq!(fingerprint.len(), 8);
        assert!(digest.starts_with(&fingerprint));
        assert_eq!(
            fingerprint_of(&format!("session|x|y|{digest}")),
            fingerprint
        );
        assert_eq!(key, SessionKey::from_string("the-secret-key"));
        assert_ne!(key, SessionKey::from_string("another"));
        assert_eq!(format!("{key:?}"), "SessionKey([REDACTED])");
    }
}
