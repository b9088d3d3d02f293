//! The search library: space files, samplers, Sobol points, shards, successive halving.

use lsm_pipeline::search::{
    get_path, set_path, sobol_point, trial_seed, Dist, Halving, Objective, Sampler, SamplerKind,
    Search, Space, Trial,
};
use serde_json::{json, Value};
use std::path::Path;

fn space(v: Value) -> Space {
    Space::from_json_str(&v.to_string(), Path::new("space.json")).unwrap()
}

fn space_err(v: Value) -> String {
    Space::from_json_str(&v.to_string(), Path::new("dir/space.json"))
        .unwrap_err()
        .to_string()
}

fn mg_space() -> Space {
    space(json!({
        "objective": "validation_nrmse",
        "params": {
            "reservoir.spectral_radius": {"uniform": [0.5, 1.2]},
            "reservoir.leak_rate": {"log_uniform": [0.1, 1.0]},
            "reservoir.n_units": {"int": [20, 60]},
            "readout.include_input": {"choice": [true, false]}
        }
    }))
}

fn mg_base() -> Value {
    serde_json::to_value(lsm_pipeline::timeseries::TsConfig::default_for(
        lsm_pipeline::timeseries::Task::MackeyGlass,
    ))
    .unwrap()
}

fn search(kind: SamplerKind, trials: u64, shard: Option<(u64, u64)>) -> Search {
    let sp = mg_space();
    Search {
        sampler: Sampler::new(kind, &sp, 11).unwrap(),
        sampler_name: kind.name(),
        space: sp,
        base: mg_base(),
        base_file: "mg.json".into(),
        base_seed: 11,
        trials,
        halving: None,
        shard,
    }
}

#[test]
fn space_files_parse_and_bad_ones_name_the_file_and_the_path() {
    let s = mg_space();
    assert_eq!(s.objective, Objective::ValidationNrmse);
    assert_eq!(s.params.len(), 4);
    // Sorted by path.
    assert_eq!(s.params[0].path, "readout.include_input");
    assert_eq!(s.params[2].dist, Dist::Int { low: 20, high: 60 });
    let e = space_err(json!({"objective": "accuracy", "params": {"a": {"uniform": [0, 1]}}}));
    assert!(
        e.starts_with("dir/space.json: parameter `objective`: unknown objective \"accuracy\""),
        "{e}"
    );
    let e =
        space_err(json!({"objective": "loso_accuracy", "params": {"a.b": {"uniform": [1, 0]}}}));
    assert!(
        e.starts_with("dir/space.json: parameter `a.b`: uniform: [1,0]: expected [low, high]"),
        "{e}"
    );
    let e =
        space_err(json!({"objective": "loso_accuracy", "params": {"x": {"log_uniform": [0, 1]}}}));
    assert!(
        e.contains("parameter `x`: log_uniform: [0,1]: expected 0 < low < high"),
        "{e}"
    );
    let e = space_err(json!({"objective": "loso_accuracy", "params": {"x": {"normal": [0, 1]}}}));
    assert!(
        e.contains("parameter `x`: unknown distribution `normal`"),
        "{e}"
    );
    let e = space_err(json!({"objective": "loso_accuracy", "params": {"seed": {"int": [0, 1]}}}));
    assert!(
        e.contains("parameter `seed`: `seed` cannot be searched"),
        "{e}"
    );
    let e = space_err(json!({"objective": "loso_accuracy", "params": {}}));
    assert!(
        e.contains("parameter `params`: expected a non-empty object"),
        "{e}"
    );
    let e = space_err(json!({"objective": "loso_accuracy", "parms": {}}));
    assert!(
        e.contains("parameter `parms`: unknown field of a space file"),
        "{e}"
    );
    let e = Space::from_json_str(
        r#"{"objective": "loso_accuracy", "objective": "validation_accuracy", "params": {"a": {"int": [0, 1]}}}"#,
        Path::new("dup.json"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("dup.json") && e.contains("objective"), "{e}");
}

#[test]
fn a_missing_path_or_a_rejected_value_is_refused_before_any_trial() {
    let mut s = search(SamplerKind::Random, 4, None);
    s.check().unwrap();
    s.space = space(json!({"objective": "validation_nrmse",
        "params": {"reservoir.spectral_radus": {"uniform": [0.5, 1.2]}}}));
    let e = lsm_core::error_chain(&s.check().unwrap_err());
    assert!(
        e.starts_with("space.json: parameter `reservoir.spectral_radus`: no field `spectral_radus` in `reservoir`"),
        "{e}"
    );
    s.space = space(json!({"objective": "validation_nrmse",
        "params": {"split.train": {"int": [0, 100]}}}));
    let e = lsm_core::error_chain(&s.check().unwrap_err());
    assert!(
        e.starts_with("space.json: parameter `split.train` = 0: the config rejects it"),
        "{e}"
    );
    assert!(e.contains("split.train"), "{e}");
    s.space = space(json!({"objective": "loso_accuracy",
        "params": {"reservoir.spectral_radius": {"uniform": [0.5, 1.2]}}}));
    let e = s.check().unwrap_err().to_string();
    assert!(
        e.contains("parameter `objective`: loso_accuracy does not apply to a time-series config"),
        "{e}"
    );
}

#[test]
fn json_paths_set_existing_fields_only() {
    let mut v = json!({"a": {"b": [1, {"c": 2}]}, "d": 3});
    set_path(&mut v, "a.b.1.c", json!(5)).unwrap();
    assert_eq!(get_path(&v, "a.b.1.c"), Some(&json!(5)));
    assert!(set_path(&mut v, "a.b.2.c", json!(1))
        .unwrap_err()
        .contains("array of 2"));
    assert!(set_path(&mut v, "d.e", json!(1))
        .unwrap_err()
        .contains("`d` is a number"));
    assert!(set_path(&mut v, "a.x", json!(1))
        .unwrap_err()
        .contains("no field `x` in `a` (it has: b)"));
}

/// The first 64 points of the unscrambled Sobol sequence in 40 dimensions against SciPy's
/// (`scipy.stats.qmc.Sobol(d=40, scramble=False)`, the same Joe & Kuo direction numbers).
#[test]
fn sobol_points_match_the_published_sequence() {
    let text = include_str!("fixtures/search/sobol-scipy-40d-64.csv");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 64);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(&sobol_point(i as u64, 40), row, "point {i}");
    }
    // The textbook first points of dimension 1 and 2.
    let d2: Vec<Vec<f64>> = (0..4).map(|i| sobol_point(i, 2)).collect();
    assert_eq!(d2, [[0.0, 0.0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75]]);
}

