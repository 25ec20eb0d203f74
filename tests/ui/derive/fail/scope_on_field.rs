#[derive(scope_core::Scoped)]
#[scope("market:code:europe")]
struct Storefront {
    #[scope("stock_location:code:eu_warehouse")]
    warehouse: String,
}

#[derive(scope_core::Scoped)]
#[scope("market:code:usa")]
struct Tuple(#[scope("store:code:outlet_ny")] u8);

fn main() {}
