//! The classification pipeline's inputs and reservoirs: audio in memory, spike trains in
//! memory or in files, a network read from a file, and the echo state network as the
//! reservoir. Each is checked against the path it must agree with (the same features bit for
//! bit), or against chance.

use lsm_core::{rng_for, stream, SpikeTrains};
use lsm_encoding::AudioEncoder;
use lsm_pipeline::{
    DigitsConfig, DigitsPipeline, InputSource, NetworkSource, ReservoirChoice, Sample, SampleData,
};
use lsm_reservoir::EsnConfig;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fsdd-sample/recordings")
}

/// Recordings of digits 0-2 from three speakers: `n_per` training takes (5..) or up to two
/// test takes (0, 1) each.
fn files(test: bool, n_per: u32) -> Vec<Sample> {
    let mut out = Vec::new();
    for digit in ["0", "1", "2"] {
        for speaker in ["george", "jackson", "nicolas"] {
            let takes = if test { 0..n_per.min(2) } else { 5..5 + n_per };
            for take in takes {
                let name = format!("{digit}_{speaker}_{take}.wav");
                out.push(
                    Sample::from_path(dir().join(name))
                        .with_label(digit)
                        .with_group(speaker),
                );
            }
        }
    }
    out
}

fn small() -> DigitsConfig {
    let mut c = DigitsConfig::default();
    c.network.generator_mut().unwrap().n_neurons = Some(60);
    c
}

