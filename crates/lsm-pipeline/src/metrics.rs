//! Classification metrics: accuracy, per-class accuracy (recall) and the confusion matrix.
//!
//! Labels are class indices `0..n_classes`; [`ClassificationReport`] carries the class names
//! so that it prints and serialises readably.

use serde::{Deserialize, Serialize};

/// Confusion matrix `m[true][predicted]` (counts), with its class names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Class names, in index order.
    pub classes: Vec<String>,
    /// `counts[t][p]`: number of samples of true class `t` predicted as class `p`.
    pub counts: Vec<Vec<usize>>,
}

impl ConfusionMatrix {
    /// Count `(truth, prediction)` pairs. Indices must be `< classes.len()`.
    ///
    /// **Panics** if an index is out of range (the pipeline only produces valid indices).
    pub fn new(classes: &[String], truth: &[usize], pred: &[usize]) -> Self {
        assert_eq!(truth.len(), pred.len(), "truth and prediction lengths");
        let k = classes.len();
        let mut counts = vec![vec![0usize; k]; k];
        for (&t, &p) in truth.iter().zip(pred) {
            counts[t][p] += 1;
        }
        Self {
            classes: classes.to_vec(),
            counts,
        }
    }

    /// Number of samples counted.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Fraction of samples on the diagonal (0 when there are no samples).
    pub fn accuracy(&self) -> f64 {
        let n = self.total();
        if n == 0 {
            return 0.0;
        }
        let diag: usize = (0..self.counts.len()).map(|i| self.counts[i][i]).sum();
        diag as f64 / n as f64
    }

    /// Per-class accuracy (recall): `counts[c][c] / Σ_p counts[c][p]`; `None` for a class with
    /// no samples.
    pub fn per_class(&self) -> Vec<Option<f64>> {
        self.counts
            .iter()
            .enumerate()
            .map(|(c, row)| {
                let n: usize = row.iter().sum();
                (n > 0).then(|| row[c] as f64 / n as f64)
            })
            .collect()
    }

    /// A fixed-width text table (rows = truth, columns = prediction).
    pub fn to_text(&self) -> String {
        let w = self
            .classes
            .iter()
            .map(|c| c.len())
            .chain(self.counts.iter().flatten().map(|v| v.to_string().len()))
            .max()
            .unwrap_or(1)
            .max(3);
        let mut s = format!("{:>w$} |", "t\\p");
        for c in &self.classes {
            s += &format!(" {c:>w$}");
        }
        s.push('\n');
        s += &format!("{}\n", "-".repeat((w + 1) * (self.classes.len() + 1) + 1));
        for (c, row) in self.classes.iter().zip(&self.counts) {
            s += &format!("{c:>w$} |");
            for v in row {
                s += &format!(" {v:>w$}");
            }
            s.push('\n');
        }
        s
    }
}

/// Accuracy of `pred` against `truth` (0 for no samples).
pub fn accuracy(truth: &[usize], pred: &[usize]) -> f64 {
    assert_eq!(truth.len(), pred.len(), "truth and prediction lengths");
    if truth.is_empty() {
        return 0.0;
    }
    truth.iter().zip(pred).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

/// Everything `lsm evaluate` reports about a classifier on a dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Fraction correct.
    pub accuracy: f64,
    /// Number of samples evaluated.
    pub n_samples: usize,
    /// Per-class accuracy (recall) by class name; `null` for a class with no samples.
    pub per_class: Vec<(String, Option<f64>)>,
    /// The confusion matrix.
    pub confusion: ConfusionMatrix,
}

impl ClassificationReport {
    /// Build the report from class names, true and predicted class indices.
    pub fn new(classes: &[String], truth: &[usize], pred: &[usize]) -> Self {
        let confusion = ConfusionMatrix::new(classes, truth, pred);
        Self {
            accuracy: confusion.accuracy(),
            n_samples: truth.len(),
            per_class: classes.iter().cloned().zip(confusion.per_class()).collect(),
            confusion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_and_accuracies() {
        let classes: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let truth = [0, 0, 1, 1, 1, 2];
        let pred = [0, 1, 1, 1, 0, 0];
        let r = ClassificationReport::new(&classes, &truth, &pred);
        assert_eq!(
            r.confusion.counts,
            vec![vec![1, 1, 0], vec![1, 2, 0], vec![1, 0, 0]]
        );
        assert!((r.accuracy - 0.5).abs() < 1e-15);
        assert_eq!(accuracy(&truth, &pred), r.accuracy);
        assert_eq!(r.per_class[0], ("a".into(), Some(0.5)));
        assert_eq!(r.per_class[1].1, Some(2.0 / 3.0));
        assert_eq!(r.per_class[2].1, Some(0.0));
        assert_eq!(r.n_samples, 6);
        let t = r.confusion.to_text();
        assert_eq!(t.lines().count(), 5, "{t}");
    }

    #[test]
    fn class_without_samples_is_none() {
        let classes: Vec<String> = vec!["x".into(), "y".into()];
        let m = ConfusionMatrix::new(&classes, &[0, 0], &[0, 1]);
        assert_eq!(m.per_class(), vec![Some(0.5), None]);
        assert_eq!(ConfusionMatrix::new(&classes, &[], &[]).accuracy(), 0.0);
    }
}
