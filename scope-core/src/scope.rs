//! `Scope`: one checked scope.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::grammar::{Key, Parsed, Resource, ScopeError, Selector, form_of, parse_scope};
use crate::value::Value;

/// One access-token scope, checked against the grammar.
///
/// The forms are `{market|store|stock_location}:{id|code}:{value}`,
/// `market:all`, `provisioning-api` and `metrics-api`:
///
/// | form | example |
/// |---|---|
/// | `market:id:{id}` | `market:id:xYZkjABcde` |
/// | `market:code:{code}` | `market:code:europe` |
/// | `market:all` | `market:all` |
/// | `store:id:{id}` / `store:code:{code}` | `store:code:outlet_ny` |
/// | `stock_location:id:{id}` / `stock_location:code:{code}` | `stock_location:code:eu_warehouse` |
/// | `provisioning-api`, `metrics-api` | `metrics-api` |
///
/// Keywords are lowercase. Ids are one or more ASCII letters or digits; codes
/// are ASCII letters, digits, `_` and `-`; a market code is at most 25
/// characters. Ids and codes are kept exactly as written. The retired
/// `market:{number}` form is refused with a pointer to `market:id:`.
///
/// Write constants with [`scope!`](crate::scope) (checked when the program
/// compiles) or [`Scope::from_static`]; parse run-time text with [`str::parse`].
/// `Display` prints the text back exactly.
///
/// ```
/// use scope_core::{scope, Resource, Scope, Selector};
///
/// const EUROPE: Scope = scope!("market:code:europe");
/// assert_eq!(EUROPE.resource(), Resource::Market);
/// assert_eq!(EUROPE.selector(), Some(Selector::Code));
/// assert_eq!(EUROPE.value(), Some("europe"));
///
/// let parsed: Scope = "market:code:europe".parse()?;
/// assert_eq!(parsed, EUROPE);
/// assert_eq!(parsed.to_string(), "market:code:europe");
/// # Ok::<(), scope_core::ScopeError>(())
/// ```
#[derive(Clone)]
pub struct Scope {
    // Public only so that the macros can write a scope as a struct literal,
    // which the compiler promotes to a `'static` constant in any context (a
    // `const fn` call would not be promoted). Not API: use the accessors.
    #[doc(hidden)]
    pub __resource: Resource,
    #[doc(hidden)]
    pub __selector: Option<Selector>,
    #[doc(hidden)]
    pub __value: Value,
}

impl Scope {
    /// `market:all`: every market.
    ///
    /// ```
    /// assert_eq!(scope_core::Scope::MARKET_ALL.to_string(), "market:all");
    /// ```
    pub const MARKET_ALL: Scope = Scope::from_static("market:all");

    /// What fills the unused slots of a set's inline storage: never seen, since
    /// only the slots in use are read. Its empty inline value is filled in place.
    pub(crate) const SLOT: Scope = Scope {
        __resource: Resource::Market,
        __selector: Some(Selector::All),
        __value: Value::EMPTY_INLINE,
    };

    /// `provisioning-api`: the Provisioning API.
    ///
    /// ```
    /// assert_eq!(scope_core::Scope::PROVISIONING_API.to_string(), "provisioning-api");
    /// ```
    pub const PROVISIONING_API: Scope = Scope::from_static("provisioning-api");

    /// `metrics-api`: the Metrics API.
    ///
    /// ```
    /// assert_eq!(scope_core::Scope::METRICS_API.to_string(), "metrics-api");
    /// ```
    pub const METRICS_API: Scope = Scope::from_static("metrics-api");

    /// Checks `text` with the grammar while the program compiles, when called in
    /// a `const` item; for building scopes from other constants.
    ///
    /// # Panics
    ///
    /// If `text` is not exactly one valid scope. In a `const` item that panic is a
    /// compile error. Its message names the kind of fault; for the full message,
    /// with the position and a suggestion, use [`scope!`](crate::scope) or `parse`.
    ///
    /// ```
    /// use scope_core::Scope;
    ///
    /// const CODE: &str = "eu_warehouse";
    /// const WAREHOUSE: Scope = Scope::from_static("stock_location:code:eu_warehouse");
    /// assert_eq!(WAREHOUSE.value(), Some(CODE));
    /// ```
    pub const fn from_static(text: &'static str) -> Scope {
        match parse_scope(text.as_bytes()) {
            Ok(parsed) => {
                let value = match parsed.selector {
                    Some(Selector::Id | Selector::Code) => {
                        match std::str::from_utf8(text.as_bytes().split_at(parsed.value_start).1) {
                            Ok(value) => Value::Static(value),
                            Err(_) => panic!("invalid scope: not UTF-8"),
                        }
                    }
                    _ => Value::None,
                };
                Scope {
                    __resource: parsed.resource,
                    __selector: parsed.selector,
                    __value: value,
                }
            }
            Err(fault) => panic!("{}", fault.kind.summary()),
        }
    }

