//! Generators: connection statistics against their specification, Dale's law, Maass column
//! distance dependence, small-world rewiring, weight distributions, spectral radius.

use lsm_core::Real;
use lsm_reservoir::generate::{excitatory_mask, maass_positions};
use lsm_reservoir::spectral::{arnoldi_radius, spectral_radius};
use lsm_reservoir::{GeneratorConfig, InputConfig, NetworkSpec, PairScale, Topology, WeightDist};
use std::collections::HashSet;

fn cfg(n: usize, topology: Topology) -> GeneratorConfig {
    GeneratorConfig {
        n_neurons: Some(n),
        topology,
        ..GeneratorConfig::default()
    }
}

fn check_dale_and_no_autapse(spec: &NetworkSpec) -> Vec<bool> {
    let exc = excitatory_mask(spec).expect("generator stores the E/I mask");
    let r = &spec.recurrent;
    for k in 0..r.len() {
        assert_ne!(r.pre[k], r.post[k], "autapse");
        let w = r.weight[k];
        if exc[r.pre[k] as usize] {
            assert!(w > 0.0, "Dale: excitatory synapse {k} has weight {w}");
        } else {
            assert!(w < 0.0, "Dale: inhibitory synapse {k} has weight {w}");
        }
    }
    exc
}

fn no_multapses(spec: &NetworkSpec) {
    let r = &spec.recurrent;
    let set: HashSet<(u32, u32)> = r.pre.iter().zip(&r.post).map(|(&a, &b)| (a, b)).collect();
    assert_eq!(set.len(), r.len(), "duplicate synapses");
}

#[test]
fn random_topology_probability_and_ei_fraction() {
    let n = 800;
    let p = 0.1;
    let spec = cfg(n, Topology::Random { p }).generate(3, 1).unwrap();
    let exc = check_dale_and_no_autapse(&spec);
    no_multapses(&spec);
    assert_eq!(exc.iter().filter(|&&e| e).count(), 640);
    let pairs = (n * (n - 1)) as Real;
    let m = spec.recurrent.len() as Real;
    let sd = (pairs * p * (1.0 - p)).sqrt();
    assert!(
        (m - pairs * p).abs() < 5.0 * sd,
        "{m} synapses, expected {} ± {sd}",
        pairs * p
    );
    // Per pair type: E→I etc. all share p.
    let mut cnt = [[0.0; 2]; 2];
    for k in 0..spec.recurrent.len() {
        cnt[exc[spec.recurrent.pre[k] as usize] as usize]
            [exc[spec.recurrent.post[k] as usize] as usize] += 1.0;
    }
    let ne = 640.0;
    let ni = 160.0;
    for (a, na) in [(0, ni), (1, ne)] {
        for (b, nb) in [(0, ni), (1, ne)] {
            let pairs = if a == b { na * (na - 1.0) } else { na * nb };
            let sd = (pairs * p * (1.0 - p)).sqrt();
            assert!(
                (cnt[a][b] - pairs * p).abs() < 5.0 * sd,
                "pair {a}{b}: {}",
                cnt[a][b]
            );
        }
    }
    // Constant weights with the default scales and signs.
    for k in 0..spec.recurrent.len() {
        let (a, b) = (
            exc[spec.recurrent.pre[k] as usize],
            exc[spec.recurrent.post[k] as usize],
        );
        let want = GeneratorConfig::default().weight_scale.get(a, b) * if a { 1.0 } else { -1.0 };
        assert_eq!(spec.recurrent.weight[k], want);
    }
}

#[test]
fn fixed_in_and_out_degree() {
    let n = 300;
    for (topo, incoming) in [
        (Topology::FixedInDegree { k: 25 }, true),
        (Topology::FixedOutDegree { k: 25 }, false),
    ] {
        let spec = cfg(n, topo).generate(0, 2).unwrap();
        check_dale_and_no_autapse(&spec);
        no_multapses(&spec);
        let mut deg = vec![0usize; n];
        let idx = if incoming {
            &spec.recurrent.post
        } else {
            &spec.recurrent.pre
        };
        for &j in idx {
            deg[j as usize] += 1;
        }
        assert!(deg.iter().all(|&d| d == 25), "degrees {:?}", &deg[..10]);
        // The other side is random: its degrees vary.
        let other = if incoming {
            &spec.recurrent.pre
        } else {
            &spec.recurrent.post
        };
        let mut od = vec![0usize; n];
        for &j in other {
            od[j as usize] += 1;
        }
        assert!(od.iter().any(|&d| d != 25));
    }
}

