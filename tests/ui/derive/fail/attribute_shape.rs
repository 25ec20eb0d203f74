#[derive(scope_core::Scoped)]
enum Storefront {
    #[scope = "market:code:europe"]
    Europe,
    #[scope]
    Usa,
    #[scope()]
    Asia,
}

fn main() {}
