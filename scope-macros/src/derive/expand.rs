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
use crate::expand::{MARKET_ALL, ScopeParts, scope_set_value};
use crate::sales_channel::sales_channel_value;
use crate::scope_literal::scope_parts;

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
    let all: Vec<String> = variants
        .iter()
        .map(|v| format!("Self::{}", v.ident))
        .collect();
    let all = all.join(",");
    let produced = produced(model);
    // Each arm names a constant, so the value is promoted to `'static` in a `const fn`.
    let mut arms = String::new();
    for v in variants {
        let value = value(model, v.scopes.as_ref());
        arms += &format!(
            "Self::{} => {{ const SET: &{ALIAS}::{produced} = &{value}; SET }}",
            v.ident
        );
    }
    let mut code = format!(
        "#[automatically_derived] impl {ty} {{
            #[doc = \"Every variant of `{ty}`, in declaration order.\"]
            {vis} const ALL: &'static [Self] = &[{all}];"
    );
    let scopes_body = if model.sales_channel {
        code += &format!(
            "#[doc = \"The sales-channel scopes of this `{ty}`, checked when the program compiled.\"]
            {vis} const fn sales_channel_scopes(&self) -> &'static {ALIAS}::{produced} {{ match *self {{ {arms} }} }}"
        );
        "self.sales_channel_scopes().scope_set()".to_owned()
    } else {
        format!("match *self {{ {arms} }}")
    };
    code += &format!(
        "#[doc = \"The scopes of this `{ty}`, checked when the program compiled.\"]
        {vis} const fn scopes(&self) -> &'static {ALIAS}::ScopeSet {{ {scopes_body} }}"
    );
    code + "}"
}

/// `impl Config { SCOPES, const fn scopes, [SALES_CHANNEL_SCOPES, const fn sales_channel_scopes] }`
fn struct_inherent(model: &Model, scopes: Option<&Scopes>) -> String {
    let (ty, vis) = (&model.ident, &model.vis);
    let value = value(model, scopes);
    let mut code = format!("#[automatically_derived] impl {ty} {{");
    if model.sales_channel {
        code += &format!(
            "#[doc = \"The sales-channel scopes of every `{ty}`, checked when the program compiled.\"]
            {vis} const SALES_CHANNEL_SCOPES: &'static {ALIAS}::SalesChannelScopes = &{value};
            #[doc = \"The scopes of every `{ty}`, checked when the program compiled.\"]
            {vis} const SCOPES: &'static {ALIAS}::ScopeSet = Self::SALES_CHANNEL_SCOPES.scope_set();
            #[doc = \"The sales-channel scopes of this `{ty}` (the same for every value).\"]
            {vis} const fn sales_channel_scopes(&self) -> &'static {ALIAS}::SalesChannelScopes {{ Self::SALES_CHANNEL_SCOPES }}"
        );
    } else {
        code += &format!(
            "#[doc = \"The scopes of every `{ty}`, checked when the program compiled.\"]
            {vis} const SCOPES: &'static {ALIAS}::ScopeSet = &{value};"
        );
    }
    code += &format!(
        "#[doc = \"The scopes of this `{ty}` (the same for every value).\"]
        {vis} const fn scopes(&self) -> &'static {ALIAS}::ScopeSet {{ Self::SCOPES }}"
    );
    code + "}"
}

/// `impl Scoped for T`, delegating to the inherent `const fn`.
fn scoped_impl(ty: &str) -> String {
    format!(
        "#[automatically_derived] impl {ALIAS}::Scoped for {ty} {{
            fn scopes(&self) -> &'static {ALIAS}::ScopeSet {{ {ty}::scopes(self) }}
        }}"
    )
}

/// `impl ScopedEnum for T`: every variant (the inherent `ALL`), and names for config files.
fn scoped_enum_impl(ty: &str, variants: &[VariantModel]) -> String {
    let names: Vec<String> = variants.iter().map(|v| string(&v.name)).collect();
    let mut to_name = String::new();
    let mut from_name = String::new();
    for (v, name) in variants.iter().zip(&names) {
        to_name += &format!("Self::{} => {name},", v.ident);
        from_name += &format!("{name} => ::core::option::Option::Some(Self::{}),", v.ident);
    }
    format!(
        "#[automatically_derived] impl {ALIAS}::ScopedEnum for {ty} {{
            const ALL: &'static [Self] = {ty}::ALL;
            const NAMES: &'static [&'static str] = &[{names}];
            fn name(&self) -> &'static str {{ match *self {{ {to_name} }} }}
            fn from_name(name: &str) -> ::core::option::Option<Self> {{
                match name {{ {from_name} _ => ::core::option::Option::None }}
            }}
        }}",
        names = names.join(",")
    )
}

/// The type of the value written for each scope text.
fn produced(model: &Model) -> &'static str {
    if model.sales_channel {
        "SalesChannelScopes"
    } else {
        "ScopeSet"
    }
}

/// The value `scopes!` (or `sales_channel_scopes!`) would write for the text;
/// `market:all` in place of faulty text.
fn value(model: &Model, scopes: Option<&Scopes>) -> String {
    let krate = TokenTree::from(Ident::new(ALIAS, Span::call_site()));
    let values: Vec<ScopeParts> = match scopes {
        Some(scopes) => scopes
            .parsed
            .iter()
            .map(|p| scope_parts(p, &scopes.text))
            .collect(),
        None => vec![MARKET_ALL],
    };
    let set = scope_set_value(&krate, &values);
    let value = if model.sales_channel {
        sales_channel_value(&krate, set)
    } else {
        set
    };
    TokenStream::from(value).to_string()
}

/// A Rust string literal holding `text`.
fn string(text: &str) -> String {
    proc_macro::Literal::string(text).to_string()
}
