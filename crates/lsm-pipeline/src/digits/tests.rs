//! Unit tests of the spoken-digit pipeline.

use super::*;

#[test]
fn stable_id_is_fnv1a() {
    // FNV-1a 64 reference values.
    assert_eq!(stable_id(""), 0xcbf29ce484222325);
    assert_eq!(stable_id("a"), 0xaf63dc4c8601ec8c);
    assert_ne!(stable_id("0_george_1.wav"), stable_id("0_george_10.wav"));
}

#[test]
fn classes_sort_numerically() {
    assert_eq!(sorted_classes(&["10", "2", "1", "2"]), vec!["1", "2", "10"]);
    assert_eq!(sorted_classes(&["b", "a"]), vec!["a", "b"]);
}

#[test]
fn softmax_and_temperature() {
    let p = softmax(&[1.0, 2.0, 3.0], 1.0);
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(p[2] > p[1] && p[1] > p[0]);
    // Scores that are always right with a margin: a small temperature fits best.
    let s = ndarray::array![[1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]];
    let t = fit_temperature(s.view(), &[0, 1, 0]);
    assert!(t < 0.01, "{t}");
    // Scores that are right half the time: a large temperature (flat probabilities).
    let t = fit_temperature(s.view(), &[0, 0, 1]);
    assert!(t > 1.0, "{t}");
}
