//! The Maass et al. (2002) spike-pattern task: determinism, exact templates at zero jitter,
//! the Poisson rate and the jitter's spread (statistical bounds that fail by chance with
//! probability far below 1e-6), strict configs, and writing the dataset.

use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_datasets::spike_patterns::{generate, write_dataset, SpikePatternConfig, Template};
use lsm_datasets::{SpikeDataset, Split};

fn small() -> SpikePatternConfig {
    SpikePatternConfig {
        n_templates: 3,
        n_channels: 12,
        duration_ms: 100.0,
        rate_hz: 30.0,
        jitter_ms: 2.0,
        dt_ms: 0.5,
        n_train: 4,
        n_test: 2,
        segments: 0,
    }
}

/// The template on the grid, computed independently of the generator.
fn on_grid(cfg: &SpikePatternConfig, t: &Template) -> SpikeTrains {
    let n = cfg.n_steps();
    let ev = t.iter().enumerate().flat_map(|(c, times)| {
        times
            .iter()
            .map(move |&x| (((x / cfg.dt_ms).round() as usize).min(n - 1), c))
    });
    SpikeTrains::from_events(cfg.n_channels, cfg.dt_ms, n, ev.collect::<Vec<_>>()).unwrap()
}

#[test]
fn same_seed_same_samples_whatever_the_threads() {
    let cfg = small();
    let run = |threads: usize, seed: u64| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| generate(&cfg, seed).unwrap())
    };
    let a = run(1, 7);
    assert_eq!(a.len(), 3 * (4 + 2));
    assert_eq!(a, run(3, 7));
    let b = run(2, 8);
    assert_ne!(
        a.iter().map(|s| &s.spikes).collect::<Vec<_>>(),
        b.iter().map(|s| &s.spikes).collect::<Vec<_>>()
    );
    // Order and labels: train then test, class by class within each repetition.
    assert_eq!(a[0].name, "train_p0_0000");
    assert_eq!(a[4].label, "1");
    assert_eq!(a[4].split, Split::Train);
    assert_eq!(a[12].split, Split::Test);
    assert_eq!(a[17].name, "test_p2_0001");
    for s in &a {
        assert_eq!(s.spikes.n_steps(), 200);
        assert_eq!(s.spikes.n_channels(), 12);
    }
}

#[test]
fn zero_jitter_reproduces_each_template_exactly() {
    let cfg = SpikePatternConfig {
        jitter_ms: 0.0,
        ..small()
    };
    let templates = cfg.templates(11).unwrap();
    let samples = generate(&cfg, 11).unwrap();
    for s in &samples {
        let k: usize = s.label.parse().unwrap();
        assert_eq!(s.spikes, on_grid(&cfg, &templates[k]));
    }
    // The templates differ from each other, and with jitter the samples differ from them.
    assert_ne!(on_grid(&cfg, &templates[0]), on_grid(&cfg, &templates[1]));
    let jittered = generate(&small(), 11).unwrap();
    assert_ne!(jittered[0].spikes, on_grid(&cfg, &templates[0]));
    assert_eq!(jittered[0].spikes.n_spikes(), samples[0].spikes.n_spikes());
}

#[test]
fn template_rate_matches_rate_hz() {
    // N spikes over K*C channels of T ms is Poisson with mean lambda = K C r T / 1000. The
    // Chernoff bound P(|N - lambda| >= a) <= 2 exp(-a^2 / (2 (lambda + a/3))) is 4e-8 for
    // a = 6 sqrt(lambda) at lambda = 16000.
    let cfg = SpikePatternConfig {
        n_templates: 4,
        n_channels: 200,
        duration_ms: 1000.0,
        rate_hz: 20.0,
        ..SpikePatternConfig::default()
    };
    let lambda: Real = 4.0 * 200.0 * 20.0;
    for seed in [1, 2] {
        let t = cfg.templates(seed).unwrap();
        let n: usize = t.iter().flatten().map(Vec::len).sum();
        assert!(
            (n as Real - lambda).abs() < 6.0 * lambda.sqrt(),
            "seed {seed}: {n} spikes, expected about {lambda}"
        );
        for times in t.iter().flatten() {
            assert!(times.windows(2).all(|w| w[0] < w[1]));
            assert!(times.iter().all(|&x| (0.0..1000.0).contains(&x)));
        }
    }
    let silent = SpikePatternConfig {
        rate_hz: 0.0,
        ..small()
    };
    assert!(generate(&silent, 1)
        .unwrap()
        .iter()
        .all(|s| s.spikes.n_spikes() == 0));
}

