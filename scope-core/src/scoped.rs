//! `Scoped` and `ScopedEnum`: what `#[derive(Scoped)]` implements, so generic
//! code can take any scoped config.

use crate::scope_set::ScopeSet;

/// A value that knows the scopes its access tokens need, fixed in code.
///
/// Implement it with `#[derive(Scoped)]` (feature `macros`): on an enum of unit
/// variants, each with its own `#[scope("…")]`, or on a struct with one
/// `#[scope("…")]` on the type. Every literal is checked when the program
/// compiles, by the same grammar as [`scopes!`](crate::scopes) and with the
/// same messages.
///
/// The derive also writes inherent items, usable in `const` context and without
/// importing this trait: `const fn scopes(&self)`, and for enums `ALL`.
///
/// ```
/// use scope_core::{Scoped, ScopeSet};
///
/// #[derive(Scoped, Clone, Copy, Debug)]
/// enum Storefront {
///     #[scope("market:code:europe stock_location:code:eu_warehouse")]
///     Europe,
///     #[scope("market:code:usa")]
///     Usa,
/// }
///
/// /// Generic code takes any scoped config.
/// fn describe(config: &impl Scoped) -> String {
///     config.scopes().to_string()
/// }
///
/// const EUROPE: &ScopeSet = Storefront::Europe.scopes();
/// assert_eq!(EUROPE.len(), 2);
/// assert_eq!(describe(&Storefront::Usa), "market:code:usa");
/// ```
///
/// # Attributes
///
/// | attribute | on | meaning |
/// |---|---|---|
/// | `#[scope("…")]` | each variant, or a struct | the scope text, checked like [`scopes!`](crate::scopes) |
/// | `#[scope(sales_channel)]` | the type | also check each literal with the sales-channel rule, and add `const fn sales_channel_scopes(&self) -> &'static SalesChannelScopes` |
/// | `#[scope(crate = "path")]` | the type | the path to this crate, when the dependency is renamed |
/// | `#[scope(rename_all = "…")]`, `#[scope(serde)]` | an enum | names in config files; see [`ScopedEnum`] |
/// | `#[scope("…", rename = "…")]` | a variant | this variant's name in config files |
///
/// Arguments may share one attribute: `#[scope("market:all", sales_channel)]`.
/// The derive refuses, each with an error at its cause: a literal the grammar
/// refuses (with the message `scopes!` gives), a missing or second scope
/// literal, an argument that is not a literal (a derive sees tokens, not the
/// values of constants), variants with fields, unions, generic types, and two
/// variants with the same scopes (compared as sets: the same scopes in another
/// order grant the same access) or the same name.
///
/// The generated code names this crate `::scope_core`; if you depend on it under
/// another name, say so with `#[scope(crate = "path")]` on the type (a derive,
/// unlike `scopes!`, cannot be told `$crate`).
///
/// ```
/// use scope_core::{SalesChannelScopes, Scoped};
///
/// #[derive(Scoped)]
/// #[scope(sales_channel)]
/// enum Storefront {
///     #[scope("market:code:europe stock_location:code:eu_warehouse")]
///     Europe,
///     #[scope("store:code:outlet_ny")]
///     NewYorkOutlet,
/// }
///
/// const OUTLET: &SalesChannelScopes = Storefront::NewYorkOutlet.sales_channel_scopes();
/// assert_eq!(OUTLET.to_string(), "store:code:outlet_ny");
/// ```
pub trait Scoped {
    /// The scopes this value's tokens need, checked when the program compiled.
    ///
    /// ```
    /// use scope_core::Scoped;
    ///
    /// #[derive(Scoped)]
    /// #[scope("store:code:outlet_ny")]
    /// struct Outlet {
    ///     name: String,
    /// }
    ///
    /// let outlet = Outlet { name: "New York".into() };
    /// assert_eq!(Scoped::scopes(&outlet).to_string(), "store:code:outlet_ny");
    /// # let _ = outlet.name;
    /// ```
    fn scopes(&self) -> &'static ScopeSet;
}

impl<T: Scoped + ?Sized> Scoped for &T {
    fn scopes(&self) -> &'static ScopeSet {
        (**self).scopes()
    }
}

