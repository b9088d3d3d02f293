//! Network file round trip and errors; reset between samples; thread-count independence;
//! recording features (bins, traces, final state); analog drive and noise.

use lsm_core::{rng_for, Real, SpikeTrains};
use lsm_reservoir::{
    run_batch, run_batch_items, Bins, Drive, GeneratorConfig, Network, NetworkSpec, Param,
    RecordSpec, TraceSamples, TraceSpec,
};
use ndarray::Array2;
use rand::Rng;

fn small_net(noise: Real) -> NetworkSpec {
    let mut c = GeneratorConfig {
        n_neurons: Some(120),
        v_init_uniform_mv: Some([0.0, 15.0]),
        delay: lsm_reservoir::Delay::Uniform {
            min_ms: 0.0,
            max_ms: 2.0,
        },
        ..GeneratorConfig::default()
    };
    c.neuron.i_noise_na = Param::Scalar(noise);
    c.generate(5, 77).unwrap()
}

fn input(seed: u64, n_steps: usize) -> SpikeTrains {
    let mut rng = rng_for(seed, 1000);
    let ev: Vec<(usize, usize)> = (0..n_steps)
        .flat_map(|t| (0..5).map(move |c| (t, c)))
        .filter(|_| rng.gen::<Real>() < 0.02)
        .collect();
    SpikeTrains::from_events(5, 0.1, n_steps, ev).unwrap()
}

#[test]
fn file_round_trip_gives_identical_spikes() {
    let spec = small_net(0.0);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("net.json");
    spec.save(&p).unwrap();
    let back = NetworkSpec::load(&p).unwrap();
    assert!(back == spec, "the loaded spec differs from the saved one");
    let a = Network::from_spec(&spec).unwrap();
    let b = Network::load(&p).unwrap();
    let inp = input(1, 3000);
    let ra = a
        .run(Drive::Spikes(&inp), 3000, &RecordSpec::default(), 0, 0)
        .unwrap();
    let rb = b
        .run(Drive::Spikes(&inp), 3000, &RecordSpec::default(), 0, 0)
        .unwrap();
    assert!(ra.n_spikes > 100, "{}", ra.n_spikes);
    assert_eq!(ra.spikes, rb.spikes);
    assert!(b.to_spec() == spec);
}