fn name(s: &Sample) -> String {
    s.path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The same recordings as audio in memory (named like the files, so with the same ids).
fn in_memory_audio(samples: &[Sample]) -> Vec<Sample> {
    samples
        .iter()
        .map(|s| {
            let a = lsm_encoding::read_wav(&s.path).unwrap();
            Sample {
                label: s.label.clone(),
                group: s.group.clone(),
                ..Sample::audio(&name(s), a.samples, a.sample_rate)
            }
        })
        .collect()
}

/// The encoder's spikes of each recording, as the pipeline draws them.
fn encoded(config: &DigitsConfig, samples: &[Sample]) -> Vec<SpikeTrains> {
    let enc = AudioEncoder::new(&config.encoder).unwrap();
    samples
        .iter()
        .map(|s| {
            let mut rng = rng_for(config.seed, stream::ENCODER.wrapping_add(s.id));
            enc.encode_file(&s.path, &mut rng).unwrap().spikes
        })
        .collect()
}

#[test]
fn audio_in_memory_gives_the_features_of_its_file() {
    let train = files(false, 2);
    let model = DigitsPipeline::fit(&small(), &train).unwrap();
    let (from_files, _) = model.features(&train).unwrap();
    let mem = in_memory_audio(&train);
    assert!(matches!(mem[0].data, SampleData::Audio { .. }));
    let (from_memory, _) = model.features(&mem).unwrap();
    assert_eq!(from_files, from_memory);
    // A model fitted on memory is the model fitted on the files.
    let model2 = DigitsPipeline::fit(&small(), &mem).unwrap();
    assert_eq!(model.model().readout, model2.model().readout);
}

#[test]
fn spike_input_gives_the_features_of_the_encoded_audio() {
    let audio_cfg = small();
    let train = files(false, 2);
    let audio = DigitsPipeline::fit(&audio_cfg, &train).unwrap();
    let trains = encoded(&audio_cfg, &train);
    let n_channels = trains[0].n_channels();
    // In memory: the same network (same seed, same channel count), the same spikes.
    let mut cfg = small();
    cfg.input = InputSource::Spikes {
        n_channels: None,
        dt_ms: 1.0,
        duration_ms: None,
    };
    let mem: Vec<Sample> = train
        .iter()
        .zip(&trains)
        .map(|(s, st)| Sample {
            label: s.label.clone(),
            group: s.group.clone(),
            ..Sample::spikes(&name(s), st.clone())
        })
        .collect();
    let spiking = DigitsPipeline::fit(&cfg, &mem).unwrap();
    assert_eq!(
        spiking.model().config.input,
        InputSource::Spikes {
            n_channels: Some(n_channels),
            dt_ms: 1.0,
            duration_ms: None
        },
        "the channel count found from the data is stored"
    );
    assert_eq!(spiking.model().network, audio.model().network);
    let (a, _) = audio.features(&train).unwrap();
    let (b, _) = spiking.features(&mem).unwrap();
    assert_eq!(a, b);
    // In files (`channel,time_ms`): the same features again, whatever the file's last spike
    // (each file is widened to the channel count and lasts until its last spike, as the
    // encoded trains end at their last frame: the count bins of the pooling may differ, so
    // the duration is given to the pipeline exactly as the encoder's).
    let tmp = tempfile::tempdir().unwrap();
    let on_disk: Vec<Sample> = train
        .iter()
        .zip(&trains)
        .map(|(s, st)| {
            let p = tmp.path().join(name(s).replace(".wav", ".csv"));
            let mut f = std::fs::File::create(&p).unwrap();
            st.write_csv(&mut f, "channel").unwrap();
            Sample {
                label: s.label.clone(),
                group: s.group.clone(),
                ..Sample::from_path(p)
            }
        })
        .collect();
    // Spike CSVs end at their last spike: compare with trains cut the same way.
    for (s, st) in on_disk.iter().zip(&trains) {
        let read =
            lsm_pipeline::digits::read_spike_csv(&s.path, 1.0, Some(n_channels), None).unwrap();
        assert_eq!(read.n_spikes(), st.n_spikes());
        assert_eq!(read.counts(), st.counts());
    }
    let mut fcfg = cfg.clone();
    fcfg.input = InputSource::Spikes {
        n_channels: Some(n_channels),
        dt_ms: 1.0,
        duration_ms: None,
    };
    let from_files = DigitsPipeline::fit(&fcfg, &on_disk).unwrap();
    assert_eq!(from_files.model().network, audio.model().network);
    // Audio given to a spike model, and spikes to an audio model, are clear errors.
    let e = spiking.predict(&train[..1]).unwrap_err();
    let e = lsm_core::error_chain(&e);
    assert!(e.contains("0_george_5.wav") && e.contains("spike"), "{e}");
    let e = lsm_core::error_chain(&audio.predict(&mem[..1]).unwrap_err());
    assert!(e.contains("0_george_5.wav") && e.contains("audio"), "{e}");
}

#[test]
fn a_network_file_is_used_as_it_is() {
    let cfg = small();
    let train = files(false, 2);
    let generated = DigitsPipeline::fit(&cfg, &train).unwrap();
    let spec = generated.model().network.clone().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("net.json");
    spec.save(&p).unwrap();
    // From a config file naming it relative to the config's folder.
    let mut v = serde_json::to_value(&cfg).unwrap();
    v["network"] = serde_json::json!({"file": "net.json"});
    let cfg_path = tmp.path().join("config.json");
    std::fs::write(&cfg_path, v.to_string()).unwrap();
    let from_file_cfg = DigitsConfig::load(&cfg_path).unwrap();
    assert_eq!(from_file_cfg.network, NetworkSource::File(p.clone()));
    let model = DigitsPipeline::fit(&from_file_cfg, &train).unwrap();
    assert_eq!(model.model().network.as_ref(), Some(&spec));
    assert_eq!(model.model().readout, generated.model().readout);
    // The model embeds the network: it loads and predicts without the file.
    let m = tmp.path().join("model.json");
    model.save(&m).unwrap();
    std::fs::remove_file(&p).unwrap();
    let loaded = DigitsPipeline::load(&m).unwrap();
    let test = files(true, 1);
    assert_eq!(
        loaded.predict(&test).unwrap(),
        model.predict(&test).unwrap()
    );
    // A network with other inputs than the encoder's channels: the file and the counts.
    let other = lsm_reservoir::GeneratorConfig {
        n_neurons: Some(20),
        ..DigitsConfig::default_network()
    }
    .generate(7, 1)
    .unwrap();
    other.save(&p).unwrap();
    let e = DigitsPipeline::fit(&from_file_cfg, &train).unwrap_err();
    let e = lsm_core::error_chain(&e);
    assert!(
        e.contains("net.json") && e.contains("7 input channels") && e.contains("n_inputs = 32"),
        "{e}"
    );
}

#[test]
fn the_esn_is_a_classification_reservoir() {
    let mut cfg = small();
    cfg.reservoir = ReservoirChoice::Esn {
        bin_ms: 10.0,
        esn: EsnConfig {
            n_units: 80,
            spectral_radius: 0.9,
            leak_rate: 0.3,
            ..EsnConfig::default()
        },
    };
    cfg.features.include_input = false;
    let (train, test) = (files(false, 5), files(true, 5));
    let model = DigitsPipeline::fit(&cfg, &train).unwrap();
    assert!(model.model().network.is_none() && model.model().esn.is_some());
    assert_eq!(model.model().training.n_features, 80 * 4);
    let ev = model.evaluate(&test).unwrap();
    // Three classes: chance is 1/3.
    assert!(
        ev.report.accuracy > 0.6,
        "ESN accuracy {}",
        ev.report.accuracy
    );
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("esn.json");
    model.save(&m).unwrap();
    let loaded = DigitsPipeline::load(&m).unwrap();
    assert_eq!(loaded.model(), model.model());
    assert_eq!(
        loaded.predict(&test).unwrap(),
        model.predict(&test).unwrap()
    );
    // The ESN gives the same model for 1 and 2 threads.
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| DigitsPipeline::fit(&cfg, &train).unwrap());
    assert_eq!(two.model(), model.model());
}

