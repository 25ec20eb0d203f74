use scope_core::{SalesChannelScopes, sales_channel_scopes};

const EUROPE: SalesChannelScopes =
    sales_channel_scopes!("market:code:europe stock_location:code:eu_warehouse");
static OUTLET: SalesChannelScopes = sales_channel_scopes!(r"store:code:outlet_ny");
const BY_ID: SalesChannelScopes =
    sales_channel_scopes!("stock_location:id:WLgbSXqyoZ market:id:xYZkjABcde market:all");

macro_rules! channel {
    ($text:expr) => {
        scope_core::sales_channel_scopes!($text)
    };
}

fn main() {
    assert_eq!(EUROPE.len(), 2);
    assert_eq!(OUTLET.to_string(), "store:code:outlet_ny");
    assert_eq!(BY_ID.stock_locations().count(), 1);
    assert!(channel!("market:code:usa").has_market_or_store());
}
