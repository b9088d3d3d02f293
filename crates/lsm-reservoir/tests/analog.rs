//! The spiking reservoir for analog series: its trace, count and membrane features.

use lsm_core::Real;
use lsm_reservoir::{SpikingConfig, SpikingReservoir};
use ndarray::{s, Array2};

/// Roughness of features over time: their mean squared step-to-step change per unit of
/// their mean square.
fn rough(m: ndarray::ArrayView2<Real>) -> Real {
    let d = &m.slice(s![1.., ..]) - &m.slice(s![..-1, ..]);
    d.mapv(|v| v * v).sum() / m.mapv(|v| v * v).sum()
}

/// An extra trace with the simulator's own time constant reproduces the simulator's
/// trace (per-sample recursion from the recorded spikes against the per-step filter).
#[test]
fn extra_traces_match_the_simulator_trace() {
    let mut sp = SpikingConfig::default();
    sp.network.generator_mut().unwrap().n_neurons = Some(50);
    sp.extra_trace_tau_ms = vec![sp.trace_tau_ms, 40.0];
    let r = SpikingReservoir::build(&sp, 1, 3).unwrap();
    assert_eq!(r.n_features(), 150);
    let u = Array2::from_shape_fn((300, 1), |(t, _)| (t as Real * 0.2).sin());
    let st = r.states(u.view(), 3).unwrap();
    assert_eq!(st.dim(), (300, 150));
    let (a, b) = (st.slice(s![.., ..50]), st.slice(s![.., 50..100]));
    let err = (&a - &b).iter().fold(0.0 as Real, |m, v| m.max(v.abs()));
    assert!(err < 1e-9, "max difference {err}");
    assert!(a.sum() > 0.0, "no spikes at all");
    // The slower trace is smoother: smaller mean squared step-to-step change per unit.
    assert!(rough(st.slice(s![.., 100..])) < rough(a));
}

/// The double-exponential trace (`trace_rise_ms`) is `τd/(τd − τr)·(x_τd − x_τr)` of the two
/// exponential traces of the same run (read as extra traces without a rise time), and starts
/// from zero at a spike where the exponential trace jumps: it varies less from one sample to
/// the next.
#[test]
fn the_double_exponential_trace_is_a_difference_of_traces() {
    let mut sp = SpikingConfig::default();
    sp.network.generator_mut().unwrap().n_neurons = Some(50);
    sp.trace_tau_ms = 20.0;
    let u = Array2::from_shape_fn((300, 1), |(t, _)| (t as Real * 0.2).sin());
    let mut plain = sp.clone();
    plain.extra_trace_tau_ms = vec![2.0];
    let p = SpikingReservoir::build(&plain, 1, 3)
        .unwrap()
        .states(u.view(), 3)
        .unwrap();
    let mut de = sp.clone();
    de.trace_rise_ms = Some(2.0);
    let r = SpikingReservoir::build(&de, 1, 3).unwrap();
    assert_eq!(r.n_features(), 50);
    let d = r.states(u.view(), 3).unwrap();
    let k = 20.0 / 18.0;
    let want = (&p.slice(s![.., ..50]) - &p.slice(s![.., 50..])) * k;
    let err = (&d - &want).iter().fold(0.0 as Real, |m, v| m.max(v.abs()));
    assert!(err < 1e-12, "max difference {err}");
    assert!(d.sum() > 0.0, "no spikes at all");
    assert!(rough(d.view()) < rough(p.slice(s![.., ..50])));
    de.trace_rise_ms = Some(20.0);
    assert!(SpikingReservoir::build(&de, 1, 3).is_err(), "rise >= decay");
}

/// Membrane features: the last block of columns, one per neuron, are potentials (mV, at
/// most the threshold after a step, with the Maass neuron's 15 mV); the trace columns are
/// unchanged by adding them.
#[test]
fn membrane_features_follow_the_traces() {
    let mut sp = SpikingConfig::default();
    sp.network.generator_mut().unwrap().n_neurons = Some(50);
    let u = Array2::from_shape_fn((300, 1), |(t, _)| (t as Real * 0.2).sin());
    let plain = SpikingReservoir::build(&sp, 1, 3)
        .unwrap()
        .states(u.view(), 3)
        .unwrap();
    sp.membrane = true;
    let r = SpikingReservoir::build(&sp, 1, 3).unwrap();
    assert_eq!(r.n_features(), 100);
    let st = r.states(u.view(), 3).unwrap();
    assert_eq!(st.slice(s![.., ..50]), plain);
    let v = st.slice(s![.., 50..]);
    assert!(
        v.iter().all(|&x| x.is_finite() && x <= 15.0),
        "potentials above threshold"
    );
    let spread =
        v.iter().fold(Real::MIN, |a, &b| a.max(b)) - v.iter().fold(Real::MAX, |a, &b| a.min(b));
    assert!(spread > 1.0, "membrane features do not vary ({spread} mV)");
}

/// A network file in place of the generator: the reservoir runs the file's network (with
/// the config's per-neuron draws on top, as for a generated one), and a file whose inputs do
/// not match the series' channels is an error naming it.
#[test]
fn a_network_file_is_the_reservoir() {
    let mut sp = SpikingConfig::default();
    sp.network.generator_mut().unwrap().n_neurons = Some(40);
    let generated = SpikingReservoir::build(&sp, 2, 9).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("net.json");
    let g = sp.network.generator().unwrap().clone();
    g.generate(2, 9).unwrap().save(&p).unwrap();
    let mut from_file = sp.clone();
    from_file.network = lsm_reservoir::NetworkSource::File(p.clone());
    // The file's synapses, with the per-neuron bias and time constants drawn from the seed
    // as for a generated network: the same reservoir as generating it.
    let r = SpikingReservoir::build(&from_file, 2, 9).unwrap();
    assert_eq!(r.spec, generated.spec);
    let u = Array2::from_shape_fn((100, 2), |(t, j)| ((t + j) as Real * 0.3).sin());
    assert_eq!(
        r.states(u.view(), 9).unwrap(),
        generated.states(u.view(), 9).unwrap()
    );
    let e = SpikingReservoir::build(&from_file, 3, 9)
        .unwrap_err()
        .to_string();
    assert!(e.contains("net.json") && e.contains("n_inputs = 3"), "{e}");
}
