//! The code `#[derive(Scoped)]` writes for a checked model.
//!
//! It is written as text and lexed once: its shapes are fixed, the user's
//! tokens in it are only the type's name and visibility, and errors never point
//! into it (they are reported, with their spans, before). Scope constants come
//! from the functions `scopes!` uses, so both produce the same values.
//!
//! Everything sits in `const _: () = { use <crate> as __scope_core; … };`, so
//! the crate path the user chose is written once and the alias stays private.

use proc_macro::{Ident, Span, TokenStream, TokenTree};

use super::valid::{Body, Model, Scopes, VariantModel};
use crate::expand::{market_all_value, scope_set_value};
use crate::scope_literal::scope_tokens;

const ALIAS: &str = "__scope_core";

pub(crate) fn expand(model: &Model) -> TokenStream {
    let ty = &model.ident;
    let mut code = format!("const _: () = {{ use {} as {ALIAS};", model.krate);
    match &model.body {
        Body::Enum(variants) => {
            code += &enum_inherent(model, variants);
            code += &scoped_impl(ty);
            code += &scoped_enum_impl(ty, variants);
            if model.serde {
                code += &format!("{ALIAS}::__private::scoped_serde!{{ {ty} }}");
            }
        }
        Body::Struct(scopes) => {
            code += &struct_inherent(model, scopes.as_ref());
            code += &scoped_impl(ty);
        }
        Body::Fallback => {
            code += &format!(
                "#[automatically_derived] impl {ALIAS}::Scoped for {ty} {{ fn scopes(&self) -> &'static {ALIAS}::ScopeSet {{ ::core::unreachable!() }} }}"
            );
        }
    }
    code += "};";
    // The text is built from checked parts only; a lexing failure would be a bug here.
    code.parse().unwrap_or_default()
}

/// `impl Storefront { ALL, const fn scopes, [const fn sales_channel_scopes] }`
fn enum_inherent(model: &Model, variants: &[VariantModel]) -> String {
    let (ty, vis) = (&model.ident, &model.vis);
    let all = variant_list(variants);
    let mut arms = String::new();
    for v in variants {
        let value = constant(model, v.scopes.as_ref());
        arms += &format!("Self::{} => {{ {value} }}", v.ident);
    }
    let (produced, body) = if model.sales_channel {
        (
            "SalesChannelScopes",
            "self.sales_channel_scopes().scope_set()",
        )
    } else {
        ("ScopeSet", "")
    };
    let mut code = format!(
        "#[automatically_derived] impl {ty} {{
            #[doc = \"Every variant of `{ty}`, in declaration order.\"]
            {vis} const ALL: &'static [Self] = &[{all}];"
    );
    if model.sales_channel {
        code += &format!(
            "#[doc = \"The sales-channel scopes of this `{ty}`, checked when the program compiled.\"]
            {vis} const fn sales_channel_scopes(&self) -> &'static {ALIAS}::{produced} {{ match *self {{ {arms} }} }}
            #[doc = \"The scopes of this `{ty}`, checked when the program compiled.\"]
            {vis} const fn scopes(&self) -> &'static {ALIAS}::ScopeSet {{ {body} }}"
        );
    } else {
        code += &format!(
            "#[doc = \"The scopes of this `{ty}`, checked when the program compiled.\"]
            {vis} const fn scopes(&self) -> &'static {ALIAS}::{produced} {{ match *self {{ {arms} }} }}"
        );
    }
    code + "}"
}