fn err_of(text: &str) -> String {
    NetworkSpec::from_json_str(text, "bad.json")
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_files_give_clear_errors() {
    let good = NetworkSpec::new(0.1, 3, 1, lsm_reservoir::NeuronSpec::default());
    let mut v: serde_json::Value = serde_json::from_str(&good.to_json_string()).unwrap();
    v["recurrent"] = serde_json::json!({"pre": [0, 1], "post": [1, 2], "weight": [1.0, -1.0], "delay_ms": [0.0, 0.5]});
    v["input"] = serde_json::json!({"pre": [0], "post": [2], "weight": [1.0]});
    NetworkSpec::from_json_str(&v.to_string(), "ok.json").unwrap();
    let with = |path: &[&str], val: serde_json::Value| {
        let mut x = v.clone();
        let mut cur = &mut x;
        for p in &path[..path.len() - 1] {
            cur = &mut cur[*p];
        }
        cur[path[path.len() - 1]] = val;
        x.to_string()
    };
    use serde_json::json;
    let cases: Vec<(String, &str, &str)> = vec![
        (with(&["format"], json!("other")), "format", "lsm-network"),
        (with(&["version"], json!(2)), "version", "newer"),
        (
            with(&["recurrent", "post"], json!([1])),
            "recurrent.post",
            "equal lengths",
        ),
        (
            with(&["recurrent", "weight"], json!([1.0, 2.0, 3.0])),
            "recurrent.weight",
            "equal lengths",
        ),
        (
            with(&["recurrent", "post"], json!([1, 3])),
            "recurrent.post[1]",
            "out of range",
        ),
        (
            with(&["input", "pre"], json!([1])),
            "input.pre[0]",
            "out of range",
        ),
        (
            with(&["recurrent", "delay_ms"], json!([0.0, -0.1])),
            "recurrent.delay_ms[1]",
            ">= 0",
        ),
        (
            with(&["neuron", "tau_m_ms"], json!([10.0, 20.0])),
            "neuron.tau_m_ms",
            "n_neurons = 3",
        ),
        (
            with(&["neuron", "t_ref_ms"], json!(-1.0)),
            "neuron.t_ref_ms",
            ">= 0",
        ),
        (
            with(&["neuron", "tau_syn_exc_ms"], json!(null)),
            "neuron.tau_syn_exc_ms",
            "required",
        ),
        (with(&["dt_ms"], json!(0.0)), "dt_ms", "> 0"),
        (
            with(&["neuron", "colour"], json!(1)),
            "colour",
            "unknown field",
        ),
    ];
    for (text, field, what) in cases {
        let e = err_of(&text);
        assert!(
            e.contains("bad.json") && e.contains(field) && e.contains(what),
            "expected `{field}` / `{what}` in: {e}"
        );
    }
    assert!(err_of("{not json").contains("bad.json"));
    let e = Network::load(std::path::Path::new("/nonexistent/net.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/net.json"), "{e}");
}

#[test]
fn reset_between_samples_and_thread_count_independence() {
    for noise in [0.0, 0.5] {
        let net = Network::from_spec(&small_net(noise)).unwrap();
        let (a, b) = (input(1, 2500), input(2, 3100));
        let spec = RecordSpec {
            spikes: true,
            bins: Some(Bins::Count(4)),
            traces: Some(TraceSpec {
                samples: TraceSamples::Even(5),
                ..TraceSpec::default()
            }),
            final_state: true,
            ..RecordSpec::default()
        };
        let mut ws = net.workspace();
        let mut out = Default::default();
        net.run_into(Drive::Spikes(&a), 2500, &spec, 3, 0, &mut ws, &mut out)
            .unwrap();
        let a_first = out.clone();
        net.run_into(Drive::Spikes(&b), 3100, &spec, 3, 1, &mut ws, &mut out)
            .unwrap();
        let b_after_a = out.clone();
        let b_alone = net.run(Drive::Spikes(&b), 3100, &spec, 3, 1).unwrap();
        assert!(b_alone.n_spikes > 50);
        assert_eq!(b_after_a, b_alone, "noise {noise}");
        // Batches: identical for 1 and 2 threads, and equal to single runs with sample_id = index.
        let drives = [Drive::Spikes(&a), Drive::Spikes(&b), Drive::Spikes(&a)];
        let pool = |k| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .unwrap()
        };
        let r1 = pool(1)
            .install(|| run_batch(&net, &drives, &spec, 3))
            .unwrap();
        let r3 = pool(3)
            .install(|| run_batch(&net, &drives, &spec, 3))
            .unwrap();
        assert_eq!(r1, r3);
        assert_eq!(r1[0], a_first);
        assert_eq!(r1[1], b_alone);
        if noise > 0.0 {
            // Different sample ids draw different noise.
            assert_ne!(r1[0].spikes, r1[2].spikes);
        } else {
            assert_eq!(r1[0], r1[2]);
        }
        let items = [(1u64, Drive::Spikes(&b), 3100usize)];
        assert_eq!(run_batch_items(&net, &items, &spec, 3).unwrap()[0], b_alone);
    }
}

