fn takes(_: scope_core::SalesChannelScopes) {}

fn main() {
    // One error, and no type error after it.
    takes(scope_core::sales_channel_scopes!("stock_location:code:eu"));
}
