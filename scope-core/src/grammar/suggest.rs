//! Near-miss suggestions: `markets` → `market`, `ID` → `id`, `stock-location` → `stock_location`.

/// The candidate that `word` most likely meant, if one is close enough.
///
/// Close means: equal after folding case and `-`/`_`, or within an edit distance
/// of one (two for words of five letters or more), counted on the folded forms.
pub(crate) fn closest(word: &str, candidates: &[&'static str]) -> Option<&'static str> {
    // A word with more characters than the longest candidate plus the largest
    // budget is close to none, and folding it would copy it whole: a word of
    // megabytes is answered without reading past that many characters.
    let longest = candidates.iter().map(|c| c.chars().count()).max()?;
    if word.chars().nth(longest + MAX_BUDGET).is_some() {
        return None;
    }
    let folded = fold(word);
    if folded.is_empty() {
        return None;
    }
    let budget = if folded.len() >= 5 { MAX_BUDGET } else { 1 };
    candidates
        .iter()
        .map(|&candidate| (edit_distance(&folded, &fold(candidate)), candidate))
        .filter(|&(distance, _)| distance <= budget)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// The largest edit distance a suggestion may be away from the word.
const MAX_BUDGET: usize = 2;

fn fold(word: &str) -> Vec<char> {
    word.chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Optimal string alignment distance: insertions, deletions, substitutions and
/// swaps of two neighbours each count one.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    if a.len().abs_diff(b.len()) > MAX_BUDGET {
        return usize::MAX;
    }
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::form::{RESOURCE_KEYWORDS as RESOURCES, SELECTOR_KEYWORDS as SELECTORS};
    use super::closest;

    #[test]
    fn suggests_near_misses() {
        assert_eq!(closest("markets", &RESOURCES), Some("market"));
        assert_eq!(closest("Market", &RESOURCES), Some("market"));
        assert_eq!(
            closest("stock-location", &RESOURCES),
            Some("stock_location")
        );
        assert_eq!(closest("stocklocation", &RESOURCES), Some("stock_location"));
        assert_eq!(
            closest("provisioning_api", &RESOURCES),
            Some("provisioning-api")
        );
        assert_eq!(closest("stores", &RESOURCES), Some("store"));
        assert_eq!(closest("ID", &SELECTORS), Some("id"));
        assert_eq!(closest("al", &SELECTORS), Some("all"));
        assert_eq!(closest("cod", &SELECTORS), Some("code"));
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        assert_eq!(closest("sku", &RESOURCES), None);
        assert_eq!(closest("name", &SELECTORS), None);
        assert_eq!(closest("", &RESOURCES), None);
    }

    #[test]
    fn words_longer_than_every_keyword_by_more_than_the_budget_get_none() {
        // `provisioning-api` (16) plus two: two extra letters are still a near miss.
        assert_eq!(
            closest("provisioning-apiss", &RESOURCES),
            Some("provisioning-api")
        );
        assert_eq!(closest("provisioning-apisss", &RESOURCES), None);
        assert_eq!(closest(&"m".repeat(10_000_000), &RESOURCES), None);
        assert_eq!(closest("codee", &SELECTORS), Some("code"));
        assert_eq!(closest(&"c".repeat(10_000_000), &SELECTORS), None);
    }
}
