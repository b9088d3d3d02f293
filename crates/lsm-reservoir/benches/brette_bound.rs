//! How close lsm's CUBA run (Brette et al. 2007, the `cuba` preset: 4,000 LIF neurons, 2 %
//! connectivity, exponential currents, dt 0.1 ms) is to the least any simulator keeping its
//! state in `f64` must do, all timed in the same run (these machines are noisy):
//!
//! * `lsm_cuba`: one simulated second of the preset network, spikes recorded;
//! * `lsm_cuba_neurons_only`: the same neurons with the recurrent synapses removed (the
//!   update, the threshold and the refractory clamp, no spike propagation);
//! * `lsm_coba`, `lsm_coba_neurons_only`: the same for the `coba` preset (conductance
//!   synapses: exponential Euler, one exponential and one division per neuron and step, the
//!   arithmetic of Brian2's `exponential_euler`);
//! * `state_floor`: the bare update of the three state arrays (`v`, `I_exc`, `I_inh`, with the
//!   network's own propagators) for 4,000 neurons over 10,000 steps, without refractoriness,
//!   threshold, spike propagation or recording: every CUBA simulator reads and writes these
//!   24 bytes per neuron and step, so no `f64` CUBA run can be faster. Brian2 standalone's
//!   time for the same second, divided by this floor, bounds the ratio any `f64`
//!   implementation could reach against it on this machine (`docs/benchmarks.md`);
//! * `coba_arithmetic`: the conductance update's arithmetic alone (exponential Euler with
//!   the `coba` preset's parameters: one exponential, lsm's vectorised one, and one division
//!   per neuron and step, the conductances decaying), on the same three arrays, without
//!   refractoriness, threshold, propagation or recording.
//!
//! The floor and lsm's step loop are both compiled for AVX2 when the CPU has it.
//! `cargo bench -p lsm-reservoir --bench brette_bound`

use criterion::{criterion_group, criterion_main, Criterion};
use lsm_core::Real;
use lsm_reservoir::neuron::fast_exp;
use lsm_reservoir::{preset, Drive, Network, Neurons, RecordSpec, Recording};
use std::hint::black_box;

const N_STEPS: usize = 10_000;

/// One step of the conductance arithmetic (`neuron/conductance.rs` without the refractory
/// clamp): `p = [g_L, v_rest, E_exc, E_inh, I_bias, h/C, P11e, P11i]`.
#[inline(always)]
fn coba_step(p: &[Real; 8], v: &mut [Real], ge_ns: &mut [Real], gi_ns: &mut [Real]) {
    let n = v.len();
    let (ge_ns, gi_ns) = (&mut ge_ns[..n], &mut gi_ns[..n]);
    let [gl, vr, ee, ei, ib, hc, p11e, p11i] = *p;
    for i in 0..n {
        let ge = 1e-3 * ge_ns[i];
        let gi = 1e-3 * gi_ns[i];
        let g = gl + ge + gi;
        let a = gl * vr + ge * ee + gi * ei + ib;
        let v_inf = a / g;
        v[i] = v_inf + (v[i] - v_inf) * fast_exp(-hc * g);
        ge_ns[i] *= p11e;
        gi_ns[i] *= p11i;
    }
}

/// One step of the floor: `v`, `I_exc` and `I_inh` advanced by the exact propagators.
#[inline(always)]
fn floor_step(p: &[Real; 7], v: &mut [Real], ie: &mut [Real], ii: &mut [Real]) {
    let n = v.len();
    let (ie, ii) = (&mut ie[..n], &mut ii[..n]);
    let [vr, p22, p20_ib, p21e, p21i, p11e, p11i] = *p;
    for i in 0..n {
        v[i] = vr + p22 * (v[i] - vr) + p21e * ie[i] + p21i * ii[i] + p20_ib;
        ie[i] *= p11e;
        ii[i] *= p11i;
    }
}

/// The three state arrays of one of the loops above.
type State<'a> = (&'a mut [Real], &'a mut [Real], &'a mut [Real]);