#[test]
fn jitter_spread_matches_jitter_ms() {
    // One spike per channel at T/2, far from the edges (5 sigma), so every displacement is
    // known: displacement = step * dt - T/2, variance sigma^2 + dt^2/12 (rounding). With
    // n = 20000 the sample variance has standard deviation sqrt(2/n) (sigma^2 + dt^2/12),
    // about 0.16; a 6-deviation bound fails by chance with probability ~ 1e-9.
    let cfg = SpikePatternConfig {
        n_channels: 1000,
        jitter_ms: 4.0,
        ..SpikePatternConfig::default()
    };
    let mid = cfg.duration_ms / 2.0;
    let template: Template = vec![vec![mid]; cfg.n_channels];
    let mut d = Vec::new();
    for i in 0..20u64 {
        let st = cfg.jittered(&template, &mut rng_for(3, stream::SPIKE_JITTER + i));
        assert_eq!(st.n_spikes(), cfg.n_channels);
        d.extend(st.iter().map(|(s, _)| s as Real * cfg.dt_ms - mid));
    }
    let n = d.len() as Real;
    let mean = d.iter().sum::<Real>() / n;
    let var = d.iter().map(|x| (x - mean) * (x - mean)).sum::<Real>() / (n - 1.0);
    let expect: Real = 16.0 + 1.0 / 12.0;
    assert!(mean.abs() < 6.0 * expect.sqrt() / n.sqrt(), "mean {mean}");
    let sd_var = expect * (2.0 / (n - 1.0)).sqrt();
    assert!(
        (var - expect).abs() < 6.0 * sd_var,
        "variance {var}, expected {expect}"
    );
}

