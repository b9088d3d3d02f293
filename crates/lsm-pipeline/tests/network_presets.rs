//! Named networks in pipeline configs: `"network": {"preset": NAME, ...overrides}` in the
//! spoken-digit and the time-series configs builds the network of `lsm network generate
//! --preset NAME` with those fields changed, and a bad name is refused naming the field and
//! the known names.

use lsm_pipeline::timeseries::TsConfig;
use lsm_pipeline::DigitsConfig;
use lsm_reservoir::{preset, NetworkSource, ReservoirConfig};
use std::path::Path;

#[test]
fn a_digits_config_builds_the_presets_network() {
    // The digit encoder's grid is 1 ms: the preset's 0.1 ms step is overridden.
    let cfg = DigitsConfig::from_json_str(
        r#"{"network": {"preset": "maass2002", "dt_ms": 1.0}, "seed": 9}"#,
        Path::new("c.json"),
    )
    .unwrap();
    let mut want = preset("maass2002").unwrap();
    want.dt_ms = 1.0;
    assert_eq!(cfg.network, NetworkSource::Generate(want.clone()));
    let got = cfg.network.spec(40, Some(1.0), 9, "the channels").unwrap();
    assert_eq!(got, want.generate(40, 9).unwrap());
    assert_eq!(got.n_neurons, 135);
    assert!(got.recurrent.stp.is_some(), "dynamic synapses");
    // Without the override the preset's step meets the encoder's: the cross-stage error.
    let e = DigitsConfig::from_json_str(
        r#"{"network": {"preset": "maass2002"}}"#,
        Path::new("c.json"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("network.dt_ms") && e.contains("encoder.dt_ms"),
        "{e}"
    );
}

#[test]
fn a_time_series_config_takes_a_preset_too() {
    let cfg = TsConfig::from_json_str(
        r#"{"task": "narma10", "reservoir": {"kind": "spiking",
            "network": {"preset": "brunel2000:n_e=400,c_e=40", "input": {"fraction": 0.5}}}}"#,
        "ts.json",
    )
    .unwrap();
    let ReservoirConfig::Spiking(s) = &cfg.reservoir else {
        panic!("a spiking reservoir")
    };
    let mut want = preset("brunel2000:n_e=400,c_e=40").unwrap();
    want.input.fraction = 0.5;
    assert_eq!(s.network, NetworkSource::Generate(want.clone()));
    let spec = s.network.spec(1, None, 4, "the input").unwrap();
    assert_eq!(spec, want.generate(1, 4).unwrap());
    assert!(spec.neuron.background.is_some());
}

#[test]
fn an_unknown_preset_is_named_with_the_known_ones() {
    let e =
        DigitsConfig::from_json_str(r#"{"network": {"preset": "brunel"}}"#, Path::new("c.json"))
            .unwrap_err()
            .to_string();
    assert!(e.contains("c.json") && e.contains("network.preset"), "{e}");
    assert!(e.contains("\"brunel\""), "{e}");
    for name in lsm_reservoir::generate::PRESETS {
        assert!(e.contains(name), "{name} missing from: {e}");
    }
    let e = TsConfig::from_json_str(
        r#"{"task": "narma10", "reservoir": {"kind": "spiking", "network": {"preset": "x"}}}"#,
        "ts.json",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("ts.json") && e.contains("network.preset"), "{e}");
}