/// `N_STEPS` steps of the floor (`p.len() == 7`) or of the conductance arithmetic (8). The
/// loop is chosen by the parameter count, not passed as a closure: a closure made outside the
/// AVX2 function is not vectorised with it (the conductance loop then ran at half speed).
#[inline(always)]
fn run(p: &[Real], (v, x, y): State<'_>) {
    for _ in 0..N_STEPS {
        match p.len() {
            7 => floor_step(p.try_into().unwrap(), v, x, y),
            _ => coba_step(p.try_into().unwrap(), v, x, y),
        }
        black_box(&mut *v);
    }
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2(p: &[Real], s: State<'_>) {
    run(p, s);
}

fn run_dispatch(p: &[Real], s: State<'_>) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2.
            unsafe { run_avx2(p, s) };
            return;
        }
    }
    run(p, s);
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("brette_1s");
    g.sample_size(10);
    let record = RecordSpec::default();
    for model in ["cuba", "coba"] {
        let spec = preset(model).unwrap().generate(0, 2007).unwrap();
        let mut silent = spec.clone();
        silent.recurrent = Default::default();
        for (name, spec) in [
            (format!("lsm_{model}"), spec),
            (format!("lsm_{model}_neurons_only"), silent),
        ] {
            let network = Network::from_spec(&spec).unwrap();
            let mut ws = network.workspace();
            let mut out = Recording::default();
            network
                .run_into(Drive::None, N_STEPS, &record, 0, 0, &mut ws, &mut out)
                .unwrap();
            eprintln!(
                "{name}: {:.2} Hz, {} synaptic events",
                out.n_spikes as f64 / spec.n_neurons as f64,
                out.n_events
            );
            g.bench_function(&name, |b| {
                b.iter(|| {
                    network
                        .run_into(Drive::None, N_STEPS, &record, 0, 0, &mut ws, &mut out)
                        .unwrap();
                    black_box(out.n_spikes)
                })
            });
        }
    }
    let spec = preset("cuba").unwrap().generate(0, 2007).unwrap();
    let n = spec.n_neurons;
    let net = Network::from_spec(&spec).unwrap();
    let Neurons::Lif(lif) = net.neurons() else {
        panic!("the cuba preset is a LIF network")
    };
    let [p22, p20, p21e, p21i, p11e, p11i] = lif.propagators(0);
    let (v_rest, i_bias) = (spec.neuron.v_rest_mv.get(0), spec.neuron.i_bias_na.get(0));
    let p = [v_rest, p22, p20 * i_bias, p21e, p21i, p11e, p11i];
    // Start values of a running network (no subnormal currents within the second).
    let v0: Vec<Real> = (0..n)
        .map(|i| -60.0 + 10.0 * (i as Real / n as Real))
        .collect();
    let (mut v, mut x, mut y) = (v0.clone(), vec![1.0; n], vec![-1.0; n]);
    g.bench_function("state_floor", |b| {
        b.iter(|| {
            v.copy_from_slice(&v0);
            x.fill(1.0);
            y.fill(-1.0);
            run_dispatch(&p, (&mut v, &mut x, &mut y));
            black_box(v[0])
        })
    });
    // The coba preset's neuron (R 100 MOhm, tau_m 20 ms: C 0.2 nF; bias 0.2 nA; reversal
    // potentials 0 and -80 mV; tau_syn 5 and 10 ms), conductances of a running network (nS).
    let dt = spec.dt_ms;
    let q = [
        0.01,
        -60.0,
        0.0,
        -80.0,
        0.2,
        dt / 0.2,
        (-dt / 5.0).exp(),
        (-dt / 10.0).exp(),
    ];
    g.bench_function("coba_arithmetic", |b| {
        b.iter(|| {
            v.copy_from_slice(&v0);
            x.fill(20.0);
            y.fill(100.0);
            run_dispatch(&q, (&mut v, &mut x, &mut y));
            black_box(v[0])
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
