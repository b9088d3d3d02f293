//! Unit tests of [`super`] (analog.rs).

use super::*;

/// One spike read through the double-exponential trace (the difference of two
/// `SampleFilter`s, as the features compute it) follows the closed form
/// `τd/(τd − τr)·(exp(−t/τd) − exp(−t/τr))`, `t` from the spike's step to the sample's
/// last step.
#[test]
fn double_exponential_trace_of_one_spike() {
    let (dt, sps, td, tr) = (0.05, 20, 20.0, 2.0);
    let (fd, fr) = (
        SampleFilter::new(td, dt, sps),
        SampleFilter::new(tr, dt, sps),
    );
    let (mut xd, mut xr) = (vec![0.0; 2], vec![0.0; 2]);
    let spike_step = 7;
    let one: [u32; 1] = [1];
    let at = |st: usize| -> &[u32] {
        if st == spike_step {
            &one
        } else {
            &[]
        }
    };
    let none = |_: usize| -> &[u32] { &[] };
    let k = td / (td - tr);
    let mut peak: Real = 0.0;
    for sample in 0..200 {
        if sample == 0 {
            fd.advance(&mut xd, at);
            fr.advance(&mut xr, at);
        } else {
            fd.advance(&mut xd, none);
            fr.advance(&mut xr, none);
        }
        let t = ((sample * sps + sps - 1 - spike_step) as Real) * dt;
        let want = k * ((-t / td).exp() - (-t / tr).exp());
        let got = k * (xd[1] - xr[1]);
        assert!(
            (got - want).abs() < 1e-12,
            "sample {sample}: {got} vs {want}"
        );
        assert_eq!((xd[0], xr[0]), (0.0, 0.0), "the silent neuron stays at 0");
        peak = peak.max(got);
    }
    // Its peak, at t* = τdτr ln(τd/τr)/(τd − τr) = 5.12 ms, is below 1 (the exponential
    // trace's jump), and it starts from 0 instead of jumping.
    let ts = td * tr * (td / tr).ln() / (td - tr);
    let want_peak = k * ((-ts / td).exp() - (-ts / tr).exp());
    assert!((peak - want_peak).abs() < 0.01, "{peak} vs {want_peak}");
    assert!(peak < 0.8);
}
