//! `lsm network generate` and `lsm simulate`: build a network file from a generator config,
//! simulate a network file on input spikes.
//!
//! * `lsm network generate [--config GEN.json] --out NET.json [--n-inputs K] [--seed S]`:
//!   without a config, or for the fields a config leaves out, the spoken-digit pipeline's
//!   default network (`lsm_pipeline::DigitsConfig::default_network`), and `--n-inputs`
//!   defaults to its default encoder's channels, so the network runs on `lsm encode`'s spikes
//!   (see [`crate::cmd::netgen`])
//! * `lsm network stdp --network NET.json --input S1.csv [--input S2.csv ...] --duration-ms T
//!   [--config STDP.json] [--epochs E] --out LEARNED.json [--seed S]`: spike-timing-dependent
//!   plasticity over the input files in order (`lsm_reservoir::plasticity`)
//! * `lsm simulate --network NET.json [--input SPIKES.csv] --duration-ms T --out SPIKES_OUT.csv
//!   [--record-v V.csv [--neurons 0,5,10-20]] [--plot RASTER.png|svg] [--seed S]`
//!
//! Input spikes are CSV with header `channel,time_ms`; the output raster has header
//! `neuron,time_ms`, sorted by time then neuron. `--record-v` writes the membrane potential of
//! every neuron (or of the `--neurons` selection, in its order) at every step as CSV with
//! header `time_ms,v0,v1,...` (mV; row `t` is the value at time `t·dt`, before that step's
//! update). `--plot` draws the input raster, the reservoir raster and the population rate
//! ([`crate::cmd::raster`]).

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use lsm_core::limits::{self, Limit};
use lsm_core::SpikeTrains;
use lsm_reservoir::{train_stdp, Drive, Network, NetworkSpec, RecordSpec, StdpConfig};
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

