fn main() { let _ = scope_core::scope!("market:id:"); }
