//! Server text made safe to show: every byte a server sends may echo a secret.

use std::borrow::Cow;

/// The secrets of one request (client secret, token being revoked, ...): none
/// of them, in any spelling a server might echo, appears in an error. Held by
/// value (an empty text is no secret), so a request description is `Copy`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Secrets<'a>(pub(crate) [&'a str; 3]);

impl<'a> Secrets<'a> {
    /// The secrets of a request that carries `secrets`.
    pub(crate) fn of(secrets: &[&'a str]) -> Secrets<'a> {
        let mut all = [""; 3];
        for (slot, secret) in all.iter_mut().zip(secrets) {
            *slot = secret;
        }
        Secrets(all)
    }

    /// `text` without any secret, without control characters, and cut to `max`
    /// characters (with `…`). Secrets are taken out before the text is cut, so
    /// no fragment of one is left either.
    pub(crate) fn clean(&self, text: &str, max: usize) -> String {
        let mut text: Cow<'_, str> = Cow::Borrowed(text);
        for secret in self.0.iter().filter(|secret| !secret.is_empty()) {
            // As sent, as a JSON string escapes it, and as a URL query encodes it.
            for spelling in [
                Cow::Borrowed(*secret),
                json_escaped(secret),
                percent_encoded(secret),
            ] {
                if text.contains(&*spelling) {
                    text = Cow::Owned(text.replace(&*spelling, "[REDACTED]"));
                }
            }
        }
        let mut out: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(max)
            .collect();
        if text.chars().nth(max).is_some() {
            out.push('…');
        }
        out
    }

    /// A header value made safe to show, as [`Secrets::clean`].
    pub(crate) fn header(&self, value: &http::HeaderValue, max: usize) -> String {
        self.clean(&String::from_utf8_lossy(value.as_bytes()), max)
    }
}

/// `secret` inside a JSON string, without the quotes.
fn json_escaped(secret: &str) -> Cow<'_, str> {
    let quoted = serde_json::to_string(secret).unwrap_or_default();
    match quoted.get(1..quoted.len().saturating_sub(1)) {
        Some(inner) if inner != secret => Cow::Owned(inner.to_owned()),
        _ => Cow::Borrowed(secret),
    }
}

/// `secret` percent-encoded as a URL query value (every byte but the
/// unreserved ones).
fn percent_encoded(secret: &str) -> Cow<'_, str> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if secret.bytes().all(unreserved) {
        return Cow::Borrowed(secret);
    }
    let mut out = String::with_capacity(secret.len() * 3);
    for b in secret.bytes() {
        if unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_control_characters_secrets_and_length() {
        let secrets = Secrets::of(&["s3cr3t"]);
        assert_eq!(
            secrets.clean("bad\r\nsecret s3cr3t", 100),
            "bad  secret [REDACTED]"
        );
        assert_eq!(Secrets::default().clean("abcdef", 3), "abc…");
    }

    #[test]
    fn removes_secrets_as_json_and_urls_spell_them() {
        let secret = "a+b/c\"d e";
        let secrets = Secrets::of(&[secret]);
        for echoed in [
            "a+b/c\"d e".to_owned(),
            r#"a+b/c\"d e"#.to_owned(),
            "a%2Bb%2Fc%22d%20e".to_owned(),
        ] {
            let shown = secrets.clean(
                &format!("Location: /oauth/token?client_secret={echoed}"),
                200,
            );
            assert!(shown.ends_with("client_secret=[REDACTED]"), "{shown}");
        }
    }
}