/// `lsm network ...` subcommands.
#[derive(Subcommand, Debug)]
pub enum NetworkCommand {
    /// Generate a network file from a generator config (JSON). Without one, or for the
    /// fields it leaves out: the spoken-digit pipeline's default network (1000 LIF neurons,
    /// dt 1 ms), which runs on the spikes of `lsm encode`'s default encoder.
    Generate {
        /// Generator config (JSON; omitted fields: the default network's, or the preset's).
        /// A config with `"layers"` is a layered network (layers, projections, input layers;
        /// see lsm_reservoir::LayeredConfig), generated as it is.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Start from a named network instead of the default: maass2002 (the original LSM
        /// column with dynamic synapses), cuba or coba (Brette et al. 2007), brunel2000
        /// (Brunel 2000 model A; regimes as `brunel2000:g=3,nu=2`, size as `n_e=2000,c_e=200`);
        /// `--config` overrides its fields.
        #[arg(long)]
        preset: Option<String>,
        /// Output network file (JSON, format `lsm-network` version 1).
        #[arg(long)]
        out: PathBuf,
        /// Number of input channels (default: the default audio encoder's spike channels, 32).
        #[arg(long)]
        n_inputs: Option<usize>,
        /// Seed of every random draw.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Plasticity of the recurrent excitatory synapses (STDP, or a rate-based Hebbian, Oja or
    /// BCM rule): run the network on input spike files one after another (the weights carry
    /// over), and write the network with the learned weights.
    Stdp {
        /// Network file (JSON, format `lsm-network`).
        #[arg(long)]
        network: PathBuf,
        /// Input spikes, CSV with header `channel,time_ms`: one file per sample, run in the
        /// order given (repeat the option for more samples).
        #[arg(long, required = true)]
        input: Vec<PathBuf>,
        /// Duration of each sample, ms.
        #[arg(long)]
        duration_ms: f64,
        /// The rule (JSON, every field optional: `model` (`pair`, `triplet`, `hebbian`,
        /// `anti-hebbian`, `oja`, `anti-oja`, `bcm`), `tau_plus_ms`, `tau_minus_ms`, `a_plus`,
        /// `a_minus`, `w_max_rel`, `rule`, `synapses`; the triplet's `tau_x_ms`, `tau_y_ms`,
        /// `a3_plus`, `a3_minus`; the rate-based rules' `eta_per_s`, `tau_rate_ms`,
        /// `rate_ref_hz`, `bcm_theta`, `tau_theta_ms`). Default: pair STDP, all defaults.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Passes over the input files.
        #[arg(long, default_value_t = 1)]
        epochs: usize,
        /// Output network file with the learned weights.
        #[arg(long)]
        out: PathBuf,
        /// Seed of the noise currents (if the network has any).
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Write a network file in another format: `--format nir` (NIR, HDF5; see
    /// `lsm_reservoir::nir` for the mapping and what NIR cannot express).
    Export(crate::cmd::nir::ExportArgs),
    /// Read a NIR file (HDF5) into a network file.
    Import(crate::cmd::nir::ImportArgs),
}

/// `lsm simulate` arguments.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Network file (JSON, format `lsm-network`).
    #[arg(long)]
    pub network: PathBuf,
    /// Input spikes, CSV with header `channel,time_ms` (default: no input).
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Duration of the simulation, ms.
    #[arg(long)]
    pub duration_ms: f64,
    /// Output spikes, CSV with header `neuron,time_ms`.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the membrane potentials (CSV `time_ms,v0,v1,...`).
    #[arg(long)]
    pub record_v: Option<PathBuf>,
    /// The neurons `--record-v` writes, in this order: indices and inclusive ranges, e.g.
    /// `0,5,10-20` (default: every neuron).
    #[arg(long, requires = "record_v")]
    pub neurons: Option<String>,
    /// Also draw the input raster, the reservoir's spike raster and its population rate
    /// (`.svg` or `.png`).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Seed of the noise currents (if the network has any).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Run `lsm network ...`.
pub fn network(command: NetworkCommand, quiet: bool) -> Result<()> {
    match command {
        NetworkCommand::Export(args) => crate::cmd::nir::export(args, quiet),
        NetworkCommand::Import(args) => crate::cmd::nir::import(args, quiet),
        NetworkCommand::Generate {
            config,
            preset,
            out,
            n_inputs,
            seed,
        } => {
            crate::cmd::check_outputs(
                &[("--out", Some(&out))],
                &[("--config", config.as_deref())],
            )?;
            let spec =
                crate::cmd::netgen::generate(preset.as_deref(), config.as_deref(), n_inputs, seed)?;
            spec.save(&out)?;
            if !quiet {
                eprintln!(
                    "wrote {}: {} neurons, {} inputs, {} recurrent and {} input synapses",
                    out.display(),
                    spec.n_neurons,
                    spec.n_inputs,
                    spec.recurrent.len(),
                    spec.input.len()
                );
            }
            Ok(())
        }
        NetworkCommand::Stdp {
            network,
            input,
            duration_ms,
            config,
            epochs,
            out,
            seed,
        } => {
            crate::cmd::check_inputs(&[("--network", Some(&network))])?;
            let mut inputs = vec![("--network", Some(network.as_path()))];
            inputs.push(("--config", config.as_deref()));
            inputs.extend(input.iter().map(|p| ("--input", Some(p.as_path()))));
            crate::cmd::check_outputs(&[("--out", Some(&out))], &inputs)?;
            let cfg: StdpConfig = match &config {
                Some(p) => {
                    let text = crate::cmd::read_config("--config", p)?;
                    StdpConfig::from_json_str(&text, &p.display().to_string())?
                }
                None => StdpConfig::default(),
            };
            if epochs == 0 {
                bail!("--epochs: expected at least 1 pass, found 0");
            }
            let net = Network::from_spec(&NetworkSpec::load(&network)?)?;
            let n_steps = steps_of(duration_ms, net.dt_ms())?;
            // The whole job's cost, before the input files are read or the passes laid out.
            net.check_work(
                epochs as f64 * input.len() as f64 * n_steps as f64,
                &format!(
                    "--epochs {epochs} x {} input files x --duration-ms {duration_ms}",
                    input.len()
                ),
            )?;
            let trains = input
                .iter()
                .map(|p| read_spikes(p, &net, n_steps))
                .collect::<Result<Vec<_>>>()?;
            let drives: Vec<Drive> = (0..epochs)
                .flat_map(|_| trains.iter().map(Drive::Spikes))
                .collect();
            let t0 = std::time::Instant::now();
            let (learned, sum) = train_stdp(&net, &drives, &cfg, None, seed, &|_| {})?;
            learned.save(&out)?;
            if !quiet {
                eprintln!(
                    "plasticity ({}) over {} samples in {:.3} s: {} plastic synapses, mean weight {:.6} -> {:.6}, {} spikes; wrote {}",
                    cfg.model.name(),
                    sum.samples,
                    t0.elapsed().as_secs_f64(),
                    sum.n_plastic,
                    sum.mean_weight_before,
                    sum.mean_weight_after,
                    sum.n_spikes,
                    out.display()
                );
            }
            Ok(())
        }
    }
}

/// Whole steps of `duration_ms` (> 0, at least one step, at most the step limit).
fn steps_of(duration_ms: f64, dt: f64) -> Result<usize> {
    if !(duration_ms.is_finite() && duration_ms > 0.0) {
        bail!("--duration-ms: expected a duration > 0 ms, found {duration_ms}");
    }
    let steps = (duration_ms / dt).round();
    limits::check(
        Limit::Steps,
        steps,
        format!("--duration-ms {duration_ms} at the network's dt_ms = {dt}"),
    )?;
    let n_steps = steps as usize;
    if n_steps == 0 {
        bail!("--duration-ms {duration_ms} is shorter than one step ({dt} ms)");
    }
    Ok(n_steps)
}

/// Input spikes (`channel,time_ms`) for `net`, within `n_steps`.
fn read_spikes(p: &std::path::Path, net: &Network, n_steps: usize) -> Result<SpikeTrains> {
    let f =
        std::fs::File::open(p).with_context(|| format!("opening input spikes {}", p.display()))?;
    Ok(SpikeTrains::read_csv(
        BufReader::new(f),
        &p.display().to_string(),
        "channel",
        net.dt_ms(),
        Some(net.n_inputs()),
        Some(n_steps),
    )?)
}

/// Run `lsm simulate`.
pub fn simulate(args: SimulateArgs, quiet: bool) -> Result<()> {
    crate::cmd::check_inputs(&[("--network", Some(&args.network))])?;
    crate::cmd::check_outputs(
        &[
            ("--out", Some(&args.out)),
            ("--record-v", args.record_v.as_deref()),
            ("--plot", args.plot.as_deref()),
        ],
        &[
            ("--network", Some(&args.network)),
            ("--input", args.input.as_deref()),
        ],
    )?;
    if let Some(p) = &args.plot {
        crate::plot::Format::of(p)?;
    }
    let spec = NetworkSpec::load(&args.network)?;
    let net = Network::from_spec(&spec)?;
    let dt = net.dt_ms();
    let n_steps = steps_of(args.duration_ms, dt)?;
    let what = format!("--duration-ms {} at dt_ms = {dt}", args.duration_ms);
    net.check_work(n_steps as f64, &what)?;
    let selection = (args.neurons.as_deref())
        .map(|text| crate::cmd::select::parse("--neurons", text, net.n_neurons()))
        .transpose()?;
    if args.record_v.is_some() {
        let k = selection
            .as_deref()
            .map_or(net.n_neurons(), crate::cmd::select::count);
        limits::check(
            Limit::MemoryBytes,
            n_steps as f64 * k as f64 * 8.0,
            format!("--record-v: {n_steps} steps x {k} neurons x 8 bytes"),
        )?;
    }
    let input = match &args.input {
        Some(p) => Some(read_spikes(p, &net, n_steps)?),
        None => None,
    };
    let drive = match &input {
        Some(s) => Drive::Spikes(s),
        None => Drive::None,
    };
    let rspec = RecordSpec {
        spikes: true,
        v: args.record_v.is_some(),
        v_neurons: selection.as_deref().map(crate::cmd::select::expand),
        ..RecordSpec::default()
    };
    let t0 = std::time::Instant::now();
    let rec = net.run(drive, n_steps, &rspec, args.seed, 0)?;
    let wall = t0.elapsed().as_secs_f64();
    let spikes = rec.spikes.as_ref().expect("recorded");
    let mut buf = Vec::new();
    spikes.write_csv(&mut buf, "neuron")?;
    lsm_core::write_atomic(&args.out, &buf)
        .with_context(|| format!("writing {}", args.out.display()))?;
    if let (Some(p), Some(v)) = (&args.record_v, rec.v.as_ref()) {
        let mut w = BufWriter::new(Vec::new());
        write!(w, "time_ms")?;
        for i in rspec
            .v_neurons
            .clone()
            .unwrap_or_else(|| (0..net.n_neurons()).collect())
        {
            write!(w, ",v{i}")?;
        }
        writeln!(w)?;
        for (t, row) in v.outer_iter().enumerate() {
            write!(w, "{}", t as f64 * dt)?;
            for x in row.iter() {
                write!(w, ",{x}")?;
            }
            writeln!(w)?;
        }
        let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        lsm_core::write_atomic(p, &bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &args.plot {
        crate::cmd::raster::plot_simulation(p, input.as_ref(), spikes)?;
    }
    if !quiet {
        let rate = rec.n_spikes as f64 / net.n_neurons() as f64 / (n_steps as f64 * dt / 1000.0);
        eprintln!(
            "simulated {} ms ({n_steps} steps) of {} neurons in {wall:.3} s: {} spikes ({rate:.2} Hz), {} synaptic events",
            n_steps as f64 * dt,
            net.n_neurons(),
            rec.n_spikes,
            rec.n_events
        );
    }
    Ok(())
}
