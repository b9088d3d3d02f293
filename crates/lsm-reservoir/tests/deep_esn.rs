//! Deep ESNs (Gallicchio's DeepESN): a one-layer stack is the ESN; each layer is an ESN driven
//! by the states of the layer below; the whole-series run equals stepping all layers together;
//! the readout sees the chosen layers; bad configs and files are refused naming the field.

use lsm_reservoir::esn::{DeepEsn, DeepEsnConfig, Esn, EsnConfig, Stack, SynapticConfig};
use lsm_reservoir::{Reservoir, ReservoirConfig, SeriesReservoir};
use ndarray::{s, Array2};

fn layer(n: usize, sr: f64, scaling: f64) -> EsnConfig {
    EsnConfig {
        n_units: n,
        in_degree: 5,
        spectral_radius: sr,
        input_scaling: scaling,
        leak_rate: 0.5,
        ..EsnConfig::default()
    }
}

fn series(t: usize, k: usize) -> Array2<f64> {
    Array2::from_shape_fn((t, k), |(i, j)| ((i as f64) * 0.21 + j as f64).sin())
}

fn three_layers(readout: Option<Vec<usize>>) -> DeepEsnConfig {
    DeepEsnConfig {
        layers: vec![
            layer(30, 0.9, 1.0),
            layer(20, 0.8, 0.5),
            layer(25, 0.7, 0.5),
        ],
        readout_layers: readout,
        stack: Stack::Deep,
    }
}

#[test]
fn one_layer_is_the_esn_of_the_same_config_and_seed() {
    let c = layer(40, 0.9, 1.0);
    let u = series(200, 2);
    let deep = DeepEsn::build(
        &DeepEsnConfig {
            layers: vec![c.clone()],
            readout_layers: None,
            stack: Stack::Deep,
        },
        2,
        7,
    )
    .unwrap();
    let esn = Esn::build(&c, 2, 7).unwrap();
    assert_eq!(deep.layers()[0], esn);
    assert_eq!(
        deep.states(u.view()).unwrap(),
        esn.states(u.view(), 0).unwrap()
    );
}

#[test]
fn each_layer_is_an_esn_on_the_states_below_and_stepping_agrees() {
    let u = series(150, 2);
    let deep = DeepEsn::build(&three_layers(None), 2, 11).unwrap();
    assert_eq!(deep.n_units(), 75);
    assert_eq!(deep.n_state(), 75);
    let x = deep.states(u.view()).unwrap();
    assert_eq!(x.dim(), (150, 75));
    // Layer by layer by hand: each layer an ordinary ESN run on the states of the one below.
    let l = deep.layers();
    let x0 = l[0].states(u.view(), 0).unwrap();
    let x1 = l[1].states(x0.view(), 0).unwrap();
    let x2 = l[2].states(x1.view(), 0).unwrap();
    assert_eq!(x.slice(s![.., 0..30]), x0);
    assert_eq!(x.slice(s![.., 30..50]), x1);
    assert_eq!(x.slice(s![.., 50..75]), x2);
    assert_eq!((l[1].n_inputs(), l[2].n_inputs()), (30, 20));
    // The upper layers respond (they are driven, not silent).
    assert!(x2.iter().any(|v| v.abs() > 0.05));
    // Stepping every layer together, one step at a time, gives the same numbers.
    let mut full = vec![0.0; 75];
    let mut scratch = vec![0.0; 30];
    for t in 0..150 {
        deep.step(&mut full, u.row(t).as_slice().unwrap(), &mut scratch);
        assert_eq!(&full[..], x.row(t).as_slice().unwrap(), "step {t}");
    }
}

