fn main() { let _ = scope_core::scope!(c"market:all"); }
