//! `SalesChannelScopes`: a scope set that a sales channel can use, proven so
//! when the program compiles (`sales_channel_scopes!`) or checked when it runs.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use crate::grammar::{SalesChannelRule, ScopeError};
use crate::scope::Scope;
use crate::scope_set::ScopeSet;

/// The scopes of a sales channel: a [`ScopeSet`] that names a market.
///
/// A sales channel sends no client secret, and Commerce Layer lets it act only
/// within a market: sales channels require a market in scope, named by id or
/// code (`market:all` names none in particular) or implied by a store. A stock
/// location needs its market beside it.
///
/// A value of this type has passed that rule, so the sales-channel credentials
/// take it without checking again. Build it with
/// [`sales_channel_scopes!`](crate::sales_channel_scopes) (the rule is checked
/// when the program compiles) or, for text known only at run time, with
/// [`str::parse`] or [`SalesChannelScopes::new`].
///
/// ```
/// use scope_core::{sales_channel_scopes, ErrorKind, SalesChannelScopes, ScopeSet};
///
/// const EUROPE: SalesChannelScopes =
///     sales_channel_scopes!("market:code:europe stock_location:code:eu_warehouse");
/// assert_eq!(EUROPE.scope_set().len(), 2);
///
/// let err = "stock_location:code:eu_warehouse".parse::<SalesChannelScopes>().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::StockLocationWithoutMarket);
/// assert!(err.to_string().contains("sales channels require a market in scope"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SalesChannelScopes(ScopeSet);

impl SalesChannelScopes {
    /// Checks that `scopes` suit a sales channel; see [`ScopeSet::check_sales_channel`].
    ///
    /// ```
    /// use scope_core::{scopes, ErrorKind, SalesChannelScopes};
    ///
    /// let ok = SalesChannelScopes::new(scopes!("store:code:outlet_ny"))?;
    /// assert_eq!(ok.to_string(), "store:code:outlet_ny");
    ///
    /// let err = SalesChannelScopes::new(scopes!("market:all")).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::SalesChannelWithoutMarket);
    /// # Ok::<(), scope_core::ScopeError>(())
    /// ```
    pub fn new(scopes: ScopeSet) -> Result<SalesChannelScopes, ScopeError> {
        scopes.check_sales_channel()?;
        Ok(SalesChannelScopes(scopes))
    }

    /// Wraps a set the macros have already checked with the sales-channel rule.
    #[doc(hidden)]
    pub const fn __from_macro(scopes: ScopeSet) -> SalesChannelScopes {
        SalesChannelScopes(scopes)
    }

    /// The scopes as a [`ScopeSet`].
    ///
    /// ```
    /// use scope_core::{sales_channel_scopes, scope};
    ///
    /// let europe = sales_channel_scopes!("market:code:europe");
    /// assert!(europe.scope_set().contains(&scope!("market:code:europe")));
    /// ```
    pub const fn scope_set(&self) -> &ScopeSet {
        &self.0
    }

    /// The scopes as a [`ScopeSet`], by value.
    ///
    /// ```
    /// use scope_core::{sales_channel_scopes, ScopeSet};
    ///
    /// let set: ScopeSet = sales_channel_scopes!("market:id:xYZkjABcde").into_scope_set();
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn into_scope_set(self) -> ScopeSet {
        self.0
    }
}

impl ScopeSet {
    /// Checks the sales-channel rule: the set names a market by id or code, or a
    /// store (which implies its market); and so every stock location has its
    /// market beside it. `sales_channel_scopes!` applies the very same rule while
    /// the program compiles.
    ///
    /// The error spans the stock location without a market, or `market:all`,
    /// or else the whole text.
    ///
    /// ```
    /// use scope_core::{scopes, ErrorKind};
    ///
    /// assert!(scopes!("market:code:europe stock_location:code:eu_warehouse").check_sales_channel().is_ok());
    ///
    /// let err = scopes!("market:all stock_location:code:eu_warehouse").check_sales_channel().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::StockLocationWithoutMarket);
    /// assert_eq!(err.span(), 11..43);
    /// ```
    pub fn check_sales_channel(&self) -> Result<(), ScopeError> {
        SalesChannelRule::check(self.iter().map(Scope::key)).map_err(|fault| {
            let text = self.to_string();
            let fault = fault.into_fault(text.len(), |index| self.span_of(index));
            ScopeError::new(&text, fault)
        })
    }
}

impl FromStr for SalesChannelScopes {
    type Err = ScopeError;

    /// Parses a [`ScopeSet`], then checks the sales-channel rule.
    fn from_str(text: &str) -> Result<SalesChannelScopes, ScopeError> {
        SalesChannelScopes::new(text.parse()?)
    }
}

impl TryFrom<ScopeSet> for SalesChannelScopes {
    type Error = ScopeError;

    fn try_from(scopes: ScopeSet) -> Result<SalesChannelScopes, ScopeError> {
        SalesChannelScopes::new(scopes)
    }
}

impl From<SalesChannelScopes> for ScopeSet {
    fn from(scopes: SalesChannelScopes) -> ScopeSet {
        scopes.0
    }
}

impl Deref for SalesChannelScopes {
    type Target = ScopeSet;

    fn deref(&self) -> &ScopeSet {
        &self.0
    }
}

impl AsRef<ScopeSet> for SalesChannelScopes {
    fn as_ref(&self) -> &ScopeSet {
        &self.0
    }
}

impl fmt::Display for SalesChannelScopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for SalesChannelScopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SalesChannelScopes({:?})", self.0.to_string())
    }
}

/// A [`SalesChannelScopes`] checked when the program compiles. It is a constant expression, so nothing is parsed or checked at run time.
///
/// The literal follows the grammar of [`ScopeSet`], exactly as
/// [`scopes!`](crate::scopes) does, and then the sales-channel rule: sales
/// channels require a market in scope (a market by id or code, or a store), and
/// a stock location needs its market beside it. Any fault fails the build with
/// one error that repeats the text with a caret line under the fault.
///
/// ```
/// use scope_core::{sales_channel_scopes, SalesChannelScopes};
///
/// const EUROPE: SalesChannelScopes =
///     sales_channel_scopes!("market:code:europe stock_location:code:eu_warehouse");
/// assert_eq!(EUROPE.to_string(), "market:code:europe stock_location:code:eu_warehouse");
/// ```
///
/// ```compile_fail
/// // sales channels require a market in scope
/// let warehouse = scope_core::sales_channel_scopes!("stock_location:code:eu_warehouse");
/// ```
#[cfg(feature = "macros")]
#[macro_export]
macro_rules! sales_channel_scopes {
    ($($literal:tt)*) => {
        $crate::__private::sales_channel_scopes_impl!($crate $($literal)*)
    };
}
