const S: scope_core::Scope = scope_core::scope!("market");
fn main() {}
