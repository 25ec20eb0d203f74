fn main() { let _ = scope_core::scopes!("market:all  store:id:a"); }
