fn main() { let _ = scope_core::scope!("store:all"); }
