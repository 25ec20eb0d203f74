//! Runs one scenario through both clients: the async one (on a tokio runtime)
//! and the blocking one.

#![allow(dead_code)] // each test file uses a part

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use scope_core::auth::{AuthClient, AuthError, Credentials, Grant, SecretString, Token, blocking};
use scope_tests::AuthServer;

/// Seconds since the Unix epoch, now: what `created_at`, `iat` and `exp` count.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The two flavours of the token client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    Async,
    Blocking,
}

pub const FLAVOURS: [Flavour; 2] = [Flavour::Async, Flavour::Blocking];

/// Choices for the builder, applied the same way to both flavours.
#[derive(Clone, Debug, Default)]
pub struct Setup {
    pub timeout: Option<Duration>,
    pub max_response_bytes: Option<usize>,
    pub headers: Vec<(&'static str, &'static str)>,
}

/// A client of either flavour, talking to one server.
pub enum Client {
    Async(AuthClient, std::sync::Arc<tokio::runtime::Runtime>),
    Blocking(blocking::AuthClient),
}

impl Client {
    pub fn new(flavour: Flavour, server: &AuthServer) -> Client {
        Client::with(flavour, server, &Setup::default())
    }

    pub fn with(flavour: Flavour, server: &AuthServer, setup: &Setup) -> Client {
        macro_rules! configure {
            ($builder:expr) => {{
                let mut builder = $builder.base_url(server.base_url());
                if let Some(timeout) = setup.timeout {
                    builder = builder.timeout(timeout);
                }
                if let Some(limit) = setup.max_response_bytes {
                    builder = builder.max_response_bytes(limit);
                }
                for (name, value) in &setup.headers {
                    builder = builder.header(*name, *value);
                }
                builder.build().expect("a valid client configuration")
            }};
        }
        match flavour {
            Flavour::Async => Client::Async(
                configure!(AuthClient::builder()),
                std::sync::Arc::new(runtime()),
            ),
            Flavour::Blocking => Client::Blocking(configure!(blocking::AuthClient::builder())),
        }
    }

    pub fn request_token(&self, credentials: &Credentials) -> Result<Token, AuthError> {
        match self {
            Client::Async(client, runtime) => runtime.block_on(client.request_token(credentials)),
            Client::Blocking(client) => client.request_token(credentials),
        }
    }

    pub fn request_token_with(
        &self,
        credentials: &Credentials,
        grant: &Grant,
    ) -> Result<Token, AuthError> {
        match self {
            Client::Async(client, runtime) => {
                runtime.block_on(client.request_token_with(credentials, grant))
            }
            Client::Blocking(client) => client.request_token_with(credentials, grant),
        }
    }

    /// The same client with one more header (a per-request header, such as
    /// `x-true-client-ip`); panics on a bad header.
    pub fn with_header(&self, name: &str, value: &str) -> Client {
        self.try_with_header(name, value).expect("a valid header")
    }

    pub fn try_with_header(&self, name: &str, value: &str) -> Result<Client, AuthError> {
        Ok(match self {
            // The same runtime: the connection pool's connections belong to it.
            Client::Async(client, runtime) => {
                Client::Async(client.with_header(name, value)?, runtime.clone())
            }
            Client::Blocking(client) => Client::Blocking(client.with_header(name, value)?),
        })
    }

    /// The client's `Debug` text.
    pub fn debug(&self) -> String {
        match self {
            Client::Async(client, _) => format!("{client:?}"),
            Client::Blocking(client) => format!("{client:?}"),
        }
    }

    pub fn revoke(&self, token: &SecretString, credentials: &Credentials) -> Result<(), AuthError> {
        match self {
            Client::Async(client, runtime) => runtime.block_on(client.revoke(token, credentials)),
            Client::Blocking(client) => client.revoke(token, credentials),
        }
    }

    /// The flavour, for assertion messages.
    pub fn name(&self) -> &'static str {
        match self {
            Client::Async(..) => "async",
            Client::Blocking(_) => "blocking",
        }
    }
}

/// A current-thread runtime with time and I/O, for the async client.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A client of each flavour, talking to one server.
pub fn both_clients(server: &AuthServer) -> [Client; 2] {
    FLAVOURS.map(|flavour| Client::new(flavour, server))
}

/// A server with one sales channel (`storefront`) and one integration
/// (`backend` / `backend-secret-0123456789`).
pub fn server() -> AuthServer {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.add_integration("backend", INTEGRATION_SECRET);
    server
}

pub const INTEGRATION_SECRET: &str = "backend-secret-0123456789";

pub fn integration() -> Credentials {
    Credentials::integration("backend", INTEGRATION_SECRET, None)
}

pub fn storefront() -> Credentials {
    Credentials::sales_channel("storefront", scope_core::scopes!("market:code:europe")).unwrap()
}

/// Every text an error shows: `Display`, alternate `Display`, `Debug`,
/// alternate `Debug`, and its sources.
pub fn texts(err: &dyn std::error::Error) -> Vec<String> {
    let mut texts = vec![
        err.to_string(),
        format!("{err:#}"),
        format!("{err:?}"),
        format!("{err:#?}"),
    ];
    let mut source = err.source();
    while let Some(cause) = source {
        texts.push(cause.to_string());
        texts.push(format!("{cause:?}"));
        source = cause.source();
    }
    texts
}
