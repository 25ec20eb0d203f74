//! What both the middleware and the tower service do when the Core API
//! answers 401: tell the provider, then decide whether a retry can help.

use std::sync::Arc;

use crate::auth::{ProviderError, Token, TokenProvider};

/// After the Core API refused `rejected`: drops it from the provider, then
/// gets the token to retry with. `Ok(None)` when the provider serves the very
/// same token again (its renewal failed, and it keeps serving a token still
/// valid by its clock): a retry with it would only be refused again.
///
/// A failed drop is not the end: a store that could not remove its copy still
/// lets the provider renew. If no fresh token comes, the provider's error for
/// that is returned, since it says why.
pub(crate) async fn token_after_rejection(
    provider: &dyn TokenProvider,
    rejected: &Token,
) -> Result<Option<Arc<Token>>, ProviderError> {
    let _ = provider.invalidate_token(rejected).await;
    let fresh = provider.token().await?;
    Ok((!fresh.same_access_token(rejected)).then_some(fresh))
}

/// Drops a rejected token when the request cannot be retried: the caller gets
/// the 401, and its own next request gets a fresh token. A failed drop changes
/// nothing for this caller, who gets the 401 either way.
pub(crate) async fn forget_rejected(provider: &dyn TokenProvider, rejected: &Token) {
    let _ = provider.invalidate_token(rejected).await;
}
