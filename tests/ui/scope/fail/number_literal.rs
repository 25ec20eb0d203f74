fn main() { let _ = scope_core::scopes!(42); }
