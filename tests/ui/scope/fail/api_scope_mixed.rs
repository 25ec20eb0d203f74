fn main() { let _ = scope_core::scopes!("provisioning-api market:id:xYZkjABcde"); }