#[test]
fn configs_are_strict_and_checked() {
    let err = |json: &str| {
        lsm_core::error_chain(
            &SpikePatternConfig::from_json(json.as_bytes(), "sp.json").unwrap_err(),
        )
    };
    let c = SpikePatternConfig::from_json(br#"{"n_templates": 5}"#, "sp.json").unwrap();
    assert_eq!(c.n_templates, 5);
    assert_eq!(c.n_channels, 40);
    let e = err(r#"{"n_template": 5}"#);
    assert!(e.contains("sp.json") && e.contains("n_template"), "{e}");
    let e = err(r#"{"jitter_ms": -1}"#);
    assert!(e.contains("jitter_ms") && e.contains(">= 0"), "{e}");
    let e = err(r#"{"dt_ms": 0}"#);
    assert!(e.contains("dt_ms"), "{e}");
    let e = err(r#"{"duration_ms": 0.1}"#);
    assert!(
        e.contains("duration_ms") && e.contains("at least one"),
        "{e}"
    );
    let e = err(r#"{"n_templates": 0}"#);
    assert!(e.contains("n_templates"), "{e}");
    let e = err(r#"{"n_train": 0, "n_test": 0}"#);
    assert!(e.contains("n_train"), "{e}");
    let e = err(r#"{"duration_ms": 1e12}"#);
    assert!(e.contains("steps") && e.contains("--allow-large"), "{e}");
    let e = err(r#"{"n_train": 100000000}"#);
    assert!(
        e.contains("memory_bytes") && e.contains("--allow-large"),
        "{e}"
    );
    let e = err(r#"{"n_channels": 2000000}"#);
    assert!(
        e.contains("n_channels") && e.contains("--allow-large"),
        "{e}"
    );
}

#[test]
fn written_dataset_reads_back() {
    let cfg = small();
    let samples = generate(&cfg, 5).unwrap();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sp");
    write_dataset(&dir, &cfg, 5, &samples).unwrap();
    let ds = SpikeDataset::open(&dir).unwrap();
    assert_eq!(ds.info().n_channels, Some(12));
    assert_eq!(ds.info().duration_ms, Some(100.0));
    assert_eq!(ds.info().meta["seed"], 5);
    assert_eq!(ds.info().meta["config"]["n_templates"], 3);
    assert_eq!(ds.classes(), ["0", "1", "2"]);
    assert_eq!(ds.select(Split::Test, &[]).unwrap().len(), 6);
    for (it, s) in ds.items().iter().zip(&samples) {
        assert_eq!(it.label, s.label);
        assert_eq!(ds.read(it, cfg.dt_ms).unwrap(), s.spikes);
    }
}

/// The segment task: `S × K` templates of `T / S` ms, each sample showing template `b_s` of
/// position `s` in segment `s`, label = sum of the bits mod K (parity with K = 2).
fn segments(s: usize, k: usize) -> SpikePatternConfig {
    SpikePatternConfig {
        n_templates: k,
        n_channels: 10,
        duration_ms: 100.0 * s as Real,
        rate_hz: 40.0,
        jitter_ms: 0.0,
        dt_ms: 1.0,
        n_train: 30,
        n_test: 10,
        segments: s,
    }
}

#[test]
fn segment_labels_are_the_parity_of_the_segment_bits() {
    for (s, k) in [(2, 2), (3, 2), (3, 3)] {
        let cfg = segments(s, k);
        let all = generate(&cfg, 5).unwrap();
        assert_eq!(all.len(), k * 40);
        let mut combos = std::collections::BTreeSet::new();
        for x in &all {
            assert_eq!(x.symbols.len(), s);
            assert!(x.symbols.iter().all(|&b| b < k));
            let sum: usize = x.symbols.iter().sum();
            assert_eq!(
                x.label,
                (sum % k).to_string(),
                "{}: {:?}",
                x.name,
                x.symbols
            );
            combos.insert(x.symbols.clone());
        }
        // Every combination of bits occurs (k^s of them, 40 k samples).
        assert_eq!(combos.len(), k.pow(s as u32), "S = {s}, K = {k}");
        // Balanced classes, as for the whole-template task.
        for c in 0..k {
            let n = all.iter().filter(|x| x.label == c.to_string()).count();
            assert_eq!(n, 40);
        }
    }
}

#[test]
fn segments_show_their_templates_in_place() {
    let cfg = segments(3, 2);
    let templates = cfg.templates(9).unwrap();
    assert_eq!(templates.len(), 6);
    assert!((cfg.segment_ms() - 100.0).abs() < 1e-12);
    for t in &templates {
        assert!(t.iter().flatten().all(|&x| (0.0..100.0).contains(&x)));
    }
    // Without jitter, a sample is the concatenation of its segments' templates, each shifted
    // by its segment's start (built here independently of the generator).
    for x in generate(&cfg, 9).unwrap().iter().take(12) {
        let shifted: Template = (0..cfg.n_channels)
            .map(|c| {
                x.symbols
                    .iter()
                    .enumerate()
                    .flat_map(|(s, &b)| {
                        templates[s * 2 + b][c]
                            .iter()
                            .map(move |&t| t + 100.0 * s as Real)
                    })
                    .collect()
            })
            .collect();
        assert_eq!(x.spikes, on_grid(&cfg, &shifted), "{}", x.name);
    }
    // The whole-template task (segments 0) draws its templates exactly as before: the first
    // K templates of the stream, over the whole duration.
    let whole = SpikePatternConfig {
        segments: 0,
        ..cfg.clone()
    };
    let w = whole.templates(9).unwrap();
    assert_eq!(w.len(), 2);
    assert!(w.iter().flatten().flatten().any(|&x| x >= 100.0));
}

#[test]
fn too_many_segments_are_refused() {
    let cfg = SpikePatternConfig {
        segments: 301,
        ..segments(3, 2)
    };
    let e = cfg.check().unwrap_err().to_string();
    assert!(e.contains("segments") && e.contains("300 steps"), "{e}");
    let cfg =
        SpikePatternConfig::from_json(br#"{"segments": 2, "duration_ms": 200}"#, "c.json").unwrap();
    assert_eq!((cfg.segments, cfg.n_templates), (2, 2));
}
