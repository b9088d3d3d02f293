//! The spoken-digit pipeline with a spiking network trained by surrogate gradients (`"snn"`)
//! instead of the liquid and its readout, on the bundled FSDD sample: fit, evaluate, save and
//! load with identical predictions; a bad `snn` section is a clear error.

mod common;

use lsm_pipeline::{DigitsConfig, DigitsPipeline, PipelineError, Sample};

fn samples(test: bool) -> Vec<Sample> {
    common::fsdd_sample_split(test)
}

fn config(snn: &str) -> Result<DigitsConfig, serde_json::Error> {
    serde_json::from_str(&format!(r#"{{"snn": {snn}}}"#))
}

#[test]
fn snn_fits_saves_loads_and_predicts_identically() {
    let (train, test) = (samples(false), samples(true));
    let cfg =
        config(r#"{"method": "surrogate", "hidden": 64, "epochs": 8, "batch_size": 16}"#).unwrap();
    let model = DigitsPipeline::fit(&cfg, &train).unwrap();
    let m = model.model();
    let snn = m.snn.as_ref().unwrap();
    assert!(m.network.is_none() && m.readout.ridge.is_none() && m.readout.logistic.is_none());
    assert_eq!(snn.net.hidden(), 64);
    assert_eq!(snn.net.n_outputs(), 10);
    assert_eq!(snn.log.loss.len(), 8);
    assert!(
        snn.log.loss[7] < snn.log.loss[0],
        "training loss {:?}",
        snn.log.loss
    );
    let ev = model.evaluate(&test).unwrap();
    let acc = ev.report.accuracy;
    // 10 classes, 25 training files each: far above chance (0.1), far from the liquid's.
    assert!(acc >= 0.3, "test accuracy {acc}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snn.json");
    model.save(&path).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["format_version"], 7);
    assert_eq!(v["config"]["snn"]["method"], "surrogate");
    let loaded = DigitsPipeline::load(&path).unwrap();
    assert_eq!(loaded.model(), model.model());
    let (a, b) = (
        model.predict(&test).unwrap(),
        loaded.predict(&test).unwrap(),
    );
    assert_eq!(a, b);

    // A stored network with a non-finite weight is refused, naming the field.
    let mut m2 = model.model().clone();
    m2.snn.as_mut().unwrap().net.w_out[[0, 3]] = f64::NAN;
    let e = DigitsPipeline::from_model(m2).unwrap_err().to_string();
    assert!(e.contains("snn.net.w_out"), "{e}");
    // Wrong sizes too.
    let mut m3 = model.model().clone();
    m3.snn.as_mut().unwrap().net.w_out = ndarray::Array2::zeros((64, 9));
    let e = DigitsPipeline::from_model(m3).unwrap_err().to_string();
    assert!(e.contains("w_out") || e.contains("class"), "{e}");
    let mut m4 = model.model().clone();
    m4.snn.as_mut().unwrap().net.w_in = ndarray::Array2::zeros((5, 64));
    let e = DigitsPipeline::from_model(m4).unwrap_err().to_string();
    assert!(e.contains("w_in"), "{e}");
}

#[test]
fn a_bad_snn_section_is_a_clear_error() {
    let e = config(r#"{"method": "surrogate", "hiden": 3}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("hiden"), "{e}");
    let e = config(r#"{"method": "magic"}"#).unwrap_err().to_string();
    assert!(e.contains("magic"), "{e}");
    let e = config(r#"{"hidden": 3}"#).unwrap_err().to_string();
    assert!(e.contains("method"), "{e}");
    for (section, field) in [
        (r#"{"method": "surrogate", "slope": -1}"#, "snn.slope"),
        (r#"{"method": "surrogate", "hidden": 0}"#, "snn.hidden"),
        (r#"{"method": "surrogate", "epochs": 0}"#, "snn.epochs"),
        (
            r#"{"method": "surrogate", "learning_rate": 0}"#,
            "snn.learning_rate",
        ),
    ] {
        let cfg = config(section).unwrap();
        match cfg.validate() {
            Err(PipelineError::Config { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{section}: {other:?}"),
        }
        let e = DigitsPipeline::fit(&cfg, &samples(false)[..4]).unwrap_err();
        assert!(e.to_string().contains(field), "{e}");
    }
}
