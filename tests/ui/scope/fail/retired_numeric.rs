fn main() { let _ = scope_core::scope!("market:1234"); }
