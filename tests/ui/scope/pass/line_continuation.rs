//! A line continuation skips the newline and the ASCII spaces and tabs after it, as rustc does.
use scope_core::{ScopeSet, scopes};

const SPACES: ScopeSet = scopes!("market:code:europe \
                                  stock_location:code:eu_warehouse");
const TABS: ScopeSet = scopes!("market:code:europe \
		 stock_location:code:eu_warehouse");

fn main() {
    for set in [SPACES, TABS] {
        assert_eq!(set.to_string(), "market:code:europe stock_location:code:eu_warehouse");
    }
}
