//! A spiking reservoir stepped one sample at a time reads exactly the features of the
//! teacher-forced run, and a copied state runs on exactly as the original.

use lsm_reservoir::{SpikingConfig, SpikingReservoir};
use ndarray::Array2;

fn reservoir(noise: f64, rise: Option<f64>) -> SpikingReservoir {
    let mut c = SpikingConfig::default();
    if let lsm_reservoir::NetworkSource::Generate(g) = &mut c.network {
        g.n_neurons = Some(120);
        g.neuron.i_noise_na = noise.into();
    }
    c.counts = true;
    c.membrane = true;
    c.extra_trace_tau_ms = vec![3.0, 40.0];
    c.trace_rise_ms = rise;
    SpikingReservoir::build(&c, 2, 11).unwrap()
}

fn series(rows: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, 2), |(t, j)| ((t as f64) * 0.21 + j as f64).sin())
}

#[test]
fn stepping_gives_the_rows_of_states_bit_for_bit() {
    for (noise, rise) in [(0.0, None), (3.0, None), (3.0, Some(2.0))] {
        let res = reservoir(noise, rise);
        let u = series(300);
        let whole = res.states(u.view(), 5).unwrap();
        let mut stepper = res.series_stepper().unwrap();
        let mut st = stepper.start(5);
        let mut spikes_seen = 0.0;
        for (t, row) in u.outer_iter().enumerate() {
            stepper.step(&mut st, row.as_slice().unwrap()).unwrap();
            let want = whole.row(t);
            assert_eq!(
                st.features(),
                &want.to_vec()[..],
                "row {t}, {noise}, {rise:?}"
            );
            spikes_seen += st.features()[120..240].iter().sum::<f64>();
        }
        assert!(spikes_seen > 0.0, "the reservoir fires");
    }
}

#[test]
fn a_copied_state_runs_on_like_the_original() {
    let res = reservoir(3.0, Some(2.0));
    let u = series(120);
    let mut stepper = res.series_stepper().unwrap();
    let mut st = stepper.start(9);
    for row in u.outer_iter().take(60) {
        stepper.step(&mut st, row.as_slice().unwrap()).unwrap();
    }
    let mut copy = st.clone();
    // A different input on the copy changes its features; the original is untouched.
    stepper.step(&mut copy, &[5.0, -5.0]).unwrap();
    let mut again = st.clone();
    stepper.step(&mut again, &[5.0, -5.0]).unwrap();
    assert_eq!(copy.features(), again.features());
    for row in u.outer_iter().skip(60) {
        stepper.step(&mut st, row.as_slice().unwrap()).unwrap();
    }
    let whole = res.states(u.view(), 9).unwrap();
    assert_eq!(st.features(), &whole.row(119).to_vec()[..]);
    assert!(stepper.step(&mut st, &[1.0]).is_err(), "wrong input length");
}

/// A network of Izhikevich neurons (the paper's mixture, noise on) advanced in uneven chunks
/// spikes exactly as in one run: the model's state (v and u) carries over between chunks.
#[test]
fn an_izhikevich_network_steps_like_one_run() {
    use lsm_reservoir::{Drive, GeneratorConfig, Network, RecordSpec};
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/izhikevich_generator.json");
    let mut g =
        GeneratorConfig::from_json_str(&std::fs::read_to_string(&p).unwrap(), "izh").unwrap();
    g.n_neurons = Some(200);
    let net = Network::from_spec(&g.generate(2, 3).unwrap()).unwrap();
    let x = Array2::from_shape_fn(
        (3000, 2),
        |(t, j)| if (t / 300 + j) % 2 == 0 { 8.0 } else { 0.0 },
    );
    let spec = RecordSpec::default();
    let whole = net
        .run(Drive::Current(x.view()), 3000, &spec, 4, 0)
        .unwrap();
    let mut st = net.stepper(4, 0);
    let mut out = Default::default();
    let mut spikes: Vec<Vec<u32>> = Vec::new();
    let mut t = 0;
    for len in [1, 7, 500, 992, 1500] {
        let chunk = x.slice(ndarray::s![t..t + len, ..]);
        net.advance(&mut st, Drive::Current(chunk), len, &spec, &mut out)
            .unwrap();
        let sp = out.spikes.as_ref().unwrap();
        spikes.extend((0..len).map(|s| sp.at(s).to_vec()));
        t += len;
    }
    assert_eq!(st.steps(), 3000);
    let all = whole.spikes.unwrap();
    let want: Vec<Vec<u32>> = (0..3000).map(|s| all.at(s).to_vec()).collect();
    assert!(whole.n_spikes > 100, "{} spikes", whole.n_spikes);
    assert_eq!(spikes, want);
}
