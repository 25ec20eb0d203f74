fn main() { let _ = scope_core::scope!(b"market:all"); }
