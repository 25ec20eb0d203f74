static S: scope_core::ScopeSet = scope_core::scopes!("market:id:xYZkjABcde,stock_location:id:WLgbSXqyoZ");
fn main() {}
