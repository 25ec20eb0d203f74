//! The Provisioning and Metrics API base URLs of a token, and what its claims
//! tell of the grant it came from.
//!
//! Both APIs live beside the auth server: `https://provisioning.{domain}` and
//! `https://metrics.{domain}`, the issuer's host with `auth` replaced.

use super::Claims;

impl Claims {
    /// The Provisioning API base URL, `https://provisioning.{domain}` (the
    /// domain follows the issuer, as for
    /// [`core_api_base_url`](Claims::core_api_base_url)). A token talks to it
    /// when its scope holds `provisioning-api`.
    ///
    /// ```
    /// let mut claims = scope_core::auth::Claims::default();
    /// assert_eq!(claims.provisioning_api_base_url(), "https://provisioning.commercelayer.io");
    /// claims.iss = Some("https://auth.commercelayer.co".into());
    /// assert_eq!(claims.provisioning_api_base_url(), "https://provisioning.commercelayer.co");
    /// ```
    pub fn provisioning_api_base_url(&self) -> String {
        format!("https://provisioning.{}", self.domain())
    }

    /// The Metrics API base URL, `https://metrics.{domain}`.
    ///
    /// ```
    /// let claims = scope_core::auth::Claims::default();
    /// assert_eq!(claims.metrics_api_base_url(), "https://metrics.commercelayer.io");
    /// ```
    pub fn metrics_api_base_url(&self) -> String {
        format!("https://metrics.{}", self.domain())
    }

    /// Whom the token acts for, which is what its claims tell of the grant it
    /// came from: the application itself (`client_credentials`), a customer
    /// (`password`, JWT bearer, or a refresh of one), or a user
    /// (`authorization_code`, JWT bearer, or a refresh of one). The claims do
    /// not tell a first login from a refresh. The kind of application is
    /// `self.application.kind`.
    ///
    /// ```
    /// use scope_core::auth::{ActsFor, Claims, Owner};
    ///
    /// let mut claims = Claims::default();
    /// assert_eq!(claims.acts_for(), ActsFor::Application);
    /// let mut owner = Owner::default();
    /// owner.owner_type = Some("Customer".into());
    /// claims.owner = Some(owner);
    /// assert_eq!(claims.acts_for(), ActsFor::Customer);
    /// ```
    pub fn acts_for(&self) -> ActsFor {
        let kind = self
            .owner
            .as_ref()
            .and_then(|owner| owner.owner_type.as_deref());
        match kind {
            None => ActsFor::Application,
            Some(kind) if kind.eq_ignore_ascii_case("customer") => ActsFor::Customer,
            Some(kind) if kind.eq_ignore_ascii_case("user") => ActsFor::User,
            Some(kind) => ActsFor::Other(kind.to_owned()),
        }
    }
}

/// Whom a token acts for, read from its `owner` claim: see [`Claims::acts_for`].
///
/// ```
/// use scope_core::auth::ActsFor;
///
/// assert_ne!(ActsFor::Customer, ActsFor::User);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActsFor {
    /// No owner: the application itself (the `client_credentials` grant).
    Application,
    /// A customer (`password`, or JWT bearer with a `Customer` owner).
    Customer,
    /// A user (`authorization_code`, or JWT bearer with a `User` owner).
    User,
    /// An owner type this crate does not know, as the token wrote it.
    Other(String),
}
