//! Neuron selections of `lsm simulate --neurons`: a comma list of indices and inclusive
//! ranges (`0,5,10-20`), kept in the order given.

use anyhow::{bail, Result};

/// The ranges of a selection, each `(first, last)` inclusive, in the order given, every
/// index below `n` (the network's neurons) and none twice. The text is only parsed and
/// checked, nothing is expanded: [`count`] gives the selection's size for a cost check before
/// [`expand`] allocates it.
///
/// # Errors
/// An empty item, a non-number, a descending range, an index at or past `n`, or an index
/// selected twice, naming `flag` and the item (not the whole text, which may be long).
pub fn parse(flag: &str, text: &str, n: usize) -> Result<Vec<(usize, usize)>> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for item in text.split(',') {
        let item = &crate::cmd::escape_text(item.trim());
        let index = |s: &str| -> Result<usize> {
            match s.trim().parse::<usize>() {
                Ok(i) if i < n => Ok(i),
                Ok(i) => bail!(
                    "{flag}: neuron {i} (in `{item}`) is out of range: the network has \
                     {n} neurons, 0 to {}",
                    n.saturating_sub(1)
                ),
                Err(_) => {
                    bail!("{flag}: expected a neuron index or a range like 10-20, found `{item}`")
                }
            }
        };
        let (a, b) = match item.split_once('-') {
            Some((a, b)) => (index(a)?, index(b)?),
            None => {
                let i = index(item)?;
                (i, i)
            }
        };
        if a > b {
            bail!("{flag}: the range `{item}` is descending (write it as {b}-{a})");
        }
        ranges.push((a, b));
    }
    // Overlaps: sorted by first index, a range overlaps an earlier one when it starts at or
    // before the furthest end so far (n log n, whatever the number of items).
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_by_key(|&i| (ranges[i].0, i));
    let mut furthest: Option<usize> = None;
    for &i in &order {
        let (a, b) = ranges[i];
        if let Some(j) = furthest.filter(|&j| a <= ranges[j].1) {
            let (first, second) = (i.min(j), i.max(j));
            bail!(
                "{flag}: neuron {a} is selected twice (by `{}` and `{}`)",
                show(ranges[first]),
                show(ranges[second])
            );
        }
        if !matches!(furthest, Some(j) if ranges[j].1 >= b) {
            furthest = Some(i);
        }
    }
    Ok(ranges)
}

/// A range as written: `3` or `3-6`.
fn show((a, b): (usize, usize)) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}-{b}")
    }
}

/// The number of neurons of a selection.
pub fn count(ranges: &[(usize, usize)]) -> usize {
    ranges.iter().map(|&(a, b)| b - a + 1).sum()
}

/// The neurons of a selection, in order.
pub fn expand(ranges: &[(usize, usize)]) -> Vec<usize> {
    let mut v = Vec::with_capacity(count(ranges));
    for &(a, b) in ranges {
        v.extend(a..=b);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(text: &str, n: usize) -> Result<Vec<usize>> {
        parse("--neurons", text, n).map(|r| expand(&r))
    }

    #[test]
    fn indices_and_ranges_in_the_order_given() {
        assert_eq!(sel("0,5,10-12", 20).unwrap(), [0, 5, 10, 11, 12]);
        assert_eq!(sel(" 7 , 2-3,19", 20).unwrap(), [7, 2, 3, 19]);
        assert_eq!(sel("4-4", 5).unwrap(), [4]);
        let r = parse("--neurons", "0-999,1000", 1001).unwrap();
        assert_eq!(count(&r), 1001);
    }

    #[test]
    fn bad_selections_are_refused_naming_the_item() {
        let cases = [
            ("0,,5", 10, "found ``"),
            ("a", 10, "found `a`"),
            ("3-", 10, "found `3-`"),
            ("-3", 10, "found `-3`"),
            ("1-2-3", 10, "found `1-2-3`"),
            (
                "10",
                10,
                "neuron 10 (in `10`) is out of range: the network has 10 neurons, 0 to 9",
            ),
            (
                "2-99999999999999999999",
                10,
                "found `2-99999999999999999999`",
            ),
            ("0-10", 10, "neuron 10 (in `0-10`)"),
            ("5-2", 10, "`5-2` is descending (write it as 2-5)"),
            (
                "1,3-6,4",
                10,
                "neuron 4 is selected twice (by `3-6` and `4`)",
            ),
            (
                "2-5,0-3",
                10,
                "neuron 2 is selected twice (by `2-5` and `0-3`)",
            ),
            (
                "0-9,3,5",
                10,
                "neuron 3 is selected twice (by `0-9` and `3`)",
            ),
            ("1,1", 10, "neuron 1 is selected twice (by `1` and `1`)"),
            ("0", 0, "the network has 0 neurons"),
        ];
        for (text, n, want) in cases {
            let e = sel(text, n).unwrap_err().to_string();
            assert!(e.starts_with("--neurons: "), "{e}");
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
