// Not set while the tests build.
const FROM_CI: scope_core::ScopeSet = scope_core::env_scopes!("SCOPE_TESTS_UNSET_VARIABLE");
const STOREFRONT: scope_core::SalesChannelScopes =
    scope_core::env_sales_channel_scopes!("SCOPE_TESTS_UNSET_VARIABLE");

fn main() {
    // The placeholders keep the types: no more errors.
    let _ = (FROM_CI.len(), STOREFRONT.len());
    let _: Option<scope_core::ScopeSet> = scope_core::option_env_scopes!("SCOPE_TESTS_UNSET_VARIABLE");
}
