//! A stand-in of Commerce Layer's auth server on 127.0.0.1, for tests,
//! examples and the test suites of SDKs built on `scope-core`.
//!
//! It is a real HTTP server on a free loopback port, running on its own thread
//! and runtime, so async tests, blocking tests and examples all start it the
//! same way, in one line. It stops when dropped.
//!
//! It enforces the rules of the token endpoint (`POST /oauth/token`):
//! - the body is JSON with `grant_type: "client_credentials"` and a `client_id`
//!   of a registered application;
//! - a sales channel sends no secret and asks for a market or a store in scope;
//! - an integration's secret is checked (`401 invalid_client` otherwise), and an
//!   integration that asks for no scope is granted `market:all`;
//! - scope text follows `scope-core`'s grammar (a bad or duplicate scope is
//!   `400 invalid_scope`).
//!
//! It answers with the documented success body and error shapes, and can be told
//! to misbehave ([`Misbehaviour`]) or to render errors in another documented
//! shape ([`ErrorShape`]).
//!
//! The tokens it issues are RS512-signed JWTs with Commerce Layer's claims; it
//! publishes their keys at `GET /.well-known/jwks.json` and revokes them at
//! `POST /oauth/revoke` (see [`jwt`]).
//!
//! ```
//! use scope_core::auth::{blocking::AuthClient, Credentials};
//! use scope_core::scopes;
//! use scope_tests::AuthServer;
//!
//! let server = AuthServer::start();
//! server.add_sales_channel("storefront");
//! let client = AuthClient::builder().base_url(server.base_url()).build()?;
//! let credentials = Credentials::sales_channel("storefront", scopes!("market:code:europe"))?;
//! let token = client.request_token(&credentials)?;
//! assert_eq!(token.scope(), "market:code:europe");
//! assert_eq!(server.token_requests(), 1);
//! # Ok::<(), scope_core::auth::AuthError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod access_token;
mod answer;
mod app;
mod body;
mod core_api;
mod grants;
pub mod jwt;
mod misbehaviour;
mod people;
mod received;
mod records;
mod redis_cluster;
mod redis_sentinel;
mod redis_server;
mod redis_tls;
mod revoke_endpoint;
mod router;
mod server;
mod state;
mod token_endpoint;

pub use app::{App, AppKind};
pub use core_api::CoreApi;
pub use misbehaviour::{ErrorShape, Misbehaviour};
pub use people::AUTHORIZATION_CODE_LIFETIME;
pub use received::ReceivedRequest;
pub use records::aged;
pub use redis_cluster::RedisCluster;
pub use redis_sentinel::{PRIMARY_NAME, RedisSentinels};
pub use redis_server::{RedisServer, wait_for};
pub use redis_tls::TestCa;
pub mod budget_worker;
pub mod fleet;
pub mod session_worker;
pub use server::AuthServer;