#[test]
fn bins_and_traces_agree_with_the_raster() {
    let net = Network::from_spec(&small_net(0.0)).unwrap();
    let n_steps = 3001;
    let inp = input(4, n_steps);
    let spec = RecordSpec {
        spikes: true,
        bins: Some(Bins::Count(7)),
        traces: Some(TraceSpec {
            tau_ms: 12.0,
            samples: TraceSamples::Even(6),
            mean: true,
            last: true,
        }),
        ..RecordSpec::default()
    };
    let rec = net.run(Drive::Spikes(&inp), n_steps, &spec, 0, 0).unwrap();
    let sp = rec.spikes.as_ref().unwrap();
    assert!(sp.n_spikes() > 100);
    let n = net.n_neurons();
    let mut bins = Array2::<Real>::zeros((7, n));
    for (s, i) in sp.iter() {
        bins[[s * 7 / n_steps, i as usize]] += 1.0;
    }
    assert_eq!(rec.bin_counts.as_ref().unwrap(), &bins);
    // Traces by direct summation of exponentials.
    let steps = &rec.trace_steps;
    assert_eq!(steps, &vec![499, 999, 1499, 1999, 2499, 3000]);
    let tr = rec.traces.as_ref().unwrap();
    let decay: Real = (-0.1 / 12.0_f64).exp();
    for (k, &t) in steps.iter().enumerate() {
        let mut want = vec![0.0; n];
        for (s, i) in sp.iter() {
            if s <= t {
                want[i as usize] += decay.powi((t - s) as i32);
            }
        }
        for i in 0..n {
            assert!((tr[[k, i]] - want[i]).abs() < 1e-9, "sample {k} neuron {i}");
        }
    }
    let last = rec.trace_last.as_ref().unwrap();
    for i in 0..n {
        assert_eq!(last[i], tr[[5, i]]);
    }
    // Mean: the time average of the trace ≈ rate × τ, exactly Σ_t trace(t) / n_steps.
    let mean = rec.trace_mean.as_ref().unwrap();
    let i0 = (0..n).max_by_key(|&i| sp.counts()[i]).unwrap();
    let mut sum = 0.0;
    for t in 0..n_steps {
        for (s, i) in sp.iter() {
            if i as usize == i0 && s <= t {
                sum += decay.powi((t - s) as i32);
            }
        }
    }
    assert!((mean[i0] - sum / n_steps as Real).abs() < 1e-9);
    // Fixed-width bins: 10 ms bins over 300.1 ms → 31 bins, the last partial.
    let spec = RecordSpec {
        bins: Some(Bins::WidthMs(10.0)),
        ..RecordSpec::default()
    };
    let rec = net.run(Drive::Spikes(&inp), n_steps, &spec, 0, 0).unwrap();
    let b = rec.bin_counts.unwrap();
    assert_eq!(b.nrows(), 31);
    assert_eq!(b.sum() as usize, sp.n_spikes());
    assert_eq!(
        b.row(0).sum() as usize,
        (0..100).map(|s| sp.at(s).len()).sum::<usize>()
    );
}

#[test]
fn analog_drive_equals_bias_current() {
    // x[t, k] through the input weights acts as a current; a constant drive equals a bias.
    let mut spec = small_net(0.0);
    spec.neuron.i_bias_na = Param::Scalar(0.0);
    let net = Network::from_spec(&spec).unwrap();
    let n_steps = 2000;
    let x = Array2::from_elem((n_steps, 5), 10.0);
    let ra = net
        .run(
            Drive::Current(x.view()),
            n_steps,
            &RecordSpec::default(),
            0,
            0,
        )
        .unwrap();
    let mut bias = vec![0.0; spec.n_neurons];
    for k in 0..spec.input.len() {
        bias[spec.input.post[k] as usize] += 10.0 * spec.input.weight[k];
    }
    let mut spec_b = spec.clone();
    spec_b.neuron.i_bias_na = Param::PerNeuron(bias);
    let rb = Network::from_spec(&spec_b)
        .unwrap()
        .run(Drive::None, n_steps, &RecordSpec::default(), 0, 0)
        .unwrap();
    assert!(ra.n_spikes > 100);
    // Same current, summed in another order: spike trains agree except for rare rounding ties.
    let (a, b) = (ra.spikes.unwrap(), rb.spikes.unwrap());
    let common = a.iter().filter(|e| b.iter().any(|f| f == *e)).count();
    assert!(
        common as Real > 0.99 * a.n_spikes() as Real,
        "{common} of {}",
        a.n_spikes()
    );
}

