// The grammar's message, exactly as `scopes!` gives it.
fn main() {
    let _ = scope_core::sales_channel_scopes!("market:code:europe market:code:europe");
    let _ = scope_core::sales_channel_scopes!("market:code:europe, stock_location:code:eu");
}
