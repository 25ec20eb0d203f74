#[derive(scope_core::Scoped)]
enum Storefront {
    #[scope("market:code:europe")]
    #[scope("stock_location:code:eu_warehouse")]
    Europe,
}

#[derive(scope_core::Scoped)]
#[scope("market:code:usa", "store:code:outlet_ny")]
struct Usa;

fn main() {}
