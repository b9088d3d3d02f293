//! The generator config of `lsm network generate`: the spoken-digit pipeline's default network
//! ([`DigitsConfig::default_network`]: 1000 LIF neurons of the Brian2 baseline, dt 1 ms) and
//! its default encoder's spike channels, so that with the same seed the command writes the
//! very network the default pipeline builds, and it runs on the spikes of `lsm encode`. A
//! config file overrides the fields it gives
//! ([`lsm_reservoir::GeneratorConfig::from_json_str_over`]).

use anyhow::{Context, Result};
use lsm_encoding::AudioEncoder;
use lsm_pipeline::DigitsConfig;
use lsm_reservoir::GeneratorConfig;
use std::path::Path;

/// The generator config (`config`'s fields over the default network, or over the named
/// preset ([`lsm_reservoir::preset`]) when `preset` is given) and the number of input channels
/// (`n_inputs`, else the default encoder's channels).
///
/// # Errors
/// An unreadable or invalid config file, naming it and the field; an unknown preset name,
/// listing the known ones.
pub fn config_over(
    preset: Option<&str>,
    config: Option<&Path>,
    n_inputs: Option<usize>,
) -> Result<(GeneratorConfig, usize)> {
    let base = match preset {
        Some(name) => lsm_reservoir::preset(name).context("--preset")?,
        None => DigitsConfig::default_network(),
    };
    let cfg = match config {
        Some(p) => {
            let text = crate::cmd::read_config("--config", p)?;
            GeneratorConfig::from_json_str_over(&text, &p.display().to_string(), &base)?
        }
        None => base,
    };
    let n_inputs = match n_inputs {
        Some(n) => n,
        None => default_n_inputs()?,
    };
    Ok((cfg, n_inputs))
}

/// The network of `lsm network generate`: a layered config file (an object with a `layers`
/// member, [`lsm_reservoir::LayeredConfig`]) is generated as it is; any other config goes
/// over the default network or the preset ([`config_over`]).
///
/// # Errors
/// As [`config_over`]; `--preset` with a layered config (its layers name their presets);
/// the generator's errors.
pub fn generate(
    preset: Option<&str>,
    config: Option<&Path>,
    n_inputs: Option<usize>,
    seed: u64,
) -> Result<lsm_reservoir::NetworkSpec> {
    if let Some(p) = config {
        let text = crate::cmd::read_config("--config", p)?;
        let layered = lsm_core::json::parse_object(text.as_bytes(), &p.display().to_string())
            .map(|v| v.get("layers").is_some())
            .unwrap_or(false);
        if layered {
            if preset.is_some() {
                anyhow::bail!(
                    "--preset: {} is a layered config (it has \"layers\"): give a preset per \
                     layer (\"preset\" in a layer), not --preset",
                    p.display()
                );
            }
            let cfg = lsm_reservoir::LayeredConfig::from_json_str(&text, &p.display().to_string())?;
            let n_inputs = match n_inputs {
                Some(n) => n,
                None => default_n_inputs()?,
            };
            return Ok(cfg.generate(n_inputs, seed)?);
        }
    }
    let (cfg, n_inputs) = config_over(preset, config, n_inputs)?;
    Ok(cfg.generate(n_inputs, seed)?)
}

/// The spike channels of the spoken-digit pipeline's default encoder
/// ([`DigitsConfig::default_encoder`]; `lsm encode`'s default has as many).
///
/// # Errors
/// None in practice (the default encoder is valid).
pub fn default_n_inputs() -> Result<usize> {
    let enc =
        AudioEncoder::new(&DigitsConfig::default_encoder()).context("the default audio encoder")?;
    Ok(enc.n_channels())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsm_encoding::AudioEncoderConfig;

    #[test]
    fn the_default_network_matches_both_default_encoders() {
        let (cfg, n) = config_over(None, None, None).unwrap();
        assert_eq!(cfg, DigitsConfig::default_network());
        for enc in [
            DigitsConfig::default_encoder(),
            AudioEncoderConfig::default(),
        ] {
            assert_eq!(AudioEncoder::new(&enc).unwrap().n_channels(), n);
            assert_eq!(enc.dt_ms, cfg.dt_ms);
        }
        assert_eq!(config_over(None, None, Some(3)).unwrap().1, 3);
    }

    #[test]
    fn a_config_file_overrides_the_fields_it_gives() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("gen.json");
        std::fs::write(&p, "{}").unwrap();
        assert_eq!(
            config_over(None, Some(&p), None).unwrap().0,
            DigitsConfig::default_network()
        );
        std::fs::write(&p, r#"{"n_neurons": 64}"#).unwrap();
        let want = GeneratorConfig {
            n_neurons: Some(64),
            ..DigitsConfig::default_network()
        };
        assert_eq!(config_over(None, Some(&p), None).unwrap().0, want);
        std::fs::write(&p, r#"{"n_neurons": 64, "x": 1}"#).unwrap();
        let e = format!("{:#}", config_over(None, Some(&p), None).unwrap_err());
        assert!(e.contains("gen.json") && e.contains("`x`"), "{e}");
    }
}
