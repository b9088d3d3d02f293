//! `lsm network generate` and `lsm simulate`: build a network file from a generator config,
//! simulate a network file on input spikes.
//!
//! * `lsm network generate --config GEN.json --out NET.json [--n-inputs K] [--seed S]`
//! * `lsm simulate --network NET.json [--input SPIKES.csv] --duration-ms T --out SPIKES_OUT.csv
//!   [--record-v V.csv] [--seed S]`
//!
//! Input spikes are CSV with header `channel,time_ms`; the output raster has header
//! `neuron,time_ms`, sorted by time then neuron. `--record-v` writes the membrane potential of
//! every neuron at every step as CSV with header `time_ms,v0,v1,...` (mV; row `t` is the
//! value at time `t·dt`, before that step's update).

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use lsm_core::SpikeTrains;
use lsm_reservoir::{Drive, GeneratorConfig, Network, NetworkSpec, RecordSpec};
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

/// `lsm network ...` subcommands.
#[derive(Subcommand, Debug)]
pub enum NetworkCommand {
    /// Generate a network file from a generator config (JSON; `{}` gives every default).
    Generate {
        /// Generator config (JSON).
        #[arg(long)]
        config: PathBuf,
        /// Output network file (JSON, format `lsm-network` version 1).
        #[arg(long)]
        out: PathBuf,
        /// Number of input channels.
        #[arg(long, default_value_t = 1)]
        n_inputs: usize,
        /// Seed of every random draw.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
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
    /// Seed of the noise currents (if the network has any).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Run `lsm network ...`.
pub fn network(command: NetworkCommand, quiet: bool) -> Result<()> {
    match command {
        NetworkCommand::Generate {
            config,
            out,
            n_inputs,
            seed,
        } => {
            let text = std::fs::read_to_string(&config)
                .with_context(|| format!("reading generator config {}", config.display()))?;
            let cfg = GeneratorConfig::from_json_str(&text, &config.display().to_string())?;
            let spec = cfg.generate(n_inputs, seed)?;
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
    }
}

/// Run `lsm simulate`.
pub fn simulate(args: SimulateArgs, quiet: bool) -> Result<()> {
    let spec = NetworkSpec::load(&args.network)?;
    let net = Network::from_spec(&spec)?;
    let dt = net.dt_ms();
    if !(args.duration_ms.is_finite() && args.duration_ms > 0.0) {
        bail!(
            "--duration-ms: expected a duration > 0 ms, found {}",
            args.duration_ms
        );
    }
    let n_steps = (args.duration_ms / dt).round() as usize;
    if n_steps == 0 {
        bail!(
            "--duration-ms {} is shorter than one step ({dt} ms)",
            args.duration_ms
        );
    }
    let input = match &args.input {
        Some(p) => {
            let f = std::fs::File::open(p)
                .with_context(|| format!("opening input spikes {}", p.display()))?;
            Some(SpikeTrains::read_csv(
                BufReader::new(f),
                &p.display().to_string(),
                "channel",
                dt,
                Some(net.n_inputs()),
                Some(n_steps),
            )?)
        }
        None => None,
    };
    let drive = match &input {
        Some(s) => Drive::Spikes(s),
        None => Drive::None,
    };
    let rspec = RecordSpec {
        spikes: true,
        v: args.record_v.is_some(),
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
        for i in 0..net.n_neurons() {
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
