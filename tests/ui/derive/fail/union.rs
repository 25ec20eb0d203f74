#[derive(scope_core::Scoped)]
#[scope("market:all")]
union Bits {
    a: u32,
    b: f32,
}

fn main() {}
