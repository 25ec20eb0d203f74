// One error for the bad literal and one for the variant with fields; none for the uses.
use scope_core::{ScopeSet, Scoped};

#[derive(Scoped)]
enum Storefront {
    #[scope("market:code:europe,market:code:usa")]
    Europe,
}

#[derive(Scoped)]
enum WithFields {
    #[scope("market:code:usa")]
    Usa(u8),
}

fn takes(_: &'static ScopeSet) {}

fn main() {
    takes(Storefront::Europe.scopes());
    takes(Storefront::ALL[0].scopes());
    takes(Scoped::scopes(&WithFields::Usa(1)));
}
