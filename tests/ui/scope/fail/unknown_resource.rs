fn main() { let _ = scope_core::scope!("markets:id:xYZkjABcde"); }
