#[derive(scope_core::Scoped)]
enum Storefront {
    #[scope("market:code:europe")]
    Europe,
    Usa,
}

#[derive(scope_core::Scoped)]
struct Outlet {
    name: String,
}

fn main() {}
