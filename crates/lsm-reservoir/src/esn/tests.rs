//! Unit tests of the echo state network.

use super::*;

#[test]
fn fixed_in_degree_and_determinism() {
    let cfg = EsnConfig {
        n_units: 50,
        in_degree: 5,
        ..EsnConfig::default()
    };
    let a = Esn::build(&cfg, 2, 7).unwrap();
    let b = Esn::build(&cfg, 2, 7).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.n_connections(), 250);
    for i in 0..50 {
        assert_eq!(a.indptr[i + 1] - a.indptr[i], 5);
    }
    let c = Esn::build(&cfg, 2, 8).unwrap();
    assert_ne!(a, c);
}

#[test]
fn tanh_fast_within_4_ulp() {
    let ulp = |v: Real| {
        let b = v.abs().to_bits();
        Real::from_bits(b + 1) - v.abs()
    };
    let mut worst: Real = 0.0;
    let mut x: Real = -30.0;
    while x < 30.0 {
        for v in [x, x * 1e-3, x * 1e-9] {
            let (a, b) = (tanh_fast(v), v.tanh());
            let e = (a - b).abs() / ulp(b).max(Real::MIN_POSITIVE);
            worst = worst.max(e);
        }
        x += 0.000_731;
    }
    assert!(worst <= 4.0, "worst error {worst} ulp");
    assert_eq!(tanh_fast(0.0), 0.0);
    assert_eq!(tanh_fast(40.0), 1.0);
    assert_eq!(tanh_fast(-1e300), -1.0);
    assert!(tanh_fast(Real::NAN).is_nan());
}

#[test]
fn simd_and_generic_steps_are_bit_identical() {
    for (n, k, a) in [
        (64, 3, 0.7),
        (64, 8, 1.0),
        (61, 13, 0.7),
        (67, 40, 1.0),
        (5, 2, 0.5),
    ] {
        let cfg = EsnConfig {
            n_units: n,
            in_degree: k,
            leak_rate: a,
            ..EsnConfig::default()
        };
        let e = Esn::build(&cfg, 2, 5).unwrap();
        let pk = e.packed.as_ref().expect("fixed in-degree is packed");
        let mut x1: Vec<Real> = (0..n).map(|i| (i as Real * 0.3).sin()).collect();
        let mut x2 = x1.clone();
        let mut s = vec![0.0; n];
        for t in 0..50 {
            let u = [(t as Real * 0.1).cos(), 0.5];
            let x0 = x1.clone();
            e.step_generic(&x0, &u, 0..n, &mut x1);
            e.step(&mut x2, &u, &mut s);
            assert_eq!(x1, x2, "n {n} k {k} step {t}");
            // Every kernel, on arbitrary (unaligned) row ranges.
            for r in [0..n, 3..n - 1, n / 2..n, 0..0] {
                let mut o = vec![0.0; r.len()];
                e.step_generic(&x0, &u, r.clone(), &mut o);
                assert_eq!(o, x1[r.clone()], "generic rows {r:?}");
                #[cfg(target_arch = "x86_64")]
                {
                    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
                    {
                        o.fill(0.0);
                        // SAFETY: AVX2 and FMA detected above; `pk` is `e.packed`,
                        // `o.len() == r.len()`, `r.end <= n`.
                        unsafe { e.step_avx2(pk, &x0, &u, r.clone(), &mut o) };
                        assert_eq!(o, x1[r.clone()], "avx2 rows {r:?}");
                    }
                    if std::is_x86_feature_detected!("avx512f") {
                        o.fill(0.0);
                        // SAFETY: AVX-512F detected above; as for `step_avx2`.
                        unsafe { e.step_avx512(pk, &x0, &u, r.clone(), &mut o) };
                        assert_eq!(o, x1[r.clone()], "avx512 rows {r:?}");
                    }
                }
                let _ = pk;
            }
            for parts in [1, 2, 3] {
                let mut o = vec![0.0; n];
                for r in e.row_ranges(parts) {
                    e.step_rows(&x0, &u, r.clone(), &mut o[r]);
                }
                assert_eq!(o, x1, "{parts} row ranges");
            }
        }
    }
}

#[test]
fn unequal_rows_use_the_generic_path() {
    let e = Esn::build(
        &EsnConfig {
            n_units: 20,
            in_degree: 3,
            ..EsnConfig::default()
        },
        1,
        1,
    )
    .unwrap();
    // Drop the last connection of row 0: rows no longer have equal lengths.
    let mut v = serde_json::to_value(&e).unwrap();
    let ip: Vec<u32> = serde_json::from_value(v["indptr"].clone()).unwrap();
    let mut idx: Vec<u32> = serde_json::from_value(v["indices"].clone()).unwrap();
    let mut val: Vec<Real> = serde_json::from_value(v["values"].clone()).unwrap();
    idx.remove(2);
    val.remove(2);
    let ip: Vec<u32> = ip
        .iter()
        .map(|p| p.saturating_sub(u32::from(*p >= 3)))
        .collect();
    v["indptr"] = serde_json::json!(ip);
    v["indices"] = serde_json::json!(idx);
    v["values"] = serde_json::json!(val);
    let f: Esn = serde_json::from_value(v).unwrap();
    assert!(f.packed.is_none());
    let mut x: Vec<Real> = (0..20).map(|i| (i as Real).cos()).collect();
    let mut s = vec![0.0; 20];
    f.step(&mut x, &[0.3], &mut s);
    // Row 0 by hand.
    let pre0 = (val[0] * ((0..20).map(|i| (i as Real).cos()).collect::<Vec<_>>()[idx[0] as usize])
        + val[1] * (idx[1] as Real).cos())
        + f.bias[0]
        + f.w_in[0] * 0.3;
    assert!(
        (x[0] - pre0.tanh()).abs() < 1e-15,
        "{} vs {}",
        x[0],
        pre0.tanh()
    );
}

#[test]
fn corrupt_model_is_rejected() {
    let e = Esn::build(
        &EsnConfig {
            n_units: 20,
            in_degree: 3,
            ..EsnConfig::default()
        },
        1,
        1,
    )
    .unwrap();
    let mut v = serde_json::to_value(&e).unwrap();
    v["indices"][5] = serde_json::json!(20);
    let err = serde_json::from_value::<Esn>(v).unwrap_err().to_string();
    assert!(err.contains("column index 20"), "{err}");
    let mut v = serde_json::to_value(&e).unwrap();
    v["bias"] = serde_json::json!([0.0]);
    let err = serde_json::from_value::<Esn>(v).unwrap_err().to_string();
    assert!(err.contains("bias"), "{err}");
}