#[test]
fn trials_derive_from_the_base_seed_and_the_id_alone() {
    for kind in [
        SamplerKind::Random,
        SamplerKind::Sobol,
        SamplerKind::Grid { points: 3 },
    ] {
        let a = search(kind, 10, None);
        let b = search(kind, 10, None);
        // Any order, any subset: the same parameters for the same id.
        for i in [7u64, 0, 3, 9] {
            assert_eq!(
                a.sampler.params(i),
                b.sampler.params(i),
                "{kind:?} trial {i}"
            );
        }
        assert_ne!(a.sampler.params(1), a.sampler.params(2), "{kind:?}");
        let other = Sampler::new(kind, &mg_space(), 12).unwrap();
        if kind != (SamplerKind::Grid { points: 3 }) {
            assert_ne!(
                a.sampler.params(1),
                other.params(1),
                "{kind:?}: the seed matters"
            );
        }
    }
    assert_eq!(trial_seed(11, 3), trial_seed(11, 3));
    assert_ne!(trial_seed(11, 3), trial_seed(11, 4));
    assert_ne!(trial_seed(11, 3), trial_seed(12, 3));
    // Values stay in their ranges.
    let s = search(SamplerKind::Random, 200, None);
    for i in 0..200 {
        let p = s.sampler.params(i);
        let r = p["reservoir.spectral_radius"].as_f64().unwrap();
        let l = p["reservoir.leak_rate"].as_f64().unwrap();
        let n = p["reservoir.n_units"].as_i64().unwrap();
        assert!((0.5..=1.2).contains(&r) && (0.1..=1.0).contains(&l) && (20..=60).contains(&n));
        assert!(p["readout.include_input"].is_boolean());
    }
}

#[test]
fn a_grid_covers_every_combination_once() {
    let s = search(SamplerKind::Grid { points: 3 }, 1000, None);
    // 2 choices x 3 x 3 x 3 values.
    assert_eq!(s.sampler.size(), Some(54));
    let mut seen: Vec<String> = (0..54)
        .map(|i| Value::Object(s.sampler.params(i)).to_string())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 54);
    let g = lsm_pipeline::search::grid(&mg_space(), 3);
    assert_eq!(g.len(), 54);
    assert_eq!(g[0]["reservoir.spectral_radius"], json!(0.5));
    assert_eq!(g[53]["reservoir.spectral_radius"], json!(1.2));
}

#[test]
fn the_union_of_the_shards_is_the_unsharded_search() {
    let whole = search(SamplerKind::Sobol, 23, None).first_rung();
    let mut union = Vec::new();
    for k in 0..4 {
        union.extend(search(SamplerKind::Sobol, 23, Some((k, 4))).first_rung());
    }
    union.sort_by_key(|t| t.trial);
    assert_eq!(union.len(), whole.len());
    for (a, b) in union.iter().zip(&whole) {
        assert_eq!((a.trial, a.seed, &a.params), (b.trial, b.seed, &b.params));
    }
}

fn trial(id: u64, objective: Option<f64>) -> Trial {
    Trial {
        trial: id,
        rung: 0,
        budget: 1.0 / 9.0,
        seed: 0,
        params: Default::default(),
        objective,
        scores: Default::default(),
        seconds: 0.0,
        error: None,
    }
}

#[test]
fn halving_promotes_the_best_fraction_failed_trials_never() {
    let h = Halving { eta: 3, rungs: 3 };
    let t: Vec<Trial> = [0.5, 0.9, 0.1, 0.7, 0.9, 0.3, 0.2]
        .iter()
        .enumerate()
        .map(|(i, &o)| trial(i as u64, Some(o)))
        .chain([trial(7, None)])
        .collect();
    let refs: Vec<&Trial> = t.iter().collect();
    let max = lsm_pipeline::search::Direction::Maximize;
    let min = lsm_pipeline::search::Direction::Minimize;
    // ceil(8 / 3) = 3: 0.9 (#1), 0.9 (#4), 0.7 (#3).
    assert_eq!(h.promote(&refs, 8, max), vec![1, 3, 4]);
    assert_eq!(h.promote(&refs, 8, min), vec![2, 5, 6]);
}
