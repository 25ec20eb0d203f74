//! `ScopeSet`: one or more distinct scopes, as a token request sends them.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::grammar::{
    Conflict, ErrorKind, Fault, Resource, ScopeError, SetScreen, check_set, parse_set_item,
    set_conflict,
};
use crate::scope::Scope;
use crate::scope_list::ScopeList;

/// One or more distinct scopes, in the order written: the `scope` of a token request.
///
/// In text, scopes are separated by exactly one ASCII space: no leading,
/// trailing or repeated whitespace, no tabs, no commas. The same scope may not
/// appear twice, and `provisioning-api` and `metrics-api` combine only with each
/// other. Each scope follows the grammar of [`Scope`].
///
/// Write constants with [`scopes!`](crate::scopes) (checked when the program
/// compiles); parse run-time text, such as a config value, with [`str::parse`].
/// `Display` prints the text back exactly.
///
/// Equality follows the order written, as the text does; [`ScopeSet::same_scopes`]
/// ignores order.
///
/// ```
/// use scope_core::{scopes, ScopeSet};
///
/// static STOREFRONT: ScopeSet = scopes!("market:code:europe stock_location:code:eu_warehouse");
/// assert_eq!(STOREFRONT.len(), 2);
/// assert!(STOREFRONT.has_market_or_store());
///
/// let from_config: ScopeSet = "market:code:europe stock_location:code:eu_warehouse".parse()?;
/// assert_eq!(from_config, STOREFRONT);
/// assert_eq!(from_config.to_string(), "market:code:europe stock_location:code:eu_warehouse");
/// # Ok::<(), scope_core::ScopeError>(())
/// ```
#[derive(Clone)]
pub struct ScopeSet {
    scopes: ScopeList,
}

impl ScopeSet {
    /// A set of scopes built in a `const` item, checked by the set rules while the
    /// program compiles; pair it with [`Scope::from_static`].
    ///
    /// # Panics
    ///
    /// If `scopes` is empty, holds the same scope twice, or mixes an API scope with
    /// a Core API scope. In a `const` item that panic is a compile error.
    ///
    /// ```
    /// use scope_core::{Scope, ScopeSet};
    ///
    /// const EUROPE: Scope = Scope::from_static("market:code:europe");
    /// const WAREHOUSE: Scope = Scope::from_static("stock_location:code:eu_warehouse");
    /// // The slice is its own `const` item, so that it lives for `'static`.
    /// const SCOPES: &[Scope] = &[EUROPE, WAREHOUSE];
    /// const STOREFRONT: ScopeSet = ScopeSet::from_static_scopes(SCOPES);
    /// assert_eq!(STOREFRONT.to_string(), "market:code:europe stock_location:code:eu_warehouse");
    /// ```
    pub const fn from_static_scopes(scopes: &'static [Scope]) -> ScopeSet {
        if scopes.is_empty() {
            panic!("{}", ErrorKind::Empty.summary());
        }
        let mut later = 1;
        while later < scopes.len() {
            let mut earlier = 0;
            while earlier < later {
                if let Some(kind) = set_conflict(&scopes[earlier].key(), &scopes[later].key()) {
                    panic!("{}", kind.summary());
                }
                earlier += 1;
            }
            later += 1;
        }
        ScopeSet {
            scopes: ScopeList::Static(scopes),
        }
    }

    /// Wraps scopes the macros have already checked.
    #[doc(hidden)]
    pub const fn __from_macro(scopes: &'static [Scope]) -> ScopeSet {
        ScopeSet {
            scopes: ScopeList::Static(scopes),
        }
    }

    // `scopes!` writes a set of up to three scopes as one call with a form
    // number and a value each: the compiler checks and evaluates that in less
    // than half the time struct literals take (`scripts/compile_cost.py`). The
    // scopes are stored inline, so nothing needs promoting to `'static`. One
    // function per length, because arrays as arguments cost the compiler more.

    /// One scope the macros have already checked. Not API.
    #[doc(hidden)]
    pub const fn __from_macro1(form: u8, value: &'static str) -> ScopeSet {
        ScopeSet {
            scopes: ScopeList::Inline {
                len: 1,
                items: [Scope::from_form_code(form, value), Scope::SLOT, Scope::SLOT],
            },
        }
    }

    /// Two scopes the macros have already checked. Not API.
    #[doc(hidden)]
    pub const fn __from_macro2(
        form1: u8,
        value1: &'static str,
        form2: u8,
        value2: &'static str,
    ) -> ScopeSet {
        ScopeSet {
            scopes: ScopeList::Inline {
                len: 2,
                items: [
                    Scope::from_form_code(form1, value1),
                    Scope::from_form_code(form2, value2),
                    Scope::SLOT,
                ],
            },
        }
    }

