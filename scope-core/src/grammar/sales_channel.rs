//! The sales-channel rule over a set of scopes: a sales channel needs a market
//! in scope, named by id or code or implied by a store, and a stock location
//! needs that market beside it.
//!
//! One piece of code for both callers: `sales_channel_scopes!` feeds it the
//! scopes it parsed, `ScopeSet::check_sales_channel` the scopes of a set. It is
//! a fold over [`Key`]s, so neither caller needs to collect them, and the
//! fault it blames is placed in the text here, so both report the same span.

use super::error::ErrorKind;
use super::form::{Resource, Selector};
use super::parse::{Fault, Key};

/// What the rule has seen so far; feed it every scope of a set with [`SalesChannelRule::see`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct SalesChannelRule {
    /// A market by id or code, or a store: the set is fine.
    has_market: bool,
    /// The first stock location, to blame when no market is in scope.
    first_stock_location: Option<usize>,
    /// The first `market:all`, to blame when neither a market nor a stock location is in scope.
    first_market_all: Option<usize>,
}

/// The broken rule and the index of the scope to blame; `None` blames the whole set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SalesChannelFault {
    pub kind: ErrorKind,
    pub index: Option<usize>,
}

impl SalesChannelRule {
    /// Runs the rule over the keys of every scope of a set, in the set's order.
    pub(crate) fn check<'t>(
        keys: impl IntoIterator<Item = Key<'t>>,
    ) -> Result<(), SalesChannelFault> {
        let mut rule = SalesChannelRule::new();
        for (index, key) in keys.into_iter().enumerate() {
            rule.see(index, &key);
        }
        rule.finish()
    }

    pub(crate) const fn new() -> SalesChannelRule {
        SalesChannelRule {
            has_market: false,
            first_stock_location: None,
            first_market_all: None,
        }
    }

    /// Takes in the scope at `index` of the set.
    pub(crate) const fn see(&mut self, index: usize, key: &Key<'_>) {
        match (key.resource, key.selector) {
            (Resource::Market, Some(Selector::All)) => {
                if self.first_market_all.is_none() {
                    self.first_market_all = Some(index);
                }
            }
            (Resource::Market | Resource::Store, _) => self.has_market = true,
            (Resource::StockLocation, _) => {
                if self.first_stock_location.is_none() {
                    self.first_stock_location = Some(index);
                }
            }
            (Resource::ProvisioningApi | Resource::MetricsApi, _) => {}
        }
    }

    /// The verdict once every scope has been seen.
    pub(crate) const fn finish(&self) -> Result<(), SalesChannelFault> {
        if self.has_market {
            return Ok(());
        }
        if let Some(index) = self.first_stock_location {
            return Err(SalesChannelFault {
                kind: ErrorKind::StockLocationWithoutMarket,
                index: Some(index),
            });
        }
        Err(SalesChannelFault {
            kind: ErrorKind::SalesChannelWithoutMarket,
            index: self.first_market_all,
        })
    }
}

impl SalesChannelFault {
    /// The fault in the set's text: spanning the blamed scope, whose
    /// `(start, end)` in the text `span_of` gives, or else the whole text of
    /// `text_len` bytes.
    pub(crate) fn into_fault(
        self,
        text_len: usize,
        span_of: impl FnOnce(usize) -> (usize, usize),
    ) -> Fault {
        let (start, end) = self.index.map_or((0, text_len), span_of);
        Fault {
            kind: self.kind,
            start,
            end,
            related: None,
        }
    }
}