/// An enum of scoped unit variants: every variant, and the name a config file
/// uses for each.
///
/// `#[derive(Scoped)]` on an enum implements it. Names are the variant names as
/// written, or in the case style `#[scope(rename_all = "…")]` gives (`lowercase`,
/// `UPPERCASE`, `PascalCase`, `camelCase`, `snake_case`, `SCREAMING_SNAKE_CASE`,
/// `kebab-case`, `SCREAMING-KEBAB-CASE`), or what a variant's own
/// `#[scope("…", rename = "…")]` says. With `#[scope(serde)]` and this crate's
/// `serde` feature, the enum serializes as its name and deserializes from it.
///
/// ```
/// use scope_core::{Scoped, ScopedEnum};
///
/// #[derive(Scoped, Clone, Copy, Debug, PartialEq)]
/// #[scope(rename_all = "kebab-case")]
/// enum Storefront {
///     #[scope("market:code:europe")]
///     Europe,
///     #[scope("market:code:usa store:code:outlet_ny")]
///     UsaOutlet,
/// }
///
/// assert_eq!(Storefront::NAMES, ["europe", "usa-outlet"]);
/// assert_eq!(Storefront::from_name("usa-outlet"), Some(Storefront::UsaOutlet));
/// assert_eq!(Storefront::Europe.name(), "europe");
/// let markets: usize = Storefront::ALL.iter().map(|s| s.scopes().markets().count()).sum();
/// assert_eq!(markets, 2);
/// ```
pub trait ScopedEnum: Scoped + Sized + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];

    /// The name of each variant in a config file, in the order of [`ScopedEnum::ALL`].
    const NAMES: &'static [&'static str];

    /// The name of this variant in a config file.
    fn name(&self) -> &'static str;

    /// The variant a config file names, if any.
    fn from_name(name: &str) -> Option<Self>;
}

/// Not public API: support for the code `#[derive(Scoped)]` writes.
#[doc(hidden)]
#[cfg(feature = "macros")]
pub mod __derive {
    #[cfg(feature = "serde")]
    pub use serde;

    pub use crate::__scoped_serde as scoped_serde;

    /// Serializes a variant as its name.
    #[cfg(feature = "serde")]
    pub fn serialize_variant<T: crate::ScopedEnum, S: serde::Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.name())
    }

    /// Deserializes a variant from its name; an unknown name is an error that lists the accepted ones.
    #[cfg(feature = "serde")]
    pub fn deserialize_variant<'de, T: crate::ScopedEnum, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        deserializer.deserialize_str(NameVisitor(std::marker::PhantomData))
    }

    #[cfg(feature = "serde")]
    struct NameVisitor<T>(std::marker::PhantomData<T>);

    #[cfg(feature = "serde")]
    impl<T: crate::ScopedEnum> serde::de::Visitor<'_> for NameVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("one of ")?;
            for (i, name) in T::NAMES.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "`{name}`")?;
            }
            Ok(())
        }

        fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<T, E> {
            T::from_name(name).ok_or_else(|| E::unknown_variant(name, T::NAMES))
        }
    }
}

/// Not public API: `Serialize` and `Deserialize` for an enum with `#[scope(serde)]`.
#[doc(hidden)]
#[cfg(feature = "serde")]
#[macro_export]
macro_rules! __scoped_serde {
    ($ty:ident) => {
        impl $crate::__private::serde::Serialize for $ty {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::__private::serialize_variant(self, serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::__private::deserialize_variant(deserializer)
            }
        }
    };
}

/// Not public API: without the `serde` feature, `#[scope(serde)]` is an error that says how to fix it.
#[doc(hidden)]
#[cfg(not(feature = "serde"))]
#[macro_export]
macro_rules! __scoped_serde {
    ($ty:ident) => {
        ::core::compile_error!(::core::concat!(
            "`#[scope(serde)]` on `",
            ::core::stringify!($ty),
            "` needs the `serde` feature of scope-core: enable it in Cargo.toml (`scope-core = { version = \"…\", features = [\"serde\"] }`), or remove `serde` from the attribute"
        ));
    };
}
