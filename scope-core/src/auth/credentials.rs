//! `Credentials`: who asks for a token, checked before any request is sent.

use std::fmt;

use secrecy::SecretString;

use super::AuthError;
use crate::{SalesChannelScopes, ScopeSet};

/// Who asks for a token: a sales channel or an integration.
///
/// A sales channel is a public application: a client id and a scope that holds
/// a market (by id or code) or a store, and no secret. An integration is a
/// confidential application: a client id, a secret and an optional scope (the
/// server grants `market:all` when none is sent).
///
/// `Debug` never shows the secret.
///
/// ```
/// use scope_core::auth::Credentials;
/// use scope_core::scopes;
///
/// let storefront = Credentials::sales_channel("my-client-id", scopes!("market:code:europe"))?;
/// assert!(storefront.is_sales_channel());
///
/// let backend = Credentials::integration("my-client-id", "my-secret", None);
/// assert!(!format!("{backend:?}").contains("my-secret"));
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    kind: Kind,
    client_id: String,
    client_secret: Option<SecretString>,
    scope: Option<ScopeSet>,
}

impl Credentials {
    /// Credentials of a sales channel: no secret, and a scope that holds a market
    /// or a store (which implies its market).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidScope`] (holding the grammar's [`ScopeError`](crate::ScopeError),
    /// its kind and span) when the scope names no market and no store, or names a
    /// stock location without a market or store beside it;
    /// [`AuthError::InvalidConfig`] when the client id is empty. Such a request
    /// could only fail, so it is never sent.
    ///
    /// ```
    /// use scope_core::auth::Credentials;
    /// use scope_core::scopes;
    ///
    /// let ok = Credentials::sales_channel("id", scopes!("store:code:outlet_ny"));
    /// assert!(ok.is_ok());
    ///
    /// let err = Credentials::sales_channel("id", scopes!("market:all")).unwrap_err();
    /// assert!(err.to_string().contains("sales channels require a market in scope"));
    /// ```
    pub fn sales_channel(
        client_id: impl Into<String>,
        scope: ScopeSet,
    ) -> Result<Credentials, AuthError> {
        let client_id = client_id.into();
        check_client_id(&client_id)?;
        // The grammar's sales-channel rule: the very one `sales_channel_scopes!` runs at compile time.
        let scopes = SalesChannelScopes::new(scope)?;
        Ok(Credentials::for_sales_channel(client_id, scopes))
    }

    /// Credentials of a sales channel whose scopes are already proven to hold a
    /// market: this constructor cannot fail, and checks nothing again.
    ///
    /// [`Credentials::sales_channel`] takes a plain [`ScopeSet`] and applies the
    /// same rule at run time. An empty client id is not refused here; the server
    /// answers it with a 401.
    ///
    /// ```
    /// use scope_core::auth::Credentials;
    /// use scope_core::sales_channel_scopes;
    ///
    /// let storefront = Credentials::for_sales_channel(
    ///     "my-client-id",
    ///     sales_channel_scopes!("market:code:europe stock_location:code:eu_warehouse"),
    /// );
    /// assert!(storefront.is_sales_channel());
    /// assert_eq!(storefront.scope().unwrap().len(), 2);
    /// ```
    pub fn for_sales_channel(
        client_id: impl Into<String>,
        scopes: SalesChannelScopes,
    ) -> Credentials {
        Credentials {
            kind: Kind::SalesChannel,
            client_id: client_id.into(),
            client_secret: None,
            scope: Some(scopes.into()),
        }
    }

    /// Credentials of an integration: a client id, its secret and an optional
    /// scope. With no scope the server grants `market:all`.
    ///
    /// An empty client id or secret is not refused here (this constructor cannot
    /// fail); the server answers it with a 401, as for any wrong secret.
    ///
    /// ```
    /// use scope_core::auth::Credentials;
    /// use scope_core::scopes;
    ///
    /// let all_markets = Credentials::integration("id", "secret", None);
    /// assert!(all_markets.scope().is_none());
    ///
    /// let one_market = Credentials::integration("id", "secret", Some(scopes!("market:code:europe")));
    /// assert_eq!(one_market.scope().unwrap().to_string(), "market:code:europe");
    /// ```
    pub fn integration(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        scope: Option<ScopeSet>,
    ) -> Credentials {
        Credentials {
            kind: Kind::Integration,
            client_id: client_id.into(),
            client_secret: Some(SecretString::from(client_secret.into())),
            scope,
        }
    }

