//! The input drive of a spiking reservoir on a time series (`"input_drive"` of a time-series
//! config): a silent network is scaled into the band, a network whose rate its bias currents
//! set is left alone (and warned about when saturated), an ESN is untouched, and the fitted
//! model embeds the scaled input weights.

use lsm_pipeline::drive::{BAND_HZ, SATURATED_HZ, SILENT_HZ};
use lsm_pipeline::timeseries::{fit, DataSource, Reservoir, ReservoirConfig, TsConfig};
use lsm_pipeline::timeseries::{SpikingConfig, SplitConfig, Task};
use lsm_pipeline::InputDrive;

/// The default NARMA-10 config (ESN) on short segments.
fn short_narma() -> TsConfig {
    let mut c = TsConfig::default_for(Task::Narma10);
    c.split = SplitConfig {
        washout: 50,
        train: 300,
        validation: 50,
        test: 50,
    };
    c
}

/// A NARMA-10 config with a small spiking reservoir: `bias` per-neuron bias currents (nA).
fn spiking(bias: [f64; 2], drive: InputDrive) -> TsConfig {
    let mut c = short_narma();
    let mut s = SpikingConfig::default();
    if let Some(g) = s.network.generator_mut() {
        g.n_neurons = Some(100);
    }
    s.bias_na = Some(bias);
    c.reservoir = ReservoirConfig::Spiking(Box::new(s));
    c.readout.alphas = vec![1e-2, 1.0];
    c.readout.standardize = true;
    c.input_drive = drive;
    c
}

fn input_weights(r: &Reservoir) -> Vec<f64> {
    match r {
        Reservoir::Spiking(s) => s.spec.input.weight.clone(),
        _ => panic!("expected a spiking reservoir"),
    }
}

/// The small network without bias currents and with a tenth of the default input weights:
/// its input current stays below the rheobase and it does not fire.
fn weak(drive: InputDrive) -> TsConfig {
    let mut c = spiking([0.0, 0.0], drive);
    if let ReservoirConfig::Spiking(s) = &mut c.reservoir {
        if let Some(g) = s.network.generator_mut() {
            g.input.scale_exc *= 0.1;
            g.input.scale_inh *= 0.1;
        }
    }
    c
}

#[test]
fn a_silent_network_is_scaled_into_the_band_and_embedded_scaled() {
    let data = DataSource::Builtin(Task::Narma10);
    let fixed = weak(InputDrive::Gain(1.0));
    let generated = input_weights(&Reservoir::build(&fixed.reservoir, 1, fixed.seed).unwrap());
    let (m1, r1) = fit(&fixed, &data).unwrap();
    let d1 = r1.input_drive.clone().unwrap();
    assert!(d1.rate_hz < SILENT_HZ, "{d1:?}");
    assert!(d1.passes.is_empty() && d1.gain == 1.0, "{d1:?}");
    assert_eq!(input_weights(&m1.reservoir), generated);
    let w = r1.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("silent") && w[0].contains(&format!("{:.3} Hz", d1.rate_hz)),
        "{w:?}"
    );

    let (m2, r2) = fit(&weak(InputDrive::Auto), &data).unwrap();
    let d2 = r2.input_drive.clone().unwrap();
    assert!(d2.gain > 1.0, "{d2:?}");
    assert!(
        (BAND_HZ.0..=BAND_HZ.1).contains(&d2.rate_hz),
        "rate {} Hz after calibration: {d2:?}",
        d2.rate_hz
    );
    assert!(r2.warnings().is_empty(), "{:?}", r2.warnings());
    // The reported rate is the rate of the pass at the chosen gain, and the model holds the
    // generated input weights times that gain.
    assert!(d2.passes.contains(&(d2.gain, d2.rate_hz)), "{d2:?}");
    let fitted = input_weights(&m2.reservoir);
    assert_eq!(generated.len(), fitted.len());
    for (g, f) in generated.iter().zip(&fitted) {
        assert!(
            (g * d2.gain - f).abs() <= 1e-12 * g.abs().max(1.0),
            "{g} {f}"
        );
    }
    // The same config fits to the same model.
    let (m3, r3) = fit(&weak(InputDrive::Auto), &data).unwrap();
    assert_eq!(r3.input_drive, r2.input_drive);
    assert_eq!(input_weights(&m3.reservoir), fitted);
}

#[test]
fn a_network_driven_by_its_bias_currents_is_left_alone_and_warned_about() {
    // Bias currents far above the rheobase: the neurons fire near their refractory limit
    // whatever the input, so a smaller input gain cannot bring the rate down.
    let c = spiking([200.0, 300.0], InputDrive::Auto);
    let (m, r) = fit(&c, &DataSource::Builtin(Task::Narma10)).unwrap();
    let d = r.input_drive.clone().unwrap();
    assert!(d.rate_hz > SATURATED_HZ, "{d:?}");
    assert_eq!(d.gain, 1.0, "{d:?}");
    // One pass as it is, one at a fourth of the drive, and the search stops.
    assert_eq!(d.passes.len(), 2, "{d:?}");
    let generated = Reservoir::build(&c.reservoir, 1, c.seed).unwrap();
    assert_eq!(input_weights(&m.reservoir), input_weights(&generated));
    let w = r.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("saturated"), "{w:?}");
}

#[test]
fn an_esn_has_no_input_drive_and_the_field_round_trips() {
    let mut c = short_narma();
    c.input_drive = InputDrive::Gain(3.0);
    let (_, r) = fit(&c, &DataSource::Builtin(Task::Narma10)).unwrap();
    assert!(r.input_drive.is_none());
    assert!(r.warnings().is_empty());

    let text = serde_json::to_string(&c).unwrap();
    assert!(text.contains("\"input_drive\":3.0"), "{text}");
    let back = TsConfig::from_json_str(&text, "c.json").unwrap();
    assert_eq!(back.input_drive, InputDrive::Gain(3.0));
    // Older configs without the field read as "auto"; a bad value names the field.
    let old = text.replace(",\"input_drive\":3.0", "");
    assert_eq!(
        TsConfig::from_json_str(&old, "c.json").unwrap().input_drive,
        InputDrive::Auto
    );
    let bad = text.replace("\"input_drive\":3.0", "\"input_drive\":-1.0");
    let e = TsConfig::from_json_str(&bad, "c.json")
        .unwrap_err()
        .to_string();
    assert!(e.contains("input_drive"), "{e}");
}
