// With `sales_channel`, every literal also passes the sales-channel rule.
#[derive(scope_core::Scoped)]
#[scope(sales_channel)]
enum Channel {
    #[scope("market:code:europe")]
    Europe,
    #[scope("stock_location:code:eu_warehouse")]
    Warehouse,
    #[scope("market:all")]
    Everywhere,
}

fn main() {}
