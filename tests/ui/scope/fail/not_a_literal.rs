fn main() { let text = "market:all"; let _ = scope_core::scope!(text); }
