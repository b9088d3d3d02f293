//! The spoken-digit pipeline on the bundled FSDD sample (250 train / 100 test files), with a
//! small network: accuracy well above chance, save → load → predict gives identical output,
//! and identical models for 1 and 2 threads.

mod common;

use lsm_pipeline::{DigitsConfig, DigitsPipeline, ReadoutKind, Sample};
use std::path::Path;

fn samples(test: bool) -> Vec<Sample> {
    common::fsdd_sample_split(test)
}

fn small() -> DigitsConfig {
    let mut c = DigitsConfig::default();
    c.network.generator_mut().unwrap().n_neurons = Some(200);
    c.readout.alphas = vec![10.0, 100.0, 1000.0];
    c
}

fn small_ridge() -> DigitsConfig {
    let mut c = small();
    c.readout.kind = ReadoutKind::Ridge;
    c
}

#[test]
fn logistic_readout_cross_validates_and_gives_calibrated_probabilities() {
    let (train, test) = (samples(false), samples(true));
    let mut cfg = small();
    assert_eq!(
        cfg.readout.kind,
        ReadoutKind::Logistic,
        "the default readout"
    );
    cfg.readout.logistic_alphas = vec![3.0, 30.0];
    let model = DigitsPipeline::fit(&cfg, &train).unwrap();
    let r = &model.model().readout;
    assert!(r.ridge.is_none() && r.logistic.is_some());
    let cv = r.cv().unwrap();
    assert_eq!(cv.fold_sizes.len(), 5);
    assert_eq!(cv.fold_sizes.iter().sum::<usize>(), train.len());
    assert!(cfg.readout.logistic_alphas.contains(&r.alpha()));
    let ev = model.evaluate(&test).unwrap();
    assert!(ev.report.accuracy > 0.6, "accuracy {}", ev.report.accuracy);
    // The probabilities are the model's softmax: in (0, 1], and on these held-out files the
    // mean probability of the predicted label is within 0.2 of the accuracy.
    let mean_p = ev.predictions.iter().map(|p| p.probability).sum::<f64>() / 100.0;
    assert!(ev
        .predictions
        .iter()
        .all(|p| p.probability > 0.0 && p.probability <= 1.0));
    assert!(
        (mean_p - ev.report.accuracy).abs() < 0.2,
        "mean probability {mean_p} vs accuracy {}",
        ev.report.accuracy
    );
    // Save → load → identical predictions.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.json");
    model.save(&p).unwrap();
    let back = DigitsPipeline::load(&p).unwrap();
    assert_eq!(back.model(), model.model());
    assert_eq!(back.predict(&test).unwrap(), model.predict(&test).unwrap());
}

#[test]
fn fit_save_load_predict_identical_and_above_chance() {
    let (train, test) = (samples(false), samples(true));
    assert_eq!((train.len(), test.len()), (250, 100));
    let cfg = small_ridge();
    let model = DigitsPipeline::fit(&cfg, &train).unwrap();
    let ev = model.evaluate(&test).unwrap();
    assert!(ev.report.accuracy > 0.6, "accuracy {}", ev.report.accuracy);
    // Cross-validated α is one of the grid, leave-one-speaker-out over 5 speakers.
    let ridge = model.model().readout.ridge.as_ref().unwrap();
    let cv = ridge.cv.as_ref().unwrap();
    assert_eq!(cv.fold_sizes.len(), 5);
    assert!(cfg.readout.alphas.contains(&ridge.alpha));

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.json");
    model.save(&p).unwrap();
    let back = DigitsPipeline::load(&p).unwrap();
    assert_eq!(back.model(), model.model());
    let a = model.predict(&test).unwrap();
    let b = back.predict(&test).unwrap();
    assert_eq!(a, b, "predictions differ after save/load");
    for (p, q) in a.iter().zip(&ev.predictions) {
        assert_eq!(p.label, q.label);
        assert_eq!(p.probability.to_bits(), q.probability.to_bits());
    }
    // Every class's probability: rows sum to 1, the predicted label is the most probable one
    // with the probability `predict` reports.
    let proba = model
        .predict_proba_with_progress(&test, &lsm_pipeline::NoProgress)
        .unwrap();
    assert_eq!(proba.dim(), (test.len(), model.classes().len()));
    for (row, p) in proba.rows().into_iter().zip(&a) {
        assert!((row.sum() - 1.0).abs() < 1e-12, "{}", row.sum());
        let best = (0..row.len()).fold(0, |b, i| if row[i] > row[b] { i } else { b });
        assert_eq!(model.classes()[best], p.label);
        assert_eq!(row[best].to_bits(), p.probability.to_bits());
    }
    // Saving again gives the same bytes.
    let p2 = dir.path().join("m2.json");
    back.save(&p2).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&p2).unwrap());

    // A format-version-1 file (before `features.transform`) reads as untransformed features.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    assert_eq!(v["format_version"], lsm_pipeline::MODEL_FORMAT_VERSION);
    assert_eq!(v["config"]["features"]["transform"], "sqrt");
    // Files before version 4 have no `features.pooling.warp`: equal time bins.
    assert_eq!(v["config"]["features"]["pooling"]["warp"], 0.5);
    v["format_version"] = 3.into();
    v["config"]["features"]["pooling"]
        .as_object_mut()
        .unwrap()
        .remove("warp");
    let p3 = dir.path().join("v3.json");
    std::fs::write(&p3, v.to_string()).unwrap();
    let v3 = DigitsPipeline::load(&p3).unwrap();
    assert_eq!(
        v3.model().config.features.pooling,
        lsm_pipeline::Pooling::SpikeCounts { bins: 4, warp: 0.0 }
    );
    assert_ne!(
        v3.predict(&test).unwrap(),
        a,
        "the v3 reading must use equal time bins"
    );
    v["format_version"] = 1.into();
    v["config"]["features"]
        .as_object_mut()
        .unwrap()
        .remove("transform");
    // Files before version 3 have no `readout.kind`: they read as ridge readouts.
    v["config"]["readout"]
        .as_object_mut()
        .unwrap()
        .remove("kind");
    let p1 = dir.path().join("v1.json");
    std::fs::write(&p1, v.to_string()).unwrap();
    let old = DigitsPipeline::load(&p1).unwrap();
    assert_eq!(
        old.model().config.features.transform,
        lsm_pipeline::Transform::None
    );
    assert_eq!(old.model().config.readout.kind, ReadoutKind::Ridge);
    let c = old.predict(&test).unwrap();
    assert_ne!(a, c, "the v1 reading must not apply the square root");
}