#[test]
fn bad_drives_are_errors() {
    let net = Network::from_spec(&small_net(0.0)).unwrap();
    let wrong = SpikeTrains::empty(4, 0.1, 10);
    assert!(net
        .run(Drive::Spikes(&wrong), 10, &RecordSpec::default(), 0, 0)
        .is_err());
    let wrong_dt = SpikeTrains::empty(5, 1.0, 10);
    assert!(net
        .run(Drive::Spikes(&wrong_dt), 10, &RecordSpec::default(), 0, 0)
        .is_err());
    let x = Array2::<Real>::zeros((10, 3));
    assert!(net
        .run(Drive::Current(x.view()), 10, &RecordSpec::default(), 0, 0)
        .is_err());
    let spec = RecordSpec {
        traces: Some(TraceSpec {
            samples: TraceSamples::Even(11),
            ..TraceSpec::default()
        }),
        ..RecordSpec::default()
    };
    assert!(net.run(Drive::None, 10, &spec, 0, 0).is_err());
}

#[test]
fn membrane_samples_equal_the_full_membrane_recording() {
    let net = Network::from_spec(&small_net(0.3)).unwrap();
    let a = input(4, 1200);
    let steps = vec![0, 99, 500, 1198];
    let spec = RecordSpec {
        v: true,
        traces: Some(TraceSpec {
            samples: TraceSamples::Steps(steps.clone()),
            ..TraceSpec::default()
        }),
        v_samples: true,
        ..RecordSpec::default()
    };
    let r = net.run(Drive::Spikes(&a), 1200, &spec, 5, 0).unwrap();
    assert!(r.n_spikes > 10);
    let (v, vs) = (r.v.as_ref().unwrap(), r.v_samples.as_ref().unwrap());
    assert_eq!(vs.nrows(), steps.len());
    // `v` row t is the membrane before step t's update, i.e. at the end of step t - 1.
    for (k, &s) in steps.iter().enumerate() {
        assert_eq!(vs.row(k), v.row(s + 1), "sample at step {s}");
    }
    let e = net
        .run(
            Drive::Spikes(&a),
            1200,
            &RecordSpec {
                v_samples: true,
                ..RecordSpec::default()
            },
            5,
            0,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("v_samples"), "{e}");
}

#[test]
fn membrane_of_selected_neurons_is_those_columns_of_the_full_recording() {
    let net = Network::from_spec(&small_net(0.0)).unwrap();
    let n_steps = 400;
    let inp = input(9, n_steps);
    let all = RecordSpec {
        v: true,
        ..RecordSpec::default()
    };
    let full = net.run(Drive::Spikes(&inp), n_steps, &all, 0, 0).unwrap();
    let full_v = full.v.as_ref().unwrap();
    assert_eq!(full_v.dim(), (n_steps, 120));
    let sel = vec![119, 3, 3, 0];
    let some = RecordSpec {
        v: true,
        v_neurons: Some(sel.clone()),
        ..RecordSpec::default()
    };
    let rec = net.run(Drive::Spikes(&inp), n_steps, &some, 0, 0).unwrap();
    let v = rec.v.as_ref().unwrap();
    assert_eq!(v.dim(), (n_steps, sel.len()));
    for (j, &i) in sel.iter().enumerate() {
        assert_eq!(v.column(j), full_v.column(i), "column {j} = neuron {i}");
    }
    // The potentials move (the selection is not of constant columns), and the spikes are
    // those of the run that recorded every neuron.
    assert!(v.column(0).iter().any(|&x| x != v[[0, 0]]));
    assert_eq!(rec.spikes, full.spikes);

    let bad = RecordSpec {
        v: true,
        v_neurons: Some(vec![0, 120]),
        ..RecordSpec::default()
    };
    let e = net
        .run(Drive::Spikes(&inp), n_steps, &bad, 0, 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("v_neurons") && e.contains("120"), "{e}");
}
