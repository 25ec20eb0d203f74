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

// Options alone do not make up for the scope text.
#[derive(scope_core::Scoped)]
#[scope(crate = "scope_core", sales_channel)]
struct OptionsOnly;