#[test]
fn maass_column_distance_dependence() {
    let c = PairScale {
        ee: 0.3,
        ei: 0.2,
        ie: 0.4,
        ii: 0.1,
    };
    let lambda = 2.0;
    let config = GeneratorConfig {
        topology: Topology::MaassColumn {
            grid: [15, 3, 3],
            columns: 2,
            lambda,
            c,
        },
        ..GeneratorConfig::default()
    };
    let mut expected = 0.0;
    let mut var = 0.0;
    let mut actual = 0.0;
    // Per squared-distance class (EE pairs only): observed vs expected counts.
    let mut by_d2: std::collections::BTreeMap<i64, (Real, Real, Real)> = Default::default();
    for seed in 0..3 {
        let spec = config.generate(0, seed).unwrap();
        assert_eq!(spec.n_neurons, 270);
        let exc = check_dale_and_no_autapse(&spec);
        no_multapses(&spec);
        let pos = maass_positions([15, 3, 3], 270);
        let set: HashSet<(u32, u32)> = spec
            .recurrent
            .pre
            .iter()
            .zip(&spec.recurrent.post)
            .map(|(&a, &b)| (a, b))
            .collect();
        for i in 0..270 {
            for j in 0..270 {
                if i == j {
                    continue;
                }
                let d2: Real = (0..3).map(|a| (pos[i][a] - pos[j][a]).powi(2)).sum();
                let p = c.get(exc[i], exc[j]) * (-d2 / (lambda * lambda)).exp();
                let hit = set.contains(&(i as u32, j as u32)) as i32 as Real;
                expected += p;
                var += p * (1.0 - p);
                actual += hit;
                if exc[i] && exc[j] {
                    let e = by_d2.entry(d2 as i64).or_default();
                    e.0 += p;
                    e.1 += p * (1.0 - p);
                    e.2 += hit;
                }
            }
        }
        // Columns are side by side: nothing connects across x distance > ~4λ.
        for k in 0..spec.recurrent.len() {
            let (a, b) = (
                spec.recurrent.pre[k] as usize,
                spec.recurrent.post[k] as usize,
            );
            assert!((pos[a][0] - pos[b][0]).abs() < 10.0);
        }
    }
    assert!(
        (actual - expected).abs() < 5.0 * var.sqrt(),
        "{actual} vs {expected}"
    );
    let mut checked = 0;
    for (d2, (e, v, a)) in by_d2 {
        if e > 30.0 {
            assert!(
                (a - e).abs() < 5.0 * v.sqrt() + 1.0,
                "D² = {d2}: {a} vs {e}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} distance classes tested");
}

#[test]
fn small_world_rewiring_fraction() {
    let (n, k, beta) = (1000usize, 10usize, 0.2);
    let spec = cfg(n, Topology::SmallWorld { k, beta })
        .generate(0, 3)
        .unwrap();
    check_dale_and_no_autapse(&spec);
    no_multapses(&spec);
    assert_eq!(spec.recurrent.len(), n * k);
    let mut deg = vec![0usize; n];
    let mut off_lattice = 0.0;
    for (&a, &b) in spec.recurrent.pre.iter().zip(&spec.recurrent.post) {
        deg[a as usize] += 1;
        let d = (a as i64 - b as i64).rem_euclid(n as i64);
        let ring = d.min(n as i64 - d);
        if ring > (k / 2) as i64 {
            off_lattice += 1.0;
        }
    }
    assert!(deg.iter().all(|&d| d == k));
    let m = (n * k) as Real;
    let rewired = spec.meta.as_ref().unwrap()["rewired"].as_f64().unwrap();
    let sd = (m * beta * (1.0 - beta)).sqrt();
    assert!(
        (rewired - m * beta).abs() < 5.0 * sd,
        "rewired {rewired} of {m}"
    );
    // A rewired edge lands back on the lattice only with probability ~k/n.
    assert!(
        off_lattice <= rewired && off_lattice > rewired * 0.97,
        "{off_lattice} vs {rewired}"
    );
    // beta = 0 is the pure ring lattice.
    let ring = cfg(n, Topology::SmallWorld { k, beta: 0.0 })
        .generate(0, 3)
        .unwrap();
    assert!(ring
        .recurrent
        .pre
        .iter()
        .zip(&ring.recurrent.post)
        .all(|(&a, &b)| {
            let d = (a as i64 - b as i64).rem_euclid(n as i64);
            d.min(n as i64 - d) <= 5
        }));
}

#[test]
fn weight_distributions_have_their_moments() {
    for (dist, mean, cv) in [
        (WeightDist::Gamma { shape: 4.0 }, 1.0, 0.5),
        (
            WeightDist::Lognormal { sigma: 0.5 },
            1.0,
            (0.25_f64.exp() - 1.0).sqrt(),
        ),
        (
            WeightDist::Uniform {
                low: 0.5,
                high: 1.5,
            },
            1.0,
            (1.0 / 12.0_f64).sqrt(),
        ),
    ] {
        let config = GeneratorConfig {
            n_neurons: Some(500),
            weight_dist: dist,
            ..GeneratorConfig::default()
        };
        let spec = config.generate(0, 4).unwrap();
        let exc = check_dale_and_no_autapse(&spec);
        // E→E weights: scale 3.0 × ξ.
        let w: Vec<Real> = (0..spec.recurrent.len())
            .filter(|&k| {
                exc[spec.recurrent.pre[k] as usize] && exc[spec.recurrent.post[k] as usize]
            })
            .map(|k| spec.recurrent.weight[k] / 3.0)
            .collect();
        let m = w.iter().sum::<Real>() / w.len() as Real;
        let sd = (w.iter().map(|x| (x - m).powi(2)).sum::<Real>() / w.len() as Real).sqrt();
        let se = cv / (w.len() as Real).sqrt();
        assert!((m - mean).abs() < 5.0 * se, "{dist:?}: mean {m}");
        assert!((sd / m - cv).abs() < 0.05 * cv, "{dist:?}: cv {}", sd / m);
    }
}

#[test]
fn input_projection_fraction_and_scales() {
    let config = GeneratorConfig {
        n_neurons: Some(400),
        input: InputConfig {
            fraction: 0.25,
            scale_exc: 1.5,
            scale_inh: 0.5,
            ..InputConfig::default()
        },
        ..GeneratorConfig::default()
    };
    let spec = config.generate(8, 5).unwrap();
    let exc = excitatory_mask(&spec).unwrap();
    let mut per = vec![HashSet::new(); 8];
    for k in 0..spec.input.len() {
        per[spec.input.pre[k] as usize].insert(spec.input.post[k]);
        let want = if exc[spec.input.post[k] as usize] {
            1.5
        } else {
            0.5
        };
        assert_eq!(spec.input.weight[k], want);
    }
    assert!(per.iter().all(|s| s.len() == 100));
    assert_ne!(per[0], per[1]);
}

#[test]
fn spectral_radius_rescaling_is_exact() {
    for (n, topo) in [
        (300, Topology::Random { p: 0.1 }),
        (200, Topology::SmallWorld { k: 6, beta: 0.3 }),
    ] {
        let config = GeneratorConfig {
            n_neurons: Some(n),
            weight_dist: WeightDist::Gamma { shape: 2.0 },
            spectral_radius: Some(0.95),
            topology: topo,
            ..GeneratorConfig::default()
        };
        let spec = config.generate(0, 6).unwrap();
        let r = &spec.recurrent;
        let rho = spectral_radius(n, &r.pre, &r.post, &r.weight);
        assert!((rho - 0.95).abs() < 1e-6, "{rho}");
        // Independent check: ‖W^k x‖^(1/k) tends to ρ from a generic start.
        let mut x: Vec<Real> = (0..n).map(|i| ((i * 7919) % 13) as Real + 1.0).collect();
        let mut log_growth = 0.0;
        let iters = 3000;
        for _ in 0..iters {
            let mut y = vec![0.0; n];
            for k in 0..r.len() {
                y[r.post[k] as usize] += r.weight[k] * x[r.pre[k] as usize];
            }
            let nrm = y.iter().map(|a| a * a).sum::<Real>().sqrt();
            log_growth += nrm.ln();
            x = y.iter().map(|a| a / nrm).collect();
        }
        let est = (log_growth / iters as Real).exp();
        assert!((est - 0.95).abs() < 0.01, "power-iteration growth {est}");
    }
}

#[test]
fn arnoldi_agrees_with_dense_on_ei_network() {
    let n = 600;
    let spec = cfg(n, Topology::Random { p: 0.1 }).generate(0, 8).unwrap();
    let r = &spec.recurrent;
    let dense = spectral_radius(n, &r.pre, &r.post, &r.weight);
    let arn = arnoldi_radius(n, &r.pre, &r.post, &r.weight, 300);
    assert!(
        (dense - arn).abs() < 1e-6 * dense,
        "dense {dense} vs Arnoldi {arn}"
    );
}

#[test]
fn bad_configs_name_the_field() {
    let cases = [
        (
            r#"{"topology": {"kind": "random", "p": 1.5}}"#,
            "topology.p",
        ),
        (r#"{"frac_exc": -0.1}"#, "frac_exc"),
        (
            r#"{"n_neurons": 10, "topology": {"kind": "fixed_in_degree", "k": 10}}"#,
            "topology.k",
        ),
        (
            r#"{"n_neurons": 100, "topology": {"kind": "maass_column"}}"#,
            "n_neurons",
        ),
        (
            r#"{"weight_dist": {"kind": "gamma", "shape": 0}}"#,
            "weight_dist",
        ),
        (r#"{"bogus": 1}"#, "bogus"),
        (r#"{"topology": {"kind": "random", "p": 0.1, "q": 2}}"#, "q"),
        (
            r#"{"neuron": {"model": "lif", "tau_m_ms": -1, "r_mohm": 1, "v_rest_mv": 0, "v_reset_mv": 0, "v_th_mv": 1, "t_ref_ms": 0, "synapse": "delta"}}"#,
            "tau_m_ms",
        ),
    ];
    for (text, field) in cases {
        let e = GeneratorConfig::from_json_str(text, "gen.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains(field), "{text}: {e}");
    }
    // `{}` is the default config.
    assert_eq!(
        GeneratorConfig::from_json_str("{}", "gen.json").unwrap(),
        GeneratorConfig::default()
    );
}

#[test]
fn a_config_over_a_base_takes_the_omitted_fields_from_the_base() {
    let base = GeneratorConfig {
        dt_ms: 1.0,
        n_neurons: Some(300),
        delay: lsm_reservoir::Delay::Constant { ms: 0.0 },
        input: InputConfig {
            fraction: 0.5,
            bernoulli: true,
            ..InputConfig::default()
        },
        ..GeneratorConfig::default()
    };
    assert_eq!(
        GeneratorConfig::from_json_str_over("{}", "gen.json", &base).unwrap(),
        base
    );
    // A given field replaces the base's; a given object is taken whole (its own omitted
    // fields at their type's defaults), the other fields stay the base's.
    let c = GeneratorConfig::from_json_str_over(
        r#"{"n_neurons": 50, "input": {"scale_exc": 3.0}}"#,
        "gen.json",
        &base,
    )
    .unwrap();
    let want = GeneratorConfig {
        n_neurons: Some(50),
        input: InputConfig {
            scale_exc: 3.0,
            ..InputConfig::default()
        },
        ..base.clone()
    };
    assert_eq!(c, want);
    // `null` for an optional field is given: it replaces the base's value.
    let c =
        GeneratorConfig::from_json_str_over(r#"{"n_neurons": null}"#, "gen.json", &base).unwrap();
    assert_eq!(c.n_neurons, None);
    // Errors point into the text (file, line and column), or name the field of the merged
    // config as `from_json_str` does.
    for (text, want) in [
        (
            "{\n \"bogus\": 1}",
            "gen.json: invalid generator config: unknown field `bogus`",
        ),
        (
            r#"{"dt_ms": "1"}"#,
            "gen.json: invalid generator config: invalid type",
        ),
        (
            r#"{"frac_exc": 2}"#,
            "field `frac_exc`: expected 0..=1, found 2",
        ),
        (r#"{"n_neurons": 1, "n_neurons": 2}"#, "gen.json"),
        ("[]", "gen.json"),
    ] {
        let e = GeneratorConfig::from_json_str_over(text, "gen.json", &base)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{text}: {e}");
        if text.contains("bogus") {
            assert!(e.contains("line 2"), "{e}");
        }
    }
}

#[test]
fn generation_is_deterministic_per_seed() {
    let c = cfg(200, Topology::Random { p: 0.1 });
    assert_eq!(c.generate(2, 9).unwrap(), c.generate(2, 9).unwrap());
    assert_ne!(
        c.generate(2, 9).unwrap().recurrent,
        c.generate(2, 10).unwrap().recurrent
    );
}

/// `balance_rows` (Nicola & Clopath's row balance): the same synapses, every neuron's incoming
/// weights shifted by one amount so that they sum to zero.
#[test]
fn balance_rows_zeroes_every_incoming_sum() {
    let mut c = cfg(200, Topology::Random { p: 0.1 });
    c.frac_exc = 0.5;
    c.weight_dist = WeightDist::Lognormal { sigma: 0.5 };
    let plain = c.generate(1, 7).unwrap();
    c.balance_rows = true;
    let bal = c.generate(1, 7).unwrap();
    let (p, q) = (&plain.recurrent, &bal.recurrent);
    assert_eq!((&p.pre, &p.post), (&q.pre, &q.post));
    let mut sum = vec![0.0; 200];
    let mut shift: Vec<Option<Real>> = vec![None; 200];
    for k in 0..p.len() {
        let j = p.post[k] as usize;
        sum[j] += q.weight[k];
        let s = q.weight[k] - p.weight[k];
        let s0 = *shift[j].get_or_insert(s);
        assert!((s - s0).abs() < 1e-12, "neuron {j}: shifts {s0} and {s}");
    }
    assert!(sum.iter().all(|s| s.abs() < 1e-9), "{sum:?}");
    // The unbalanced sums were not zero.
    assert!(shift.iter().flatten().any(|s| s.abs() > 0.1), "{shift:?}");
}
