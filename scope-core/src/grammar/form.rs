//! The vocabulary of the grammar: resources and selectors, and their keywords.

/// What a scope restricts a token to.
///
/// ```
/// use scope_core::{scope, Resource};
///
/// assert_eq!(scope!("store:code:outlet_ny").resource(), Resource::Store);
/// assert_eq!(Resource::StockLocation.keyword(), "stock_location");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// `market:…`: one market by id or code, or `market:all`.
    Market,
    /// `store:…`: one store by id or code (a store implies its market).
    Store,
    /// `stock_location:…`: one stock location by id or code.
    StockLocation,
    /// `provisioning-api`: the Provisioning API; combines only with `metrics-api`.
    ProvisioningApi,
    /// `metrics-api`: the Metrics API; combines only with `provisioning-api`.
    MetricsApi,
}

/// How a scope names its resource: by id, by code, or all of them.
///
/// ```
/// use scope_core::{scope, Selector};
///
/// assert_eq!(scope!("market:id:xYZkjABcde").selector(), Some(Selector::Id));
/// assert_eq!(scope!("market:all").selector(), Some(Selector::All));
/// assert_eq!(scope!("metrics-api").selector(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Selector {
    /// `…:id:{id}`: an id of one or more ASCII letters and digits.
    Id,
    /// `…:code:{code}`: a code of ASCII letters, digits, `_` and `-`.
    Code,
    /// `market:all`: every market.
    All,
}

/// The keywords a scope may start with, in the order error messages list them.
pub(crate) const RESOURCE_KEYWORDS: [&str; 5] = [
    Resource::Market.keyword(),
    Resource::Store.keyword(),
    Resource::StockLocation.keyword(),
    Resource::ProvisioningApi.keyword(),
    Resource::MetricsApi.keyword(),
];

/// The keywords of the selectors, in the order error messages list them; only
/// markets take the last, `all`.
pub(crate) const SELECTOR_KEYWORDS: [&str; 3] = [
    Selector::Id.keyword(),
    Selector::Code.keyword(),
    Selector::All.keyword(),
];

impl Resource {
    /// The keyword that names this resource in scope text.
    ///
    /// ```
    /// assert_eq!(scope_core::Resource::Market.keyword(), "market");
    /// ```
    pub const fn keyword(self) -> &'static str {
        match self {
            Resource::Market => "market",
            Resource::Store => "store",
            Resource::StockLocation => "stock_location",
            Resource::ProvisioningApi => "provisioning-api",
            Resource::MetricsApi => "metrics-api",
        }
    }

    /// Whether this is the scope of a non-Core API (`provisioning-api`, `metrics-api`).
    ///
    /// ```
    /// assert!(scope_core::Resource::MetricsApi.is_api());
    /// assert!(!scope_core::Resource::Store.is_api());
    /// ```
    pub const fn is_api(self) -> bool {
        matches!(self, Resource::ProvisioningApi | Resource::MetricsApi)
    }

    /// The resource whose keyword is exactly `word`. Dispatches on the length
    /// first: every keyword has its own, so one comparison decides.
    pub(crate) const fn from_keyword(word: &[u8]) -> Option<Resource> {
        let resource = match word.len() {
            6 => Resource::Market,
            5 => Resource::Store,
            14 => Resource::StockLocation,
            16 => Resource::ProvisioningApi,
            11 => Resource::MetricsApi,
            _ => return None,
        };
        if bytes_eq(word, resource.keyword().as_bytes()) {
            Some(resource)
        } else {
            None
        }
    }

    /// The name of this variant, for the macros' output.
    #[allow(dead_code)] // used by scope-macros
    pub(crate) const fn variant_name(self) -> &'static str {
        match self {
            Resource::Market => "Market",
            Resource::Store => "Store",
            Resource::StockLocation => "StockLocation",
            Resource::ProvisioningApi => "ProvisioningApi",
            Resource::MetricsApi => "MetricsApi",
        }
    }
}