    /// Three scopes the macros have already checked. Not API.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __from_macro3(
        form1: u8,
        value1: &'static str,
        form2: u8,
        value2: &'static str,
        form3: u8,
        value3: &'static str,
    ) -> ScopeSet {
        ScopeSet {
            scopes: ScopeList::Inline {
                len: 3,
                items: [
                    Scope::from_form_code(form1, value1),
                    Scope::from_form_code(form2, value2),
                    Scope::from_form_code(form3, value3),
                ],
            },
        }
    }

    /// Builds a set from scopes made at run time, checking the set rules.
    ///
    /// ```
    /// use scope_core::{ErrorKind, Scope, ScopeSet};
    ///
    /// let markets = ["europe", "usa"].map(|code| format!("market:code:{code}").parse::<Scope>());
    /// let set = ScopeSet::from_scopes(markets.into_iter().collect::<Result<Vec<_>, _>>()?)?;
    /// assert_eq!(set.to_string(), "market:code:europe market:code:usa");
    ///
    /// let err = ScopeSet::from_scopes(vec![Scope::MARKET_ALL, Scope::MARKET_ALL]).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::DuplicateScope);
    /// # Ok::<(), scope_core::ScopeError>(())
    /// ```
    pub fn from_scopes(scopes: Vec<Scope>) -> Result<ScopeSet, ScopeError> {
        if scopes.is_empty() {
            return Err(ScopeError::new(
                "",
                Fault {
                    kind: ErrorKind::Empty,
                    start: 0,
                    end: 0,
                    related: None,
                },
            ));
        }
        let set = ScopeSet {
            scopes: ScopeList::from(scopes),
        };
        set.check()?;
        Ok(set)
    }

    /// Applies the set rules, reporting a conflict with the positions in the text.
    fn check(&self) -> Result<(), ScopeError> {
        let scopes = self.as_slice();
        check_set(scopes.len(), |i| scopes[i].key())
            .map_err(|conflict| self.conflict_error(conflict))
    }

    #[cold]
    fn conflict_error(&self, conflict: Conflict) -> ScopeError {
        ScopeError::new(
            &self.to_string(),
            conflict.fault(|index| self.span_of(index)),
        )
    }

    /// The byte range of the scope at `index` in the set's text, without formatting it.
    pub(crate) fn span_of(&self, index: usize) -> (usize, usize) {
        let scopes = self.as_slice();
        let start: usize = scopes[..index].iter().map(|s| s.text_len() + 1).sum();
        (start, start + scopes[index].text_len())
    }

    /// How many scopes the set holds (at least one).
    ///
    /// ```
    /// assert_eq!(scope_core::scopes!("provisioning-api metrics-api").len(), 2);
    /// ```
    #[allow(clippy::len_without_is_empty)] // a set is never empty
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// The scopes in the order written.
    ///
    /// ```
    /// use scope_core::scopes;
    ///
    /// let set = scopes!("market:code:europe market:code:usa");
    /// let codes: Vec<_> = set.iter().filter_map(|s| s.value()).collect();
    /// assert_eq!(codes, ["europe", "usa"]);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Scope> {
        self.as_slice().iter()
    }

    /// The scopes as a slice, in the order written.
    ///
    /// ```
    /// use scope_core::{scope, scopes};
    ///
    /// assert_eq!(scopes!("market:all").as_slice(), [scope!("market:all")]);
    /// ```
    pub fn as_slice(&self) -> &[Scope] {
        self.scopes.as_slice()
    }

    /// Whether the set holds `scope`.
    ///
    /// ```
    /// use scope_core::{scope, scopes};
    ///
    /// let set = scopes!("market:code:europe stock_location:code:eu_warehouse");
    /// assert!(set.contains(&scope!("market:code:europe")));
    /// assert!(!set.contains(&scope!("market:code:usa")));
    /// ```
    pub fn contains(&self, scope: &Scope) -> bool {
        self.as_slice().contains(scope)
    }

    /// Whether the set names a market (by id or code) or a store, which implies
    /// its market: what a sales channel needs to act.
    ///
    /// ```
    /// use scope_core::scopes;
    ///
    /// assert!(scopes!("store:code:outlet_ny").has_market_or_store());
    /// assert!(!scopes!("market:all").has_market_or_store());
    /// assert!(!scopes!("stock_location:code:eu_warehouse").has_market_or_store());
    /// ```
    pub fn has_market_or_store(&self) -> bool {
        self.iter()
            .any(|s| s.is_market() || s.resource() == Resource::Store)
    }

    /// The market scopes (`market:id:…`, `market:code:…`, `market:all`).
    ///
    /// ```
    /// use scope_core::scopes;
    ///
    /// let set = scopes!("market:code:europe store:code:outlet_ny");
    /// assert_eq!(set.markets().count(), 1);
    /// ```
    pub fn markets(&self) -> impl Iterator<Item = &Scope> + '_ {
        self.of(Resource::Market)
    }

    /// The store scopes.
    ///
    /// ```
    /// use scope_core::scopes;
    ///
    /// assert_eq!(scopes!("store:code:outlet_ny").stores().count(), 1);
    /// ```
    pub fn stores(&self) -> impl Iterator<Item = &Scope> + '_ {
        self.of(Resource::Store)
    }

    /// The stock-location scopes.
    ///
    /// ```
    /// use scope_core::scopes;
    ///
    /// let set = scopes!("market:id:xYZkjABcde stock_location:id:WLgbSXqyoZ");
    /// let ids: Vec<_> = set.stock_locations().filter_map(|s| s.value()).collect();
    /// assert_eq!(ids, ["WLgbSXqyoZ"]);
    /// ```
    pub fn stock_locations(&self) -> impl Iterator<Item = &Scope> + '_ {
        self.of(Resource::StockLocation)
    }

    fn of(&self, resource: Resource) -> impl Iterator<Item = &Scope> + '_ {
        self.iter().filter(move |s| s.resource() == resource)
    }

    /// Whether both sets hold the same scopes, in any order.
    ///
    /// ```
    /// use scope_core::scopes;
    ///
    /// let a = scopes!("market:code:europe market:code:usa");
    /// let b = scopes!("market:code:usa market:code:europe");
    /// assert!(a.same_scopes(&b));
    /// assert_ne!(a, b);
    /// ```
    pub fn same_scopes(&self, other: &ScopeSet) -> bool {
        self.len() == other.len() && self.iter().all(|s| other.contains(s))
    }
}

