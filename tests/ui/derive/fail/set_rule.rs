#[derive(scope_core::Scoped)]
#[scope("market:code:europe stock_location:code:eu market:code:europe")]
struct Storefront;

fn main() {}