impl Selector {
    /// The keyword that names this selector in scope text.
    ///
    /// ```
    /// assert_eq!(scope_core::Selector::Code.keyword(), "code");
    /// ```
    pub const fn keyword(self) -> &'static str {
        match self {
            Selector::Id => "id",
            Selector::Code => "code",
            Selector::All => "all",
        }
    }

    /// The selector whose keyword is exactly `word` (each has its own length).
    pub(crate) const fn from_keyword(word: &[u8]) -> Option<Selector> {
        let selector = match word.len() {
            2 => Selector::Id,
            4 => Selector::Code,
            3 => Selector::All,
            _ => return None,
        };
        if bytes_eq(word, selector.keyword().as_bytes()) {
            Some(selector)
        } else {
            None
        }
    }

    /// A small number for an optional selector, distinct for each.
    pub(crate) const fn variant_index(selector: Option<Selector>) -> u32 {
        match selector {
            Some(Selector::Id) => 0,
            Some(Selector::Code) => 1,
            Some(Selector::All) => 2,
            None => 3,
        }
    }

    /// The name of this variant, for the macros' output.
    #[allow(dead_code)] // used by scope-macros
    pub(crate) const fn variant_name(self) -> &'static str {
        match self {
            Selector::Id => "Id",
            Selector::Code => "Code",
            Selector::All => "All",
        }
    }
}

/// Byte-wise equality usable in `const fn` (slice `==` is not const), eight
/// bytes at a time: keywords are compared on every parse.
#[inline(always)]
pub(crate) const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a, mut b) = (a, b);
    while let (Some((x, rest_a)), Some((y, rest_b))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if u64::from_ne_bytes(*x) != u64::from_ne_bytes(*y) {
            return false;
        }
        a = rest_a;
        b = rest_b;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every form a scope takes, numbered from 0: the macros hand a form to
/// `ScopeSet`'s constructors as a number, which costs the compiler less to check
/// than two enum paths (see `scripts/compile_cost.py`). A `match`, not an index
/// into a table: the compiler evaluates it faster in the macros' constants.
#[allow(dead_code)] // used by scope-core
pub(crate) const fn form_of(code: u8) -> Option<(Resource, Option<Selector>)> {
    Some(match code {
        0 => (Resource::Market, Some(Selector::Id)),
        1 => (Resource::Market, Some(Selector::Code)),
        2 => (Resource::Market, Some(Selector::All)),
        3 => (Resource::Store, Some(Selector::Id)),
        4 => (Resource::Store, Some(Selector::Code)),
        5 => (Resource::StockLocation, Some(Selector::Id)),
        6 => (Resource::StockLocation, Some(Selector::Code)),
        7 => (Resource::ProvisioningApi, None),
        8 => (Resource::MetricsApi, None),
        _ => return None,
    })
}

/// The number [`form_of`] gives a form; `None` for a pair the grammar never makes.
#[allow(dead_code)] // used by scope-macros
pub(crate) fn form_code(resource: Resource, selector: Option<Selector>) -> Option<u8> {
    (0..=u8::MAX)
        .map_while(|code| Some((code, form_of(code)?)))
        .find(|&(_, form)| form == (resource, selector))
        .map(|(code, _)| code)
}

#[cfg(test)]
mod form_code_tests {
    use super::*;

    #[test]
    fn every_form_code_round_trips() {
        let forms: Vec<_> = (0..=u8::MAX).map_while(form_of).collect();
        assert_eq!(forms.len(), 9, "every form the grammar makes, once");
        for (code, form) in forms.iter().enumerate() {
            let code = u8::try_from(code).unwrap();
            assert_eq!(form_code(form.0, form.1), Some(code));
        }
        assert_eq!(form_of(9), None);
        assert_eq!(form_code(Resource::MetricsApi, Some(Selector::Id)), None);
    }
}
