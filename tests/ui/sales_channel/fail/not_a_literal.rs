const EUROPE: &str = "market:code:europe";

fn main() {
    let _ = scope_core::sales_channel_scopes!(EUROPE);
    let _ = scope_core::sales_channel_scopes!();
}
