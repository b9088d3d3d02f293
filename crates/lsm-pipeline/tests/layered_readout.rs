//! Layered spiking networks in both pipelines, with the readout on chosen layers: the
//! features are exactly the chosen neurons' columns of the all-neuron features, the model
//! saves and reloads with them, and unknown layers are errors naming the field.

use lsm_pipeline::timeseries::{
    fit, predict, DataSource, PredictMode, ReservoirConfig, SpikingConfig, Task, TsConfig, TsModel,
};
use lsm_pipeline::{DigitsConfig, DigitsPipeline, NetworkSource, ReservoirChoice, Sample};
use lsm_reservoir::{
    GeneratorConfig, LayerConfig, LayeredConfig, PairScale, Projection, ProjectionRule,
    SeriesReservoir, SpikingReservoir,
};
use ndarray::Axis;
use std::path::{Path, PathBuf};

fn recordings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fsdd-sample/recordings")
}

fn files(takes: std::ops::Range<u32>) -> Vec<Sample> {
    let mut out = Vec::new();
    for digit in ["0", "1", "2"] {
        for speaker in ["george", "jackson", "nicolas"] {
            for take in takes.clone() {
                out.push(
                    Sample::from_path(recordings().join(format!("{digit}_{speaker}_{take}.wav")))
                        .with_label(digit)
                        .with_group(speaker),
                );
            }
        }
    }
    out
}

/// The default digits network as two stacked layers: "a" (60 neurons, the input layer) → "b"
/// (30 neurons).
fn two_layers(base: &GeneratorConfig) -> LayeredConfig {
    let layer = |name: &str, n: usize| LayerConfig {
        name: name.into(),
        population: GeneratorConfig {
            n_neurons: Some(n),
            ..base.clone()
        },
    };
    LayeredConfig {
        dt_ms: base.dt_ms,
        layers: vec![layer("a", 60), layer("b", 30)],
        projections: vec![Projection {
            from: "a".into(),
            to: "b".into(),
            rule: ProjectionRule::FixedInDegree { k: 10 },
            weight_scale: PairScale {
                ee: 0.3,
                ei: 0.3,
                ie: 0.4,
                ii: 0.4,
            },
            weight_dist: lsm_reservoir::WeightDist::Constant,
            delay: lsm_reservoir::Delay::Constant { ms: 1.0 },
        }],
        input_layers: None,
    }
}

fn layered_digits() -> DigitsConfig {
    DigitsConfig {
        network: NetworkSource::Layered(two_layers(&DigitsConfig::default_network())),
        ..DigitsConfig::default()
    }
}

#[test]
fn digits_features_of_chosen_layers_are_those_neurons_columns() {
    let all = layered_digits();
    let mut top = all.clone();
    top.features.readout_layers = vec!["b".into()];
    let train = files(5..8);
    let test = files(0..1);
    let pa = DigitsPipeline::fit(&all, &train).unwrap();
    let pt = DigitsPipeline::fit(&top, &train).unwrap();
    // The same network: the readout choice does not change what is generated.
    assert_eq!(pa.model().network, pt.model().network);
    let (xa, _) = pa.features(&test).unwrap();
    let (xt, _) = pt.features(&test).unwrap();
    let (bins, n_in) = (4, 32);
    assert_eq!(xa.ncols(), bins * 90 + bins * n_in);
    assert_eq!(
        xt.ncols(),
        bins * 30 + bins * n_in,
        "layer b's 30 neurons × 4 bins, then the input"
    );
    for b in 0..bins {
        for k in 0..30 {
            assert_eq!(
                xt.column(b * 30 + k),
                xa.column(b * 90 + 60 + k),
                "bin {b}, neuron {k}"
            );
        }
    }
    assert_eq!(
        xt.slice(ndarray::s![.., bins * 30..]),
        xa.slice(ndarray::s![.., bins * 90..])
    );
    assert!(
        xt.slice(ndarray::s![.., ..bins * 30])
            .iter()
            .any(|&v| v > 0.0),
        "layer b fires"
    );
    // Saved and reloaded, the model keeps its readout layers.
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("model.json");
    pt.save(&m).unwrap();
    let loaded = DigitsPipeline::load(&m).unwrap();
    assert_eq!(loaded.model().config.features.readout_layers, ["b"]);
    assert_eq!(loaded.features(&test).unwrap().0, xt);
    assert_eq!(loaded.predict(&test).unwrap(), pt.predict(&test).unwrap());
}

