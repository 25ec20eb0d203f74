//! The Core API base URL of a token's organization.
//!
//! Commerce Layer serves each organization's Core API at `https://{slug}.{domain}`: the
//! issuer's host with `auth` replaced by the organization's slug. Production tokens are issued
//! by `https://auth.commercelayer.io`, staging ones by `https://auth.commercelayer.co`; old
//! tokens name `https://commercelayer.io` or no issuer at all, and get the production domain.

use super::{Claims, ClaimsError, ClaimsErrorKind};

/// The domain of tokens whose issuer is missing or not of the form `https://auth.{domain}`.
const DEFAULT_DOMAIN: &str = "commercelayer.io";

impl Claims {
    /// The Core API base URL of the token's organization, without a trailing slash.
    ///
    /// `https://{organization.slug}.{domain}`, where the domain follows the issuer
    /// (`https://auth.commercelayer.co` gives `commercelayer.co`) and defaults to
    /// `commercelayer.io` when the token has no issuer or an old one.
    ///
    /// The claims are not verified: the URL is as trustworthy as the token. For a token that
    /// did not come from your own request, verify it first (feature `verify`).
    ///
    /// ```
    /// use scope_core::auth::Claims;
    ///
    /// let mut claims = Claims::default();
    /// claims.organization = Some({
    ///     let mut org = scope_core::auth::Organization::default();
    ///     org.slug = Some("the-blue-brand".into());
    ///     org
    /// });
    /// assert_eq!(claims.core_api_base_url()?, "https://the-blue-brand.commercelayer.io");
    ///
    /// claims.iss = Some("https://auth.commercelayer.co".into());
    /// assert_eq!(claims.core_api_base_url()?, "https://the-blue-brand.commercelayer.co");
    /// # Ok::<(), scope_core::auth::ClaimsError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ClaimsErrorKind::NoOrganization`] for tokens without an organization slug (user and
    /// dashboard tokens), [`ClaimsErrorKind::InvalidSlug`] when the slug could not be a host
    /// name label.
    pub fn core_api_base_url(&self) -> Result<String, ClaimsError> {
        let slug = self
            .organization
            .as_ref()
            .and_then(|org| org.slug.as_deref())
            .ok_or(ClaimsError::new(ClaimsErrorKind::NoOrganization))?;
        if !is_host_label(slug) {
            return Err(ClaimsError::new(ClaimsErrorKind::InvalidSlug));
        }
        Ok(format!("https://{slug}.{}", self.domain()))
    }

    /// The domain of the issuer `https://auth.{domain}`, or the production one.
    pub(super) fn domain(&self) -> &str {
        self.iss
            .as_deref()
            .and_then(auth_domain)
            .unwrap_or(DEFAULT_DOMAIN)
    }
}

/// The `{domain}` of an issuer `https://auth.{domain}` (a trailing `/` allowed), when the
/// domain is a plain host name: no port, path, user info or odd characters can reach the URL.
fn auth_domain(issuer: &str) -> Option<&str> {
    let domain = issuer.strip_prefix("https://auth.")?;
    let domain = domain.strip_suffix('/').unwrap_or(domain);
    (domain.contains('.') && domain.split('.').all(is_host_label)).then_some(domain)
}

/// A DNS label: 1 to 63 ASCII letters, digits and `-`, not starting or ending with `-`.
fn is_host_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::claims::Organization;

    fn claims(slug: Option<&str>, iss: Option<&str>) -> Claims {
        Claims {
            organization: slug.map(|slug| Organization {
                slug: Some(slug.to_owned()),
                ..Organization::default()
            }),
            iss: iss.map(str::to_owned),
            ..Claims::default()
        }
    }

    #[test]
    fn production_staging_and_old_tokens() {
        let cases = [
            (
                Some("https://auth.commercelayer.io"),
                "https://acme.commercelayer.io",
            ),
            (
                Some("https://auth.commercelayer.io/"),
                "https://acme.commercelayer.io",
            ),
            (
                Some("https://auth.commercelayer.co"),
                "https://acme.commercelayer.co",
            ),
            // Old tokens: the bare domain as issuer, or no issuer at all.
            (
                Some("https://commercelayer.io"),
                "https://acme.commercelayer.io",
            ),
            (None, "https://acme.commercelayer.io"),
            // A loopback stand-in is not `https://auth.…`: the default applies.
            (
                Some("http://127.0.0.1:8080"),
                "https://acme.commercelayer.io",
            ),
        ];
        for (iss, expected) in cases {
            assert_eq!(
                claims(Some("acme"), iss).core_api_base_url().unwrap(),
                expected,
                "{iss:?}"
            );
        }
    }

    #[test]
    fn issuers_that_could_smuggle_a_host_fall_back_to_the_default() {
        for iss in [
            "https://auth.evil.com:444",
            "https://auth.evil.com/path",
            "https://auth.user@evil.com",
            "https://auth.com",
            "https://auth.",
            "http://auth.commercelayer.io",
            "https://auth.-bad-.io",
        ] {
            assert_eq!(
                claims(Some("acme"), Some(iss)).core_api_base_url().unwrap(),
                "https://acme.commercelayer.io",
                "{iss}"
            );
        }
    }

    #[test]
    fn missing_or_bad_slug_is_an_error() {
        let err = claims(None, None).core_api_base_url().unwrap_err();
        assert_eq!(err.kind(), ClaimsErrorKind::NoOrganization);
        for slug in ["", "evil.com/", "a b", "-acme", "acme-", "x@y"] {
            let err = claims(Some(slug), None).core_api_base_url().unwrap_err();
            assert_eq!(err.kind(), ClaimsErrorKind::InvalidSlug, "{slug:?}");
        }
    }
}