#[test]
fn one_and_two_threads_give_identical_features() {
    let train = samples(false);
    let mut cfg = small();
    // The logistic readout with a cross-validated α: folds and α run in parallel.
    cfg.readout.logistic_alphas = vec![3.0, 30.0];
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| DigitsPipeline::fit(&cfg, &train[..60]).unwrap())
    };
    let (m1, m2) = (run(1), run(2));
    let (x1, _) = m1.features(&train[..60]).unwrap();
    let (x2, _) = m2.features(&train[..60]).unwrap();
    assert_eq!(x1, x2);
    assert_eq!(m1.model(), m2.model());
}

#[test]
fn input_only_control_and_dimension_checks() {
    let train = samples(false);
    let mut cfg = small();
    cfg.features.reservoir = false;
    cfg.features.include_input = true;
    let m = DigitsPipeline::fit(&cfg, &train).unwrap();
    assert!(m.model().network.is_none());
    assert_eq!(m.model().training.n_features, 32 * 4);
    // A model whose readout does not fit its features is refused at load, naming the stage.
    let mut bad = m.model().clone();
    bad.config.features.pooling = lsm_pipeline::Pooling::SpikeCounts { bins: 3, warp: 0.5 };
    let e = DigitsPipeline::from_model(bad).unwrap_err().to_string();
    assert!(
        e.contains("readout") && e.contains("128") && e.contains("96"),
        "{e}"
    );
}

/// How many E→E weights of `learned` differ from `generated`'s, of how many; every other
/// weight must be unchanged, and every E→E weight within `[0, 2 w0]` (the default `w_max`).
fn changed_exc_weights(
    generated: &lsm_reservoir::NetworkSpec,
    learned: &lsm_reservoir::NetworkSpec,
) -> (usize, usize) {
    let exc = lsm_reservoir::excitatory_mask(generated).unwrap();
    let r = &generated.recurrent;
    let (mut changed, mut plastic) = (0, 0);
    for s in 0..r.pre.len() {
        let (w0, w1) = (r.weight[s], learned.recurrent.weight[s]);
        if exc[r.pre[s] as usize] && exc[r.post[s] as usize] {
            plastic += 1;
            changed += usize::from(w0 != w1);
            assert!((0.0..=2.0 * w0).contains(&w1), "{w1} outside [0, 2 × {w0}]");
        } else {
            assert_eq!(w0, w1, "only E→E synapses learn");
        }
    }
    (changed, plastic)
}

