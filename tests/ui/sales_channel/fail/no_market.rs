fn main() {
    let _ = scope_core::sales_channel_scopes!("market:all");
    let _ = scope_core::sales_channel_scopes!("provisioning-api metrics-api");
}
