// The grammar's message, exactly as `scopes!` gives it, spanning the literal.
#[derive(scope_core::Scoped)]
enum Storefront {
    #[scope("markets:code:europe")]
    Europe,
}

fn main() {}
