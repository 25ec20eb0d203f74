fn main() {
    let _ = scope_core::sales_channel_scopes!("stock_location:code:eu_warehouse");
    let _ = scope_core::sales_channel_scopes!("market:all stock_location:id:WLgbSXqyoZ");
}