#[test]
fn digits_readout_layers_errors_name_the_field() {
    let train = files(5..6);
    let mut c = layered_digits();
    c.features.readout_layers = vec!["zz".into()];
    let e = lsm_core::error_chain(&DigitsPipeline::fit(&c, &train).unwrap_err());
    assert!(
        e.contains("features.readout_layers")
            && e.contains("unknown layer \"zz\"")
            && e.contains("a, b"),
        "{e}"
    );
    // A network without layers.
    let mut c = DigitsConfig::default();
    c.network.generator_mut().unwrap().n_neurons = Some(30);
    c.features.readout_layers = vec!["a".into()];
    let e = lsm_core::error_chain(&DigitsPipeline::fit(&c, &train).unwrap_err());
    assert!(
        e.contains("features.readout_layers") && e.contains("no layers"),
        "{e}"
    );
    // Not the spiking reservoir's features.
    c.reservoir = ReservoirChoice::Esn {
        esn: lsm_reservoir::EsnConfig::default(),
        bin_ms: 10.0,
    };
    let e = c.validate().unwrap_err().to_string();
    assert!(e.contains("features.readout_layers"), "{e}");
}

fn example() -> TsConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/timeseries_mackey_glass_stacked_spiking.json");
    let text = std::fs::read_to_string(&path).unwrap();
    TsConfig::from_json_str(&text, "timeseries_mackey_glass_stacked_spiking.json").unwrap()
}

/// The example, scaled down: layers of 60 and 40 neurons, a short series.
fn small_example(readout: &[&str]) -> TsConfig {
    let mut c = example();
    let ReservoirConfig::Spiking(s) = &mut c.reservoir else {
        panic!("a spiking reservoir")
    };
    let NetworkSource::Layered(l) = &mut s.network else {
        panic!("a layered network")
    };
    l.layers[0].population.n_neurons = Some(60);
    l.layers[1].population.n_neurons = Some(40);
    l.projections[0].rule = ProjectionRule::FixedInDegree { k: 10 };
    s.steps_per_sample = 5;
    s.readout_layers = readout.iter().map(|s| s.to_string()).collect();
    c.split.washout = 50;
    c.split.train = 300;
    c.split.validation = 100;
    c.split.test = 100;
    c
}

fn spiking(c: &TsConfig) -> &SpikingConfig {
    let ReservoirConfig::Spiking(s) = &c.reservoir else {
        panic!("a spiking reservoir")
    };
    s
}

#[test]
fn the_stacked_example_reads_out_chosen_layers_of_a_time_series_reservoir() {
    let c = example();
    c.validate().unwrap();
    let s = spiking(&c);
    assert_eq!(s.readout_layers, ["low", "high"]);
    let NetworkSource::Layered(l) = &s.network else {
        panic!("a layered network")
    };
    assert_eq!(l.layers.len(), 2);
    assert_eq!(l.projections[0].from, "low");
    // States: layer "high" alone is exactly its neurons' columns of every block (trace,
    // membrane) of the all-neuron states; the stepper gives the same rows.
    let (all, high) = (small_example(&[]), small_example(&["high"]));
    let ra = SpikingReservoir::build(spiking(&all), 1, 42).unwrap();
    let rh = SpikingReservoir::build(spiking(&high), 1, 42).unwrap();
    assert_eq!(ra.spec, rh.spec);
    assert_eq!((ra.n_features(), rh.n_features()), (200, 80));
    let u = ndarray::Array2::from_shape_fn((60, 1), |(t, _)| (t as f64 * 0.3).sin());
    let xa = ra.states(u.view(), 42).unwrap();
    let xh = rh.states(u.view(), 42).unwrap();
    let cols: Vec<usize> = (60..100).chain(160..200).collect();
    assert_eq!(xh, xa.select(Axis(1), &cols));
    assert!(xh.iter().any(|&v| v != 0.0));
    let mut stepper = rh.series_stepper().unwrap();
    let mut st = stepper.start(42);
    for t in 0..60 {
        stepper.step(&mut st, &[u[[t, 0]]]).unwrap();
        assert_eq!(st.features(), xh.row(t).as_slice().unwrap(), "row {t}");
    }
    // The pipeline fits on layer "high", and the model reloads to the same predictions.
    let data = DataSource::Builtin(Task::MackeyGlass);
    let (m, _) = fit(&high, &data).unwrap();
    assert_eq!(m.reservoir.n_state(), 80);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("model.json");
    m.save(&p).unwrap();
    let back = TsModel::load(&p).unwrap();
    assert_eq!(
        predict(&back, &data, PredictMode::TeacherForced)
            .unwrap()
            .prediction,
        predict(&m, &data, PredictMode::TeacherForced)
            .unwrap()
            .prediction
    );
    // Unknown layers and networks without layers are errors naming the field.
    let e = SpikingReservoir::build(spiking(&small_example(&["top"])), 1, 42)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("readout_layers")
            && e.contains("unknown layer \"top\"")
            && e.contains("low, high"),
        "{e}"
    );
    let plain = SpikingConfig {
        network: GeneratorConfig {
            n_neurons: Some(20),
            ..GeneratorConfig::default()
        }
        .into(),
        readout_layers: vec!["low".into()],
        ..SpikingConfig::default()
    };
    let e = SpikingReservoir::build(&plain, 1, 42)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("readout_layers") && e.contains("no layers"),
        "{e}"
    );
}
