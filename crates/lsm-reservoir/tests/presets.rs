//! Named networks (`lsm network generate --preset`): what each builds, and that the Brette
//! et al. (2007) benchmarks fire in their published regime when simulated.

use lsm_core::Real;
use lsm_reservoir::{preset, Drive, Network, RecordSpec, SynapseKind, Topology};

/// Population rate (Hz) over `[t0, t1)` ms of a run from the generated initial state.
fn rate(spec: &lsm_reservoir::NetworkSpec, t0: Real, t1: Real) -> Real {
    let net = Network::from_spec(spec).unwrap();
    let n_steps = (t1 / spec.dt_ms).round() as usize;
    let s0 = (t0 / spec.dt_ms).round() as usize;
    let sp = net
        .run(Drive::None, n_steps, &RecordSpec::default(), 0, 0)
        .unwrap()
        .spikes
        .unwrap();
    let k = sp.iter().filter(|&(s, _)| s >= s0).count();
    k as Real / spec.n_neurons as Real / ((t1 - t0) / 1000.0)
}

#[test]
fn coba_and_cuba_build_the_benchmark_and_fire_in_its_regime() {
    for (name, lo, hi) in [("coba", 10.0, 40.0), ("cuba", 1.0, 20.0)] {
        let spec = preset(name).unwrap().generate(0, 2007).unwrap();
        spec.validate().unwrap();
        assert_eq!(spec.n_neurons, 4000);
        // p = 0.02 over 4000 x 3999 ordered pairs: 319,920 expected, sd about 560.
        let m = spec.recurrent.len() as Real;
        assert!((m - 319_920.0).abs() < 3_000.0, "{name}: {m} synapses");
        let w: Vec<Real> = spec.recurrent.weight.clone();
        let (we, wi) = if name == "coba" {
            (6.0, -67.0)
        } else {
            (1.62, -9.0)
        };
        assert!(w.iter().all(|&x| x == we || x == wi), "{name}");
        assert_eq!(
            spec.neuron.synapse,
            if name == "coba" {
                SynapseKind::ExpConductance
            } else {
                SynapseKind::ExpCurrent
            }
        );
        // Brian2 and NEST: about 20 Hz (COBA) and 5.5 Hz (CUBA) after the transient.
        let r = rate(&spec, 100.0, 300.0);
        assert!((lo..hi).contains(&r), "{name}: {r} Hz");
    }
}

#[test]
fn maass2002_is_the_column_with_dynamic_synapses() {
    let cfg = preset("maass2002").unwrap();
    assert!(matches!(cfg.topology, Topology::MaassColumn { .. }));
    let spec = cfg.generate(4, 1).unwrap();
    assert_eq!(spec.n_neurons, 135);
    let stp = spec.recurrent.stp.as_ref().expect("dynamic synapses");
    assert_eq!(stp.u.len(), spec.recurrent.len());
    assert!(spec.recurrent.len() > 100);
    Network::from_spec(&spec).unwrap();
}

#[test]
fn an_unknown_preset_names_the_known_ones() {
    let e = preset("brunel").unwrap_err().to_string();
    assert!(
        e.contains("brunel") && e.contains("coba") && e.contains("maass2002"),
        "{e}"
    );
}
