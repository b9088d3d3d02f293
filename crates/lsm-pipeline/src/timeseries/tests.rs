//! Unit tests of the time-series pipeline.

use super::*;
use lsm_core::Real;
use lsm_readout::{GramAccumulator, RidgeValidParams};
use lsm_reservoir::esn::EsnConfig;
use ndarray::{s, Array2, Axis};

/// A short NARMA-10 protocol for tests: 1500 training steps.
fn short_narma(reservoir: ReservoirConfig) -> TsConfig {
    let mut c = TsConfig::default_for(Task::Narma10);
    c.data.discard = 100;
    c.split = SplitConfig {
        washout: 100,
        train: 1500,
        validation: 300,
        test: 500,
    };
    c.readout.alphas = (-8..=0).map(|e| 10f64.powi(e)).collect();
    c.reservoir = reservoir;
    c
}

/// The team pass gives the same bits for 1, 2 and 3 threads, and the same bits as the
/// streamed single-thread pass (same Gram blocks), including the validation rows kept.
#[test]
fn esn_pass_is_bit_identical_for_any_thread_count() {
    let mut c = short_narma(ReservoirConfig::Esn(EsnConfig {
        n_units: 61,
        in_degree: 7,
        ..EsnConfig::default()
    }));
    c.split.train = 2 * GRAM_BLOCK + 77;
    let data = DataSource::Builtin(c.task);
    let prep = prepare(&c, &data, None).unwrap();
    let res = Reservoir::build(&c.reservoir, prep.inputs.ncols(), c.seed).unwrap();
    let Reservoir::Esn(esn) = &res else {
        panic!("an ESN was configured")
    };
    let tr = c.split.washout..c.split.washout + c.split.train;
    let keep = tr.end - 1..tr.end + c.split.validation;
    let params = RidgeValidParams {
        alpha: 1e-6,
        fit_intercept: true,
        standardize: false,
        ..RidgeValidParams::default()
    };
    let nf = 61 + prep.inputs.ncols();
    let run = |threads| {
        let mut vs = Array2::zeros((keep.len(), 61));
        let mut vf = Array2::zeros((keep.len(), nf));
        let g = esn_pass(
            esn,
            prep.inputs.view(),
            prep.targets.view(),
            prep.inputs.ncols(),
            tr.clone(),
            keep.clone(),
            &mut vs,
            &mut vf,
            threads,
            &NoProgress,
        )
        .unwrap();
        (g.0.solve(&params).unwrap(), vs, vf, g.1)
    };
    let one = run(1);
    for threads in [2, 3] {
        let other = run(threads);
        assert_eq!(one.0, other.0, "{threads} threads: readout");
        assert_eq!(one.1, other.1, "{threads} threads: validation states");
        assert_eq!(one.2, other.2, "{threads} threads: validation features");
        assert_eq!(
            one.3.states, other.3.states,
            "{threads} threads: block starts"
        );
    }
    // Blocks run again from their saved states, in parallel, predict the same bits for
    // any pool size, equal to the readout applied to the streamed features.
    let predict = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            one.3
                .predict(
                    esn,
                    prep.inputs.view(),
                    prep.inputs.ncols(),
                    &one.0,
                    tr.clone(),
                )
                .unwrap()
        })
    };
    let p1 = predict(1);
    assert_eq!(p1, predict(3), "block predictions: 1 vs 3 threads");
    assert_eq!(p1.nrows(), tr.len());
    assert_eq!(one.3.blocks.len(), 3);
    let (_, ft) = src_features(&res, &prep, &c, tr.clone());
    for blk in &one.3.blocks {
        let r = blk.start - tr.start..blk.end - tr.start;
        let direct = one.0.predict(ft.slice(s![r.clone(), ..])).unwrap();
        assert_eq!(p1.slice(s![r, ..]), direct, "block {blk:?}");
    }
    // The streamed pass on this thread, folded in the same blocks.
    let src = FeatureSource::new(&res, prep.inputs.view(), prep.inputs.ncols(), c.seed).unwrap();
    let mut g = GramAccumulator::new(nf, 1);
    let mut rows = Vec::new();
    src.visit(0..tr.end, 0.0, 0..0, |t, _, f| {
        if tr.contains(&t) {
            rows.push(f.to_vec());
            if rows.len() == GRAM_BLOCK || t + 1 == tr.end {
                let m = rows.len();
                let b = Array2::from_shape_fn((m, nf), |(i, j)| rows[i][j]);
                g.add_batch(b.view(), prep.targets.slice(s![t + 1 - m..t + 1, ..]))
                    .unwrap();
                rows.clear();
            }
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(
        one.0,
        g.solve(&params).unwrap(),
        "team pass vs streamed pass"
    );
    let (vs, vf) = src.collect(keep.clone()).unwrap();
    assert_eq!(one.1, vs);
    assert_eq!(one.2, vf);
}

/// States and features of rows `keep` by the streamed single-thread pass.
fn src_features(
    res: &Reservoir,
    prep: &Prepared,
    c: &TsConfig,
    keep: std::ops::Range<usize>,
) -> (Array2<Real>, Array2<Real>) {
    FeatureSource::new(res, prep.inputs.view(), prep.inputs.ncols(), c.seed)
        .unwrap()
        .collect(keep)
        .unwrap()
}

fn test_nrmse(c: &TsConfig) -> Real {
    let data = DataSource::Builtin(c.task);
    let (model, _) = fit(c, &data).unwrap();
    evaluate(&model, &data).unwrap().scores.nrmse
}

/// The spiking reservoir learns NARMA-10: its test NRMSE is clearly below that of the same
/// readout on the raw input alone (an ESN of one unit without recurrence, input or bias:
/// features `[0, u(t)]` + intercept), computed here on the same series and split.
#[test]
fn spiking_reservoir_learns_narma10() {
    let control = short_narma(ReservoirConfig::Esn(EsnConfig {
        n_units: 1,
        in_degree: 1,
        spectral_radius: 0.0,
        input_scaling: 0.0,
        bias_scaling: 0.0,
        ..EsnConfig::default()
    }));
    let base = test_nrmse(&control);
    let mut sp = SpikingConfig::default();
    sp.network.generator_mut().unwrap().n_neurons = Some(200);
    let spiking = test_nrmse(&short_narma(ReservoirConfig::Spiking(Box::new(sp))));
    eprintln!("spiking NARMA-10 NRMSE {spiking:.4}, input only {base:.4}");
    assert!(
        spiking < 0.8 * base,
        "spiking NRMSE {spiking} vs input-only {base}"
    );
}

/// Mackey-Glass one step ahead: the spiking reservoir's test NRMSE is well below half of
/// the input-only readout's (a linear extrapolation from u(t) alone).
#[test]
fn spiking_reservoir_learns_mackey_glass_one_step() {
    let mk = |reservoir| {
        let mut c = TsConfig::default_for(Task::MackeyGlass);
        c.prediction = PredictionConfig {
            mode: Mode::OneStep,
            horizon: 1,
            trials: 1,
            ..PredictionConfig::default()
        };
        c.split = SplitConfig {
            washout: 100,
            train: 1500,
            validation: 300,
            test: 500,
        };
        c.readout.alphas = (-10..=0).map(|e| 10f64.powi(e)).collect();
        c.reservoir = reservoir;
        c
    };
    let base = test_nrmse(&mk(ReservoirConfig::Esn(EsnConfig {
        n_units: 1,
        in_degree: 1,
        spectral_radius: 0.0,
        input_scaling: 0.0,
        bias_scaling: 0.0,
        ..EsnConfig::default()
    })));
    let mut sp = SpikingConfig::default();
    sp.network.generator_mut().unwrap().n_neurons = Some(200);
    let spiking = test_nrmse(&mk(ReservoirConfig::Spiking(Box::new(sp))));
    eprintln!("spiking Mackey-Glass one-step NRMSE {spiking:.4}, input only {base:.4}");
    assert!(
        spiking < 0.5 * base,
        "spiking NRMSE {spiking} vs input-only {base}"
    );
}

/// The streamed fit (states folded into the Gram matrix block by block on a second
/// thread, a partial last block, the train scores from a second pass) equals the fit on
/// the materialised state matrix.
#[test]
fn streamed_fit_equals_materialised_fit() {
    let mut c = short_narma(ReservoirConfig::Esn(EsnConfig {
        n_units: 60,
        ..EsnConfig::default()
    }));
    c.split.train = 2 * GRAM_BLOCK + 77;
    c.split.validation = 0;
    c.readout.alphas = vec![1e-6];
    let data = DataSource::Builtin(c.task);
    let (model, report) = fit(&c, &data).unwrap();
    let prep = prepare(&c, &data, None).unwrap();
    let Reservoir::Esn(esn) = &model.reservoir else {
        panic!("an ESN was configured")
    };
    let states = esn.run(prep.inputs.view(), None).unwrap();
    let feats = ndarray::concatenate(Axis(1), &[states.view(), prep.inputs.view()]).unwrap();
    let tr = c.split.washout..c.split.washout + c.split.train;
    let mut g = GramAccumulator::new(feats.ncols(), 1);
    g.add_batch(
        feats.slice(s![tr.clone(), ..]),
        prep.targets.slice(s![tr.clone(), ..]),
    )
    .unwrap();
    let params = RidgeValidParams {
        alpha: 1e-6,
        fit_intercept: true,
        standardize: false,
        ..RidgeValidParams::default()
    };
    let r = g.solve(&params).unwrap();
    let x = feats.slice(s![tr.clone(), ..]);
    let (p1, p2) = (model.readout.predict(x).unwrap(), r.predict(x).unwrap());
    let d = (&p1 - &p2).iter().fold(0.0 as Real, |m, v| m.max(v.abs()));
    assert!(
        d < 1e-9,
        "streamed vs materialised predictions differ by {d}"
    );
    // The train score of the report is that of the materialised predictions.
    let sc = scores(p2.view(), prep.targets.slice(s![tr, ..]));
    assert!((sc.nrmse - report.train.nrmse).abs() < 1e-9 * sc.nrmse.max(1e-300));
}

/// A split whose segments sum past usize (or past the step limit) is a config error naming
/// the split, before any series is generated; it used to wrap and panic in slicing.
#[test]
fn a_split_beyond_the_step_limit_is_refused() {
    for test in [usize::MAX, 200_000_000] {
        let mut c = TsConfig::default_for(Task::Narma10);
        c.split.test = test;
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("split") && e.contains("steps"), "{e}");
    }
    let mut c = TsConfig::default_for(Task::Narma10);
    c.split.test = 1000;
    assert!(c.validate().is_ok());
}

/// A streamed source (online readouts) runs a spiking reservoir with current input sample by
/// sample at every visit and holds no state rows, yet gives the features of the recorded
/// run bit for bit, with simulator noise too.
#[test]
fn a_streamed_spiking_source_gives_the_recorded_rows() {
    let mut sp = SpikingConfig::default();
    let g = sp.network.generator_mut().unwrap();
    g.n_neurons = Some(80);
    g.neuron.i_noise_na = 2.0.into();
    sp.trace_rise_ms = Some(1.0);
    let c = short_narma(ReservoirConfig::Spiking(Box::new(sp)));
    let data = DataSource::Builtin(c.task);
    let prep = prepare(&c, &data, None).unwrap();
    let res = Reservoir::build(&c.reservoir, prep.inputs.ncols(), c.seed).unwrap();
    let k = prep.inputs.ncols();
    let cached = FeatureSource::new(&res, prep.inputs.view(), k, c.seed).unwrap();
    let streamed = FeatureSource::streamed(&res, prep.inputs.view(), k, c.seed).unwrap();
    assert_eq!(cached.held_bytes(), 8 * prep.inputs.nrows() * 80);
    assert_eq!(streamed.held_bytes(), 0);
    for keep in [0..40, 350..420] {
        let (a, b) = (
            cached.collect(keep.clone()).unwrap(),
            streamed.collect(keep.clone()).unwrap(),
        );
        assert!(
            a.0.iter().any(|&x| x != 0.0),
            "rows {keep:?} hold some activity"
        );
        assert_eq!(a, b, "rows {keep:?}");
    }
}
