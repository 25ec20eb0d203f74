fn takes_set(_: scope_core::ScopeSet) {}
fn takes_scope(_: scope_core::Scope) {}
fn main() {
    // One error each, and no type errors after them.
    takes_set(scope_core::scopes!("Market:all"));
    takes_scope(scope_core::scope!("market:al"));
}
