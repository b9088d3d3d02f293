//! Homeostatic thresholds: one step against its closed form (the rates of a frozen run), the
//! rates of a population pulled toward the target over samples, the bounds, and refusals.

use lsm_core::Real;
use lsm_reservoir::{
    train_homeostasis, Drive, HomeostasisConfig, ModelKind, Network, NetworkSpec, NeuronSpec,
    Param, RecordSpec, SynapseKind,
};
use ndarray::Array2;

const DT: Real = 0.5;
const STEPS: usize = 1000; // 500 ms per sample

/// `n` unconnected LIF neurons with bias currents from below rheobase to strongly
/// suprathreshold: rates from 0 to ~100 Hz.
fn population(n: usize) -> NetworkSpec {
    let neuron = NeuronSpec {
        tau_m_ms: 20.0.into(),
        v_rest_mv: 0.0.into(),
        v_reset_mv: 0.0.into(),
        v_th_mv: 15.0.into(),
        t_ref_ms: 2.0.into(),
        i_bias_na: Param::PerNeuron(
            (0..n)
                .map(|i| 12.0 + 20.0 * i as Real / n as Real)
                .collect(),
        ),
        synapse: SynapseKind::ExpCurrent,
        ..NeuronSpec::default()
    };
    NetworkSpec::new(DT, n, 1, neuron)
}

fn rates(spec: &NetworkSpec, drive: Drive<'_>) -> Vec<Real> {
    let net = Network::from_spec(spec).unwrap();
    let rec = RecordSpec {
        spikes: true,
        ..RecordSpec::default()
    };
    let out = net.run(drive, STEPS, &rec, 3, 0).unwrap();
    let secs = STEPS as Real * DT * 1e-3;
    out.spikes
        .unwrap()
        .counts()
        .iter()
        .map(|&c| c as Real / secs)
        .collect()
}

#[test]
fn one_sample_moves_each_threshold_by_its_rate_error() {
    let spec = population(40);
    let zeros = Array2::zeros((STEPS, 1));
    let drive = Drive::Current(zeros.view());
    let r = rates(&spec, drive);
    assert!(r[0] == 0.0 && r[39] > 60.0, "rates {} .. {}", r[0], r[39]);
    let cfg = HomeostasisConfig {
        target_hz: 20.0,
        eta_mv_per_hz: 0.03,
        max_shift_mv: 1.0,
    };
    let (learned, sum) = train_homeostasis(&spec, &[drive], &cfg, 3, &|_| {}).unwrap();
    let th = learned.neuron.v_th_mv.expand(40);
    for i in 0..40 {
        let want = (15.0 + 0.03 * (r[i] - 20.0)).clamp(14.0, 16.0);
        assert_eq!(th[i], want, "neuron {i}: rate {}", r[i]);
    }
    assert_eq!(sum.samples, 1);
    let err = r.iter().map(|x| (x - 20.0).abs()).sum::<Real>() / 40.0;
    assert_eq!(sum.rate_error_first, err);
}

#[test]
fn rates_are_pulled_toward_the_target() {
    let spec = population(40);
    let zeros = Array2::zeros((STEPS, 1));
    let drives = vec![Drive::Current(zeros.view()); 30];
    let cfg = HomeostasisConfig {
        target_hz: 20.0,
        eta_mv_per_hz: 0.02,
        max_shift_mv: 20.0,
    };
    let before = rates(&spec, drives[0]);
    let (learned, sum) = train_homeostasis(&spec, &drives, &cfg, 3, &|_| {}).unwrap();
    let after = rates(&learned, drives[0]);
    let spread = |r: &[Real]| r.iter().map(|x| (x - 20.0).abs()).sum::<Real>() / r.len() as Real;
    assert!(
        spread(&after) < 0.25 * spread(&before),
        "mean |rate - target| {} Hz before, {} after",
        spread(&before),
        spread(&after)
    );
    assert!(sum.rate_error_last < sum.rate_error_first);
    // Strongly driven neurons got higher thresholds, silent ones lower.
    let th = learned.neuron.v_th_mv.expand(40);
    assert!(th[39] > 15.0 && th[0] < 15.0);
    // The learned network is an ordinary network file: it reloads and runs the same.
    let text = serde_json::to_string(&learned).unwrap();
    let back = NetworkSpec::from_json_str(&text, "learned.json").unwrap();
    assert_eq!(rates(&back, drives[0]), after);
}

#[test]
fn bad_parameters_and_models_without_a_threshold_are_refused() {
    let spec = population(4);
    let zeros = Array2::zeros((STEPS, 1));
    let d = [Drive::Current(zeros.view())];
    let bad = HomeostasisConfig {
        eta_mv_per_hz: 0.0,
        ..HomeostasisConfig::default()
    };
    let e = train_homeostasis(&spec, &d, &bad, 1, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("eta_mv_per_hz"), "{e}");
    let mut izh = spec.clone();
    izh.neuron.model = ModelKind::Izhikevich;
    let e = train_homeostasis(&izh, &d, &HomeostasisConfig::default(), 1, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("LIF"), "{e}");
    let e = serde_json::from_str::<HomeostasisConfig>(r#"{"target": 3}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("target"), "{e}");
}
