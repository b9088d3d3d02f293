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
fn labels_and_groups_of_samples() {
    let s = |label: Option<&str>, group: Option<&str>| Sample {
        label: label.map(Into::into),
        group: group.map(Into::into),
        ..Sample::from_path(format!("{}.wav", label.unwrap_or("x")))
    };
    let all = [
        s(Some("10"), Some("b")),
        s(Some("2"), Some("a")),
        s(Some("10"), Some("b")),
    ];
    assert_eq!(labels_of(&all).unwrap(), ["10", "2", "10"]);
    let g = group_indices(&all).unwrap();
    assert_eq!(
        (g.names, g.indices),
        (vec!["a".into(), "b".into()], vec![1, 0, 1])
    );
    // One sample without a group: no groups at all; without a label: an error naming it.
    assert!(group_indices(&[s(Some("1"), Some("a")), s(Some("2"), None)]).is_none());
    let e = labels_of(&[s(Some("1"), None), s(None, None)]).unwrap_err();
    assert!(e.to_string().contains("x.wav"), "{e}");
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