    /// Credentials of a webapp: a confidential application that acts for a
    /// dashboard user with the `authorization_code` grant (and renews with
    /// `refresh_token`). A client id, its secret and an optional scope, sent
    /// with every request, as for an integration.
    ///
    /// ```
    /// use scope_core::auth::Credentials;
    ///
    /// let webapp = Credentials::webapp("webapp-id", "webapp-secret", None);
    /// assert!(webapp.is_confidential());
    /// assert!(format!("{webapp:?}").contains("webapp"));
    /// ```
    pub fn webapp(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        scope: Option<ScopeSet>,
    ) -> Credentials {
        Credentials {
            kind: Kind::Webapp,
            ..Credentials::integration(client_id, client_secret, scope)
        }
    }

    /// Whether these credentials hold a secret (an integration or a webapp).
    ///
    /// ```
    /// use scope_core::{auth::Credentials, scopes};
    ///
    /// assert!(Credentials::integration("abc", "secret", None).is_confidential());
    /// assert!(!Credentials::sales_channel("abc", scopes!("market:code:europe"))?.is_confidential());
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn is_confidential(&self) -> bool {
        self.client_secret.is_some()
    }

    /// The kind of application as a word: `sales_channel`, `integration` or `webapp`.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::SalesChannel => "sales_channel",
            Kind::Integration => "integration",
            Kind::Webapp => "webapp",
        }
    }

    /// The application's client id.
    ///
    /// ```
    /// let credentials = scope_core::auth::Credentials::integration("abc", "secret", None);
    /// assert_eq!(credentials.client_id(), "abc");
    /// ```
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The scope sent with the request, if any.
    ///
    /// ```
    /// use scope_core::{auth::Credentials, scopes};
    ///
    /// let credentials = Credentials::sales_channel("abc", scopes!("market:code:europe"))?;
    /// assert_eq!(credentials.scope(), Some(&scopes!("market:code:europe")));
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn scope(&self) -> Option<&ScopeSet> {
        self.scope.as_ref()
    }

    /// The client secret of an integration; `None` for a sales channel.
    ///
    /// ```
    /// use secrecy::ExposeSecret;
    ///
    /// let credentials = scope_core::auth::Credentials::integration("abc", "s3cret", None);
    /// assert_eq!(credentials.client_secret().unwrap().expose_secret(), "s3cret");
    /// ```
    pub fn client_secret(&self) -> Option<&SecretString> {
        self.client_secret.as_ref()
    }

    /// The client secret's text, empty for a sales channel: what an error
    /// about these credentials' requests must never show.
    pub(crate) fn secret_text(&self) -> &str {
        self.client_secret
            .as_ref()
            .map_or("", |secret| secrecy::ExposeSecret::expose_secret(secret))
    }

    /// Whether these are a sales channel's credentials (no secret).
    ///
    /// ```
    /// use scope_core::{auth::Credentials, scopes};
    ///
    /// assert!(Credentials::sales_channel("abc", scopes!("market:code:europe"))?.is_sales_channel());
    /// assert!(!Credentials::integration("abc", "secret", None).is_sales_channel());
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn is_sales_channel(&self) -> bool {
        self.kind == Kind::SalesChannel
    }

    /// A stable key for a token store: the client id and the scope text, joined
    /// by `|`. Two credentials that would get the same kind of token have the
    /// same key. It never contains the secret.
    ///
    /// Scope text never contains `|`, so the key is unambiguous even when a
    /// client id does.
    ///
    /// ```
    /// use scope_core::{auth::Credentials, scopes};
    ///
    /// let a = Credentials::integration("abc", "secret", Some(scopes!("market:code:europe")));
    /// assert_eq!(a.cache_key(), "abc|market:code:europe");
    /// assert_eq!(Credentials::integration("abc", "secret", None).cache_key(), "abc|");
    /// ```
    pub fn cache_key(&self) -> String {
        match &self.scope {
            Some(scope) => format!("{}|{scope}", self.client_id),
            None => format!("{}|", self.client_id),
        }
    }
}

/// The kinds of application [`Credentials`] stand for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    SalesChannel,
    Integration,
    Webapp,
}

fn check_client_id(client_id: &str) -> Result<(), AuthError> {
    if client_id.trim().is_empty() {
        return Err(AuthError::InvalidConfig(
            "the client id is empty: copy it from the application's page in the Commerce Layer dashboard".into(),
        ));
    }
    Ok(())
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind_name();
        let mut out = f.debug_struct("Credentials");
        out.field("kind", &kind).field("client_id", &self.client_id);
        if self.client_secret.is_some() {
            out.field("client_secret", &"[REDACTED]");
        }
        out.field("scope", &self.scope.as_ref().map(|s| s.to_string()));
        out.finish()
    }
}