#[test]
fn stdp_learned_weights_are_kept_by_the_model_and_deterministic() {
    let (train, test) = (samples(false), samples(true));
    let mut cfg = small_ridge();
    let plain = serde_json::to_value(&cfg).unwrap();
    assert!(plain.get("plasticity").is_none(), "absent unless asked for");
    cfg.plasticity = Some(lsm_pipeline::PlasticityConfig {
        samples: 30,
        ..Default::default()
    });
    let fit = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| DigitsPipeline::fit(&cfg, &train).unwrap())
    };
    let (m1, m2) = (fit(1), fit(2));
    assert_eq!(m1.model(), m2.model(), "1 and 2 threads");
    let learned = m1.model().network.as_ref().unwrap();
    let generated = cfg
        .network
        .spec(learned.n_inputs, None, cfg.seed, "inputs")
        .unwrap();
    let (changed, _) = changed_exc_weights(&generated, learned);
    assert!(changed > 0, "STDP changed no weight");
    assert_eq!(learned.meta.as_ref().unwrap()["stdp"]["samples"], 30);
    let ev = m1.evaluate(&test).unwrap();
    assert!(ev.report.accuracy > 0.6, "accuracy {}", ev.report.accuracy);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.json");
    m1.save(&p).unwrap();
    let back = DigitsPipeline::load(&p).unwrap();
    assert_eq!(back.predict(&test).unwrap(), m1.predict(&test).unwrap());
    let e = DigitsConfig::from_json_str(r#"{"plasticity": {"epochs": 0}}"#, Path::new("c.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("plasticity.epochs"), "{e}");
    let e = DigitsConfig::from_json_str(
        r#"{"plasticity": {"stdp": {"tau_plus_ms": -1}}}"#,
        Path::new("c.json"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("tau_plus_ms"), "{e}");
}

#[test]
fn rate_based_oja_learns_before_the_readout_and_the_model_keeps_its_weights() {
    let (train, test) = (samples(false), samples(true));
    let mut cfg = small_ridge();
    let rule = lsm_reservoir::StdpConfig {
        model: lsm_reservoir::StdpModel::Oja,
        eta_per_s: Some(0.5),
        ..Default::default()
    };
    cfg.plasticity = Some(lsm_pipeline::PlasticityConfig {
        stdp: Some(rule.clone()),
        samples: 20,
        ..Default::default()
    });
    let m = DigitsPipeline::fit(&cfg, &train).unwrap();
    let learned = m.model().network.as_ref().unwrap();
    let generated = cfg
        .network
        .spec(learned.n_inputs, None, cfg.seed, "inputs")
        .unwrap();
    let (changed, plastic) = changed_exc_weights(&generated, learned);
    assert!(
        changed > plastic / 4,
        "Oja changed {changed} of {plastic} weights"
    );
    let meta = &learned.meta.as_ref().unwrap()["stdp"];
    assert_eq!(
        (&meta["samples"], &meta["config"]["model"]),
        (&20.into(), &"oja".into())
    );
    // The features (and so the readout) come from the learned network: the same network with
    // its generated recurrent weights gives other features.
    let mut frozen = m.model().clone();
    let mut net0 = learned.clone();
    net0.recurrent = generated.recurrent.clone();
    frozen.network = Some(net0);
    let frozen = DigitsPipeline::from_model(frozen).unwrap();
    assert_ne!(
        m.features(&train[..5]).unwrap().0,
        frozen.features(&train[..5]).unwrap().0
    );
    // The saved model reloads with the learned weights and predicts the same.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.json");
    m.save(&p).unwrap();
    let back = DigitsPipeline::load(&p).unwrap();
    assert_eq!(back.model().network, m.model().network);
    assert_eq!(
        back.model().config.plasticity.as_ref().unwrap().stdp,
        Some(rule)
    );
    assert_eq!(back.predict(&test).unwrap(), m.predict(&test).unwrap());
    let e = DigitsConfig::from_json_str(
        r#"{"plasticity": {"stdp": {"model": "pair", "eta_per_s": 1}}}"#,
        Path::new("c.json"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("plasticity.stdp.eta_per_s"), "{e}");
    // A shared feature pass (cross-validated experiments) has no training set to learn on:
    // refused, naming the field, rather than silently computing frozen-network features.
    let e =
        lsm_pipeline::feature_pass(&back.model().config, &test, None, &lsm_pipeline::NoProgress)
            .err()
            .unwrap()
            .to_string();
    assert!(e.contains("plasticity") && e.contains("lsm fit"), "{e}");
}

#[test]
fn homeostatic_thresholds_are_learned_on_training_data_and_kept_by_the_model() {
    let (train, test) = (samples(false), samples(true));
    let mut cfg = small_ridge();
    cfg.plasticity = Some(lsm_pipeline::PlasticityConfig {
        stdp: None,
        homeostasis: Some(lsm_reservoir::HomeostasisConfig::default()),
        samples: 20,
        ..Default::default()
    });
    let m = DigitsPipeline::fit(&cfg, &train).unwrap();
    let learned = m.model().network.as_ref().unwrap();
    let generated = cfg
        .network
        .spec(learned.n_inputs, None, cfg.seed, "inputs")
        .unwrap();
    // Without STDP the weights stay; the thresholds are now one per neuron and moved.
    assert_eq!(learned.recurrent, generated.recurrent);
    let th = learned.neuron.v_th_mv.values();
    assert_eq!(th.len(), learned.n_neurons);
    let th0 = generated.neuron.v_th_mv.expand(learned.n_neurons);
    assert!(th.iter().zip(&th0).filter(|(a, b)| a != b).count() > learned.n_neurons / 2);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.json");
    m.save(&p).unwrap();
    let back = DigitsPipeline::load(&p).unwrap();
    assert_eq!(back.predict(&test).unwrap(), m.predict(&test).unwrap());
    let e = DigitsConfig::from_json_str(
        r#"{"plasticity": {"homeostasis": {"max_shift_mv": 0}}}"#,
        Path::new("c.json"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("plasticity.homeostasis.max_shift_mv"), "{e}");
}