/// `impl Config { SCOPES, const fn scopes, [SALES_CHANNEL_SCOPES, const fn sales_channel_scopes] }`
fn struct_inherent(model: &Model, scopes: Option<&Scopes>) -> String {
    let (ty, vis) = (&model.ident, &model.vis);
    let set = scope_set(scopes);
    if model.sales_channel {
        format!(
            "#[automatically_derived] impl {ty} {{
                #[doc = \"The sales-channel scopes of every `{ty}`, checked when the program compiled.\"]
                {vis} const SALES_CHANNEL_SCOPES: &'static {ALIAS}::SalesChannelScopes = &{ALIAS}::SalesChannelScopes::__from_macro({set});
                #[doc = \"The scopes of every `{ty}`, checked when the program compiled.\"]
                {vis} const SCOPES: &'static {ALIAS}::ScopeSet = Self::SALES_CHANNEL_SCOPES.scope_set();
                #[doc = \"The sales-channel scopes of this `{ty}` (the same for every value).\"]
                {vis} const fn sales_channel_scopes(&self) -> &'static {ALIAS}::SalesChannelScopes {{ Self::SALES_CHANNEL_SCOPES }}
                #[doc = \"The scopes of this `{ty}` (the same for every value).\"]
                {vis} const fn scopes(&self) -> &'static {ALIAS}::ScopeSet {{ Self::SCOPES }}
            }}"
        )
    } else {
        format!(
            "#[automatically_derived] impl {ty} {{
                #[doc = \"The scopes of every `{ty}`, checked when the program compiled.\"]
                {vis} const SCOPES: &'static {ALIAS}::ScopeSet = &{set};
                #[doc = \"The scopes of this `{ty}` (the same for every value).\"]
                {vis} const fn scopes(&self) -> &'static {ALIAS}::ScopeSet {{ Self::SCOPES }}
            }}"
        )
    }
}

/// `impl Scoped for T`, delegating to the inherent `const fn`.
fn scoped_impl(ty: &str) -> String {
    format!(
        "#[automatically_derived] impl {ALIAS}::Scoped for {ty} {{
            fn scopes(&self) -> &'static {ALIAS}::ScopeSet {{ {ty}::scopes(self) }}
        }}"
    )
}

/// `impl ScopedEnum for T`: every variant, and names for config files.
fn scoped_enum_impl(ty: &str, variants: &[VariantModel]) -> String {
    let all = variant_list(variants);
    let names: Vec<String> = variants.iter().map(|v| string(&v.name)).collect();
    let mut to_name = String::new();
    let mut from_name = String::new();
    for v in variants {
        let name = string(&v.name);
        to_name += &format!("Self::{} => {name},", v.ident);
        from_name += &format!("{name} => ::core::option::Option::Some(Self::{}),", v.ident);
    }
    format!(
        "#[automatically_derived] impl {ALIAS}::ScopedEnum for {ty} {{
            const ALL: &'static [Self] = &[{all}];
            const NAMES: &'static [&'static str] = &[{names}];
            fn name(&self) -> &'static str {{ match *self {{ {to_name} }} }}
            fn from_name(name: &str) -> ::core::option::Option<Self> {{
                match name {{ {from_name} _ => ::core::option::Option::None }}
            }}
        }}",
        names = names.join(",")
    )
}

fn variant_list(variants: &[VariantModel]) -> String {
    let list: Vec<String> = variants
        .iter()
        .map(|v| format!("Self::{}", v.ident))
        .collect();
    list.join(",")
}

/// A block that names one `'static` constant: the scopes, or the sales-channel scopes.
fn constant(model: &Model, scopes: Option<&Scopes>) -> String {
    let set = scope_set(scopes);
    if model.sales_channel {
        format!(
            "const SET: &{ALIAS}::SalesChannelScopes = &{ALIAS}::SalesChannelScopes::__from_macro({set}); SET"
        )
    } else {
        format!("const SET: &{ALIAS}::ScopeSet = &{set}; SET")
    }
}

/// The `ScopeSet` value `scopes!` would write for the text; `market:all` in place of faulty text.
fn scope_set(scopes: Option<&Scopes>) -> String {
    let krate = TokenTree::from(Ident::new(ALIAS, Span::call_site()));
    let values = match scopes {
        Some(scopes) => scopes
            .parsed
            .iter()
            .map(|p| scope_tokens(&krate, p, &scopes.text))
            .collect(),
        None => {
            vec![market_all_value(&krate)]
        }
    };
    TokenStream::from(scope_set_value(&krate, values)).to_string()
}

/// A Rust string literal holding `text`.
fn string(text: &str) -> String {
    proc_macro::Literal::string(text).to_string()
}
