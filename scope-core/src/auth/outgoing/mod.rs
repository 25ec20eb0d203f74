//! Access tokens on outgoing requests to the Core API: the `Authorization`
//! header on every request for one [`Origin`], never on a request for another
//! host, and one retry with a fresh token after a 401.
//!
//! - [`BearerMiddleware`] (feature `middleware`): for `reqwest-middleware`
//!   clients. Bodies replay when reqwest can clone them (all but streams).
//! - [`BearerLayer`] and [`BearerService`] (feature `tower`): for tower
//!   stacks over `http::Request<B>`, such as hyper's client. Bodies replay as
//!   [`ReplayBody`] says: by `Clone` unless told otherwise.
//!
//! Both take any [`TokenProvider`](crate::auth::TokenProvider): a
//! [`TokenSource`](crate::auth::TokenSource), a customer's
//! [`CustomerSession`](crate::auth::CustomerSession), or a test's fake.
//!
//! ```
//! use scope_core::auth::outgoing::Origin;
//!
//! let core_api = Origin::new("https://acme.commercelayer.io")?;
//! assert!(core_api.matches("https://acme.commercelayer.io/api/orders"));
//! assert!(!core_api.matches("https://payments.example.com/charge"));
//! # Ok::<(), scope_core::auth::outgoing::OriginError>(())
//! ```
//!
//! Where things live: `origin` is the host check, `renewal` what both do on a
//! 401, `middleware` and `tower` one integration each.

#[cfg(feature = "middleware")]
mod middleware;
mod origin;
mod renewal;
#[cfg(feature = "tower")]
mod tower;

#[cfg(feature = "middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "middleware")))]
pub use middleware::BearerMiddleware;
pub use origin::{Origin, OriginError};
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use tower::{BearerLayer, BearerService, BoxError, CloneBody, NoReplay, ReplayBody};
