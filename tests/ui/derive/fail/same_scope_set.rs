// Sets are compared as sets: the same scopes in another order are the same access.
#[derive(scope_core::Scoped)]
enum Storefront {
    #[scope("market:code:europe stock_location:code:eu")]
    Europe,
    #[scope("stock_location:code:eu market:code:europe")]
    Eu,
    #[scope("market:code:europe")]
    EuropeOnly,
}

fn main() {}
