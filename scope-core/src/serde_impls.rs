//! Serde support (feature `serde`) for `Scope`, `ScopeSet` and
//! `SalesChannelScopes`: they serialize as their text and
//! deserialize through the same parser as `FromStr`, so a bad scope in a config
//! file is an error that names the fault.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::{SalesChannelScopes, Scope, ScopeSet};

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl Serialize for ScopeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl Serialize for SalesChannelScopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Visits a string and parses it with `T::from_str`.
struct ParseVisitor<T>(PhantomData<T>, &'static str);

impl<T> Visitor<'_> for ParseVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de> Deserialize<'de> for Scope {
    /// ```
    /// # #[cfg(feature = "serde")] {
    /// let scope: scope_core::Scope = serde_json::from_str(r#""market:code:europe""#).unwrap();
    /// assert_eq!(scope.value(), Some("europe"));
    /// # }
    /// ```
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scope, D::Error> {
        deserializer.deserialize_str(ParseVisitor(
            PhantomData,
            "a Commerce Layer scope such as \"market:code:europe\"",
        ))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de> Deserialize<'de> for ScopeSet {
    /// ```
    /// # #[cfg(feature = "serde")] {
    /// let err = serde_json::from_str::<scope_core::ScopeSet>(r#""markets:code:europe""#).unwrap_err();
    /// assert!(err.to_string().contains("did you mean `market`?"));
    /// # }
    /// ```
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ScopeSet, D::Error> {
        deserializer.deserialize_str(ParseVisitor(
            PhantomData,
            "Commerce Layer scopes separated by single spaces, such as \"market:code:europe stock_location:code:eu_warehouse\"",
        ))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de> Deserialize<'de> for SalesChannelScopes {
    /// Parses the scope text and checks the sales-channel rule.
    ///
    /// ```
    /// # #[cfg(feature = "serde")] {
    /// use scope_core::SalesChannelScopes;
    ///
    /// let err = serde_json::from_str::<SalesChannelScopes>(r#""market:all""#).unwrap_err();
    /// assert!(err.to_string().contains("sales channels require a market in scope"));
    /// # }
    /// ```
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SalesChannelScopes, D::Error> {
        deserializer.deserialize_str(ParseVisitor(
            PhantomData,
            "Commerce Layer scopes for a sales channel, with a market, such as \"market:code:europe stock_location:code:eu_warehouse\"",
        ))
    }
}