#[test]
fn an_izhikevich_mixture_is_a_classification_reservoir() {
    // examples/digits_izhikevich.json: the default pipeline with the Izhikevich 2003 mixture
    // (excitatory RS toward CH, inhibitory LTS toward FS) as its reservoir, here 150 neurons.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/digits_izhikevich.json");
    let mut cfg = DigitsConfig::load(&path).unwrap();
    let g = cfg.network.generator_mut().unwrap();
    assert_eq!(g.neuron.model, lsm_reservoir::ModelKind::Izhikevich);
    assert!(g.izhikevich.is_some());
    g.n_neurons = Some(150);
    let (train, test) = (files(false, 5), files(true, 5));
    let model = DigitsPipeline::fit(&cfg, &train).unwrap();
    let net = model.model().network.as_ref().unwrap();
    assert_eq!(net.neuron.model, lsm_reservoir::ModelKind::Izhikevich);
    let ev = model.evaluate(&test).unwrap();
    // Three classes: chance is 1/3.
    assert!(ev.report.accuracy > 0.6, "accuracy {}", ev.report.accuracy);
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("izh.json");
    model.save(&m).unwrap();
    let loaded = DigitsPipeline::load(&m).unwrap();
    assert_eq!(
        loaded.predict(&test).unwrap(),
        model.predict(&test).unwrap()
    );
}

#[test]
fn the_esn_learns_its_rules_on_the_training_recordings() {
    let esn = EsnConfig {
        n_units: 60,
        spectral_radius: 0.9,
        leak_rate: 0.3,
        ..EsnConfig::default()
    };
    let with_rules = EsnConfig {
        intrinsic: Some(lsm_reservoir::esn::IntrinsicConfig {
            target: lsm_reservoir::esn::IpTarget::Gaussian,
            mu: 0.0,
            sigma: 0.3,
            eta: 1e-3,
            epochs: 1,
        }),
        plasticity: Some(lsm_reservoir::esn::SynapticConfig {
            rule: lsm_reservoir::esn::LocalRule::Oja,
            eta: 1e-4,
            bcm_theta: 0.0,
            synapse_normalization: false,
            epochs: 1,
        }),
        ..esn.clone()
    };
    let mut cfg = small();
    cfg.features.include_input = false;
    let (train, test) = (files(false, 5), files(true, 5));
    let fit = |cfg: &DigitsConfig, threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| DigitsPipeline::fit(cfg, &train).unwrap())
    };
    cfg.reservoir = ReservoirChoice::Esn { bin_ms: 10.0, esn };
    let plain = fit(&cfg, 1);
    cfg.reservoir = ReservoirChoice::Esn {
        bin_ms: 10.0,
        esn: with_rules,
    };
    let model = fit(&cfg, 1);
    let learned = model.model().esn.as_ref().unwrap();
    assert_ne!(learned, plain.model().esn.as_ref().unwrap());
    let ev = model.evaluate(&test).unwrap();
    assert!(ev.report.accuracy > 0.5, "accuracy {}", ev.report.accuracy);
    // Deterministic whatever the thread count; the model file keeps the learned ESN.
    assert_eq!(fit(&cfg, 2).model(), model.model());
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("esn.json");
    model.save(&m).unwrap();
    let loaded = DigitsPipeline::load(&m).unwrap();
    assert_eq!(loaded.model().esn.as_ref(), Some(learned));
    assert_eq!(
        loaded.predict(&test).unwrap(),
        model.predict(&test).unwrap()
    );
    // A shared feature pass has no training set to learn on: refused, naming the field.
    let e = lsm_pipeline::feature_pass(&cfg, &test, None, &lsm_pipeline::NoProgress)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("reservoir.esn") && e.contains("intrinsic"),
        "{e}"
    );
}
