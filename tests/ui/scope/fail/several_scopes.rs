fn main() { let _ = scope_core::scope!("market:all store:id:a"); }
