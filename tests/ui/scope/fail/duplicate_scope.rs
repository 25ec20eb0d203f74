fn main() { let _ = scope_core::scopes!("market:code:europe market:code:usa market:code:europe"); }
