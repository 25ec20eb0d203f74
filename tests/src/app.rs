//! The applications the stand-in knows, as the dashboard would register them.

/// What kind of application a client id belongs to.
///
/// ```
/// use scope_tests::{App, AppKind};
///
/// assert_eq!(App::sales_channel("id").kind(), &AppKind::SalesChannel);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppKind {
    /// A public application: sends no secret, needs a market in scope.
    SalesChannel,
    /// A confidential application with its secret.
    Integration {
        /// The secret the stand-in expects.
        secret: String,
    },
    /// A confidential application that acts for dashboard users
    /// (`authorization_code`), with its secret.
    Webapp {
        /// The secret the stand-in expects.
        secret: String,
    },
}

/// An application registered with the stand-in.
///
/// ```
/// use scope_tests::{App, AuthServer};
///
/// let server = AuthServer::start();
/// server.register(App::integration("backend", "s3cret").expires_in(3600));
/// ```
#[derive(Clone, Debug)]
pub struct App {
    client_id: String,
    kind: AppKind,
    expires_in: u64,
}

impl App {
    /// A sales channel; its tokens last 14 400 s (4 h), as Commerce Layer's do.
    ///
    /// ```
    /// assert_eq!(scope_tests::App::sales_channel("storefront").expires_in_secs(), 14_400);
    /// ```
    pub fn sales_channel(client_id: impl Into<String>) -> App {
        App {
            client_id: client_id.into(),
            kind: AppKind::SalesChannel,
            expires_in: 14_400,
        }
    }

    /// An integration with its secret; its tokens last 7 200 s (2 h).
    ///
    /// ```
    /// assert_eq!(scope_tests::App::integration("backend", "s3cret").expires_in_secs(), 7_200);
    /// ```
    pub fn integration(client_id: impl Into<String>, secret: impl Into<String>) -> App {
        App {
            client_id: client_id.into(),
            kind: AppKind::Integration {
                secret: secret.into(),
            },
            expires_in: 7_200,
        }
    }

    /// A webapp with its secret; its tokens last 7 200 s (2 h).
    ///
    /// ```
    /// use scope_tests::{App, AppKind};
    ///
    /// assert!(matches!(App::webapp("webapp", "s3cret").kind(), AppKind::Webapp { .. }));
    /// ```
    pub fn webapp(client_id: impl Into<String>, secret: impl Into<String>) -> App {
        App {
            client_id: client_id.into(),
            kind: AppKind::Webapp {
                secret: secret.into(),
            },
            expires_in: 7_200,
        }
    }

    /// The application's secret, for confidential ones.
    ///
    /// ```
    /// assert_eq!(scope_tests::App::webapp("w", "s").secret(), Some("s"));
    /// assert_eq!(scope_tests::App::sales_channel("s").secret(), None);
    /// ```
    pub fn secret(&self) -> Option<&str> {
        match &self.kind {
            AppKind::SalesChannel => None,
            AppKind::Integration { secret } | AppKind::Webapp { secret } => Some(secret),
        }
    }

    /// Sets the lifetime of the tokens this application gets, in seconds.
    ///
    /// ```
    /// assert_eq!(scope_tests::App::sales_channel("s").expires_in(60).expires_in_secs(), 60);
    /// ```
    pub fn expires_in(mut self, seconds: u64) -> App {
        self.expires_in = seconds;
        self
    }

    /// The client id.
    ///
    /// ```
    /// assert_eq!(scope_tests::App::sales_channel("storefront").client_id(), "storefront");
    /// ```
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The kind of application.
    ///
    /// ```
    /// use scope_tests::{App, AppKind};
    ///
    /// assert!(matches!(App::integration("b", "s").kind(), AppKind::Integration { .. }));
    /// ```
    pub fn kind(&self) -> &AppKind {
        &self.kind
    }

    /// The lifetime of this application's tokens, in seconds.
    ///
    /// ```
    /// assert_eq!(scope_tests::App::integration("b", "s").expires_in_secs(), 7_200);
    /// ```
    pub fn expires_in_secs(&self) -> u64 {
        self.expires_in
    }
}
