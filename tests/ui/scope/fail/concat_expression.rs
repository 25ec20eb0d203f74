fn main() { let _ = scope_core::scope!(concat!("market:", "all")); }