    /// A scope the macros have already checked, its form numbered by the
    /// grammar's `form_code`. Not API.
    pub(crate) const fn from_form_code(form: u8, value: &'static str) -> Scope {
        let Some((resource, selector)) = form_of(form) else {
            panic!("not a scope form number: only scope_core's macros call this")
        };
        Scope {
            __resource: resource,
            __selector: selector,
            // Decided by the form, not by `value.is_empty()`: each call costs
            // the compiler's evaluator more than a `match` does.
            __value: match selector {
                Some(Selector::Id | Selector::Code) => Value::Static(value),
                _ => Value::None,
            },
        }
    }

    /// Builds a scope from a successful parse of `input`.
    #[inline]
    pub(crate) fn from_parsed(parsed: &Parsed, input: &str) -> Scope {
        let value = match parsed.selector {
            Some(Selector::Id | Selector::Code) => {
                Value::copy_of(input, parsed.value_start, parsed.end)
            }
            _ => Value::None,
        };
        Scope {
            __resource: parsed.resource,
            __selector: parsed.selector,
            __value: value,
        }
    }

    /// Makes this scope the one `parsed` found in `input`, in place (see
    /// [`Value::set_copy_of`]).
    #[inline]
    pub(crate) fn set_from_parsed(&mut self, parsed: &Parsed, input: &str) {
        self.__resource = parsed.resource;
        self.__selector = parsed.selector;
        match parsed.selector {
            Some(Selector::Id | Selector::Code) => {
                self.__value
                    .set_copy_of(input, parsed.value_start, parsed.end)
            }
            _ => self.__value = Value::None,
        }
    }

    /// What the scope restricts a token to.
    ///
    /// ```
    /// use scope_core::{scope, Resource};
    ///
    /// assert_eq!(scope!("stock_location:id:WLgbSXqyoZ").resource(), Resource::StockLocation);
    /// ```
    pub const fn resource(&self) -> Resource {
        self.__resource
    }

    /// How the scope names its resource; `None` for `provisioning-api` and `metrics-api`.
    ///
    /// ```
    /// use scope_core::{scope, Selector};
    ///
    /// assert_eq!(scope!("store:code:outlet_ny").selector(), Some(Selector::Code));
    /// ```
    pub const fn selector(&self) -> Option<Selector> {
        self.__selector
    }

    /// The id or code, exactly as written; `None` for `market:all` and the API scopes.
    ///
    /// ```
    /// use scope_core::scope;
    ///
    /// assert_eq!(scope!("market:id:xYZkjABcde").value(), Some("xYZkjABcde"));
    /// assert_eq!(scope!("market:all").value(), None);
    /// ```
    pub const fn value(&self) -> Option<&str> {
        match self.__value {
            Value::None => None,
            _ => Some(self.__value.as_str()),
        }
    }

    /// Whether this scope names one market by id or code.
    ///
    /// ```
    /// use scope_core::scope;
    ///
    /// assert!(scope!("market:code:europe").is_market());
    /// assert!(!scope!("market:all").is_market());
    /// ```
    pub const fn is_market(&self) -> bool {
        matches!(self.__resource, Resource::Market)
            && !matches!(self.__selector, Some(Selector::All))
    }

    /// The scope as the set rules see it.
    pub(crate) const fn key(&self) -> Key<'_> {
        Key {
            resource: self.__resource,
            selector: self.__selector,
            value: self.__value.as_bytes(),
        }
    }

    /// The pieces of the scope's text in order (resource, `:`, selector, `:`,
    /// value), `None` where the form has none: the one spelling of a scope, for
    /// `Display`, its length, and the token request's body.
    #[inline(always)]
    pub(crate) fn text_parts(&self) -> [Option<&str>; 5] {
        let selector = self.__selector.map(Selector::keyword);
        let value = self.value();
        [
            Some(self.__resource.keyword()),
            selector.map(|_| ":"),
            selector,
            value.map(|_| ":"),
            value,
        ]
    }

    /// The length of the scope's text, without formatting it.
    pub(crate) fn text_len(&self) -> usize {
        self.text_parts().into_iter().flatten().map(str::len).sum()
    }

    fn sort_key(&self) -> (Resource, Option<Selector>, &[u8]) {
        (self.__resource, self.__selector, self.__value.as_bytes())
    }
}

impl FromStr for Scope {
    type Err = ScopeError;

    /// Parses exactly one scope; see [`Scope`] for the grammar.
    fn from_str(text: &str) -> Result<Scope, ScopeError> {
        match parse_scope(text.as_bytes()) {
            Ok(parsed) => Ok(Scope::from_parsed(&parsed, text)),
            Err(fault) => Err(ScopeError::new(text, fault)),
        }
    }
}

impl TryFrom<&str> for Scope {
    type Error = ScopeError;

    fn try_from(text: &str) -> Result<Scope, ScopeError> {
        text.parse()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text_parts()
            .into_iter()
            .flatten()
            .try_for_each(|part| f.write_str(part))
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scope({self})")
    }
}

impl PartialEq for Scope {
    fn eq(&self, other: &Scope) -> bool {
        self.sort_key() == other.sort_key()
    }
}

impl Eq for Scope {}

impl Hash for Scope {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.sort_key().hash(state);
    }
}

impl PartialOrd for Scope {
    fn partial_cmp(&self, other: &Scope) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scope {
    fn cmp(&self, other: &Scope) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}
