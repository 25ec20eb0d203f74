fn main() { let _ = scope_core::scopes!("market:all", "metrics-api"); }