impl FromStr for ScopeSet {
    type Err = ScopeError;

    /// Parses space-separated scopes; see [`ScopeSet`] for the rules.
    fn from_str(text: &str) -> Result<ScopeSet, ScopeError> {
        let bytes = text.as_bytes();
        // Small sets are stored inline, so most parses do not allocate.
        let mut set = ScopeSet {
            scopes: ScopeList::new(),
        };
        let mut screen = SetScreen::default();
        let mut pos = 0;
        loop {
            match parse_set_item(bytes, pos) {
                Ok((parsed, next)) => {
                    screen.see(&parsed);
                    set.scopes.push_parsed(&parsed, text);
                    match next {
                        Some(next) => pos = next,
                        None => break,
                    }
                }
                Err(fault) => return Err(ScopeError::new(text, fault)),
            }
        }
        // The screen never misses a conflict; when it sees none, the full check is skipped.
        if screen.may_conflict() {
            set.check()?;
        }
        Ok(set)
    }
}

impl TryFrom<&str> for ScopeSet {
    type Error = ScopeError;

    fn try_from(text: &str) -> Result<ScopeSet, ScopeError> {
        text.parse()
    }
}

impl From<Scope> for ScopeSet {
    /// The set of one scope.
    fn from(scope: Scope) -> ScopeSet {
        ScopeSet {
            scopes: ScopeList::from(vec![scope]),
        }
    }
}

impl<'a> IntoIterator for &'a ScopeSet {
    type Item = &'a Scope;
    type IntoIter = std::slice::Iter<'a, Scope>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            fmt::Display::fmt(scope, f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScopeSet({self:?})", self = self.to_string())
    }
}

impl PartialEq for ScopeSet {
    fn eq(&self, other: &ScopeSet) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for ScopeSet {}

impl PartialOrd for ScopeSet {
    fn partial_cmp(&self, other: &ScopeSet) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ScopeSet {
    fn cmp(&self, other: &ScopeSet) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for ScopeSet {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

// Keeps the unused-in-this-crate grammar items honest: the key of a parsed scope
// and of a built scope must agree, or set rules would differ between paths.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::{Key, Parsed, Selector};

    #[test]
    fn parsed_and_built_keys_agree() {
        let text = "market:code:europe";
        let parsed: Parsed = crate::grammar::parse_scope(text.as_bytes()).unwrap();
        let key = Key::of(&parsed, text.as_bytes());
        let scope: Scope = text.parse().unwrap();
        assert!(set_conflict(&key, &scope.key()) == Some(ErrorKind::DuplicateScope));
        assert_eq!(scope.selector(), Some(Selector::Code));
    }
}
