//! Class and group indices, defined once: which index a label or a speaker gets.
//!
//! * Classes ([`class_index`]): the distinct labels sorted numerically when every one is an
//!   integer (so `"10"` comes after `"9"`), else in lexicographic (byte) order. This order is
//!   the readout's output order, so it decides a model's numbers: it must never change.
//! * Groups ([`group_index`], speakers): the distinct names in lexicographic (byte) order.

use std::collections::{BTreeMap, BTreeSet};

/// Distinct names in index order and, for each input, the index of its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelIndex {
    /// The distinct names; name `i` has index `i`.
    pub names: Vec<String>,
    /// For each input, in input order, the index of its name in `names`.
    pub indices: Vec<usize>,
}

impl LabelIndex {
    /// `values` indexed by the order of `names` (distinct, in index order).
    fn new<S: AsRef<str>>(names: Vec<String>, values: &[S]) -> Self {
        let at: BTreeMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let indices = values.iter().map(|v| at[v.as_ref()]).collect();
        Self { names, indices }
    }
}

/// The distinct values in lexicographic (byte) order.
fn distinct_sorted<S: AsRef<str>>(values: &[S]) -> Vec<String> {
    let set: BTreeSet<&str> = values.iter().map(AsRef::as_ref).collect();
    set.into_iter().map(str::to_string).collect()
}

/// Class indices of `labels` (see the module docs for the order).
///
/// ```
/// let ix = lsm_datasets::index::class_index(&["10", "2", "1", "2"]);
/// assert_eq!(ix.names, ["1", "2", "10"]);
/// assert_eq!(ix.indices, [2, 1, 0, 1]);
/// ```
pub fn class_index<S: AsRef<str>>(labels: &[S]) -> LabelIndex {
    let mut names = distinct_sorted(labels);
    // Stable: labels of equal value ("1", "01") keep their lexicographic order.
    if names.iter().all(|l| l.parse::<i64>().is_ok()) {
        names.sort_by_key(|l| l.parse::<i64>().expect("checked"));
    }
    LabelIndex::new(names, labels)
}

/// Group indices of `groups` (speakers): the distinct names in lexicographic order.
///
/// ```
/// let ix = lsm_datasets::index::group_index(&["theo", "george", "theo"]);
/// assert_eq!(ix.names, ["george", "theo"]);
/// assert_eq!(ix.indices, [1, 0, 1]);
/// ```
pub fn group_index<S: AsRef<str>>(groups: &[S]) -> LabelIndex {
    LabelIndex::new(distinct_sorted(groups), groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_sort_numerically_only_when_all_are_integers() {
        assert_eq!(class_index(&["10", "2", "1", "2"]).names, ["1", "2", "10"]);
        assert_eq!(class_index(&["-3", "+2", "0"]).names, ["-3", "0", "+2"]);
        assert_eq!(class_index(&["b", "a"]).names, ["a", "b"]);
        assert_eq!(
            class_index(&["10", "9", "yes", "no"]).names,
            ["10", "9", "no", "yes"]
        );
        // Equal values: lexicographic order between them, each its own class.
        let ix = class_index(&["1", "01", "1"]);
        assert_eq!(ix.names, ["01", "1"]);
        assert_eq!(ix.indices, [1, 0, 1]);
    }

    #[test]
    fn indices_point_at_their_names() {
        let labels = ["7", "3", "12", "3", "7", "0"];
        let ix = class_index(&labels);
        for (l, &i) in labels.iter().zip(&ix.indices) {
            assert_eq!(ix.names[i], *l);
        }
        let groups = vec!["b".to_string(), "a".into(), "c".into(), "a".into()];
        let gx = group_index(&groups);
        assert_eq!(gx.names, ["a", "b", "c"]);
        assert_eq!(gx.indices, [1, 0, 2, 0]);
        assert_eq!(group_index::<&str>(&[]).names, Vec::<String>::new());
    }
}