#[test]
fn the_readout_sees_the_chosen_layers_only() {
    let u = series(80, 1);
    let all = DeepEsn::build(&three_layers(None), 1, 3).unwrap();
    let top = DeepEsn::build(&three_layers(Some(vec![0, 2])), 1, 3).unwrap();
    // The same weights: the readout set does not change the network.
    assert_eq!(all.layers(), top.layers());
    assert_eq!(top.n_state(), 55);
    let xa = all.states(u.view()).unwrap();
    let xt = top.states(u.view()).unwrap();
    assert_eq!(xt.slice(s![.., 0..30]), xa.slice(s![.., 0..30]));
    assert_eq!(xt.slice(s![.., 30..55]), xa.slice(s![.., 50..75]));
    let mut full = vec![0.0; 75];
    let (mut scratch, mut out) = (vec![0.0; 30], vec![0.0; 55]);
    for t in 0..80 {
        top.step(&mut full, u.row(t).as_slice().unwrap(), &mut scratch);
    }
    top.readout_state(&full, &mut out);
    assert_eq!(&out[..], xt.row(79).as_slice().unwrap());
}

#[test]
fn the_layers_draw_from_their_own_streams() {
    // Layer 0 does not depend on the layers above; an upper layer changes with its config.
    let a = DeepEsn::build(&three_layers(None), 1, 5).unwrap();
    let mut c = three_layers(None);
    c.layers[2].spectral_radius = 0.5;
    let b = DeepEsn::build(&c, 1, 5).unwrap();
    assert_eq!(a.layers()[..2], b.layers()[..2]);
    assert_ne!(a.layers()[2], b.layers()[2]);
    // Two layers of the same config and input size still get different weights.
    let same = DeepEsn::build(
        &DeepEsnConfig {
            layers: vec![layer(10, 0.9, 1.0), layer(10, 0.9, 1.0)],
            readout_layers: None,
            stack: Stack::Deep,
        },
        10,
        5,
    )
    .unwrap();
    assert_ne!(same.layers()[0], same.layers()[1]);
}

#[test]
fn through_the_series_config_and_a_file() {
    let cfg: ReservoirConfig = serde_json::from_str(
        r#"{"kind": "deep-esn", "layers": [{"n_units": 20, "in_degree": 4},
            {"n_units": 15, "in_degree": 4, "input_scaling": 0.5}], "readout_layers": [1]}"#,
    )
    .unwrap();
    assert_eq!(cfg.kind(), "deep-esn");
    let res = Reservoir::build(&cfg, 1, 9).unwrap();
    assert_eq!(res.kind(), "deep-esn");
    assert_eq!(res.n_state(), 15);
    let u = series(60, 1);
    let x = res.states(u.view(), 0).unwrap();
    let json = serde_json::to_string(&res).unwrap();
    let back: Reservoir = serde_json::from_str(&json).unwrap();
    assert_eq!(back.states(u.view(), 0).unwrap(), x);
    // A file whose layer 1 does not take layer 0's states is refused, naming the layer.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let l0 = v["layers"][0].clone();
    v["layers"][1] = l0;
    let e = serde_json::from_value::<Reservoir>(v)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("layers[1]") && e.contains("20 units of layer 0"),
        "{e}"
    );
}

#[test]
fn bad_configs_name_the_field() {
    let err = |c: DeepEsnConfig| c.validate().unwrap_err().to_string();
    let e = err(DeepEsnConfig {
        layers: vec![],
        readout_layers: None,
        stack: Stack::Deep,
    });
    assert!(e.contains("`layers`") && e.contains("1..=64"), "{e}");
    let e = err(three_layers(Some(vec![0, 3])));
    assert!(e.contains("readout_layers") && e.contains("layer 3"), "{e}");
    let e = err(three_layers(Some(vec![2, 1])));
    assert!(
        e.contains("readout_layers") && e.contains("ascending"),
        "{e}"
    );
    let e = err(three_layers(Some(vec![])));
    assert!(e.contains("readout_layers") && e.contains("empty"), "{e}");
    let mut c = three_layers(None);
    c.layers[1].in_degree = 50;
    let e = err(c);
    assert!(e.contains("layers[1].in_degree"), "{e}");
    let mut c = three_layers(None);
    c.layers[2].plasticity =
        Some(serde_json::from_str::<SynapticConfig>(r#"{"rule": "oja"}"#).unwrap());
    let e = err(c);
    assert!(e.contains("layers[2]") && e.contains("plasticity"), "{e}");
    // The cost of every layer is checked before anything is built, naming the layer.
    let e = three_layers(None)
        .validate_cost(1, 1_000_000_000_000)
        .unwrap_err()
        .to_string();
    assert!(e.contains("layers[0]"), "{e}");
}

#[test]
fn a_parallel_stack_drives_every_layer_by_the_input() {
    let u = series(120, 3);
    // One layer: the ESN of the same config and seed.
    let c = layer(40, 0.9, 1.0);
    let one = DeepEsn::build(
        &DeepEsnConfig {
            layers: vec![c.clone()],
            readout_layers: None,
            stack: Stack::Parallel,
        },
        3,
        7,
    )
    .unwrap();
    let esn = Esn::build(&c, 3, 7).unwrap();
    assert_eq!(one.layers()[0], esn);
    assert_eq!(
        one.states(u.view()).unwrap(),
        esn.states(u.view(), 0).unwrap()
    );
    // Two layers: layer 1 is an ESN of its config and stream (the one a deep stack draws it
    // from when layer 0 has as many units as there are inputs) run on the input itself.
    let upper = layer(25, 0.7, 0.5);
    let par = DeepEsnConfig {
        layers: vec![layer(30, 0.9, 1.0), upper.clone()],
        readout_layers: None,
        stack: Stack::Parallel,
    };
    let p = DeepEsn::build(&par, 3, 9).unwrap();
    let d = DeepEsn::build(
        &DeepEsnConfig {
            layers: vec![
                EsnConfig {
                    in_degree: 2,
                    ..layer(3, 0.9, 1.0)
                },
                upper,
            ],
            readout_layers: None,
            stack: Stack::Deep,
        },
        3,
        9,
    )
    .unwrap();
    assert_eq!(p.layers()[1], d.layers()[1]);
    assert_eq!(
        p.layers()[0],
        DeepEsn::build(&three_layers(None), 3, 9).unwrap().layers()[0]
    );
    let x = p.states(u.view()).unwrap();
    assert_eq!(x.dim(), (120, 55));
    assert_eq!(
        x.slice(s![.., 0..30]),
        p.layers()[0].states(u.view(), 0).unwrap()
    );
    assert_eq!(
        x.slice(s![.., 30..55]),
        d.layers()[1].states(u.view(), 0).unwrap()
    );
    // Stepping agrees; the config and the built stack read back from JSON.
    let mut full = vec![0.0; 55];
    let mut scratch = vec![0.0; 30];
    for t in 0..120 {
        p.step(&mut full, u.row(t).as_slice().unwrap(), &mut scratch);
        assert_eq!(&full[..], x.row(t).as_slice().unwrap(), "step {t}");
    }
    let back: DeepEsn = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    let cfg: ReservoirConfig = serde_json::from_str(
        r#"{"kind": "deep-esn", "stack": "parallel", "layers": [{"n_units": 30}, {"n_units": 25}]}"#,
    )
    .unwrap();
    let ReservoirConfig::DeepEsn(cfg) = cfg else {
        panic!("a deep ESN")
    };
    assert_eq!(cfg.stack, Stack::Parallel);
    // A deep stack's file read as parallel is refused (the inputs do not match).
    let mut v = serde_json::to_value(&d).unwrap();
    v["stack"] = "parallel".into();
    v["layers"][0] = serde_json::to_value(&p.layers()[0]).unwrap();
    v["layers"][1] = serde_json::to_value(
        DeepEsn::build(&three_layers(None), 3, 9).unwrap().layers()[1].clone(),
    )
    .unwrap();
    let e = serde_json::from_value::<DeepEsn>(v)
        .unwrap_err()
        .to_string();
    assert!(e.contains("layers[1]") && e.contains("parallel"), "{e}");
}
