//! `lsm network export --format nir` and `lsm network import`: a network file as a NIR graph
//! (HDF5, the Neuromorphic Intermediate Representation) and back. The mapping, its units and
//! what NIR cannot express: `lsm_reservoir::nir`; the file layer: [`crate::nir_file`].
//!
//! * `lsm network export --format nir NET.json OUT.nir [--tau-syn exc|inh]`
//! * `lsm network import IN.nir NET.json [--dt-ms DT]`

use anyhow::Result;
use clap::{Args, ValueEnum};
use lsm_reservoir::nir::{self, ExportOptions, ImportOptions, TauSynChoice};
use lsm_reservoir::NetworkSpec;
use std::path::PathBuf;

/// Export formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// NIR (HDF5), read by snnTorch, Norse, Sinabs, Lava...
    Nir,
}

/// The synaptic time constant NIR's CubaLIF gets when lsm's excitatory and inhibitory ones
/// differ.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TauSyn {
    /// `tau_syn_exc_ms` for every synapse.
    Exc,
    /// `tau_syn_inh_ms` for every synapse.
    Inh,
}

/// `lsm network export` arguments.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Network file (JSON, format `lsm-network`).
    pub network: PathBuf,
    /// Output NIR file (HDF5).
    pub out: PathBuf,
    /// When `tau_syn_exc_ms` and `tau_syn_inh_ms` differ (NIR's CubaLIF has one synaptic time
    /// constant): use this one for every synapse, changing the others' dynamics. Without it
    /// such a network is refused.
    #[arg(long, value_enum)]
    pub tau_syn: Option<TauSyn>,
}

/// `lsm network import` arguments.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// NIR file (HDF5).
    pub nir: PathBuf,
    /// Output network file (JSON, format `lsm-network`).
    pub out: PathBuf,
    /// The simulation step, ms (default: the graph metadata `dt`, in seconds; required when
    /// the graph has none).
    #[arg(long)]
    pub dt_ms: Option<f64>,
}

/// Run `lsm network export`.
pub fn export(args: ExportArgs, quiet: bool) -> Result<()> {
    let Format::Nir = args.format;
    crate::cmd::check_inputs(&[("NETWORK", Some(&args.network))])?;
    crate::cmd::check_outputs(
        &[("OUT", Some(&args.out))],
        &[("NETWORK", Some(&args.network))],
    )?;
    let spec = NetworkSpec::load(&args.network)?;
    let opts = ExportOptions {
        tau_syn: match args.tau_syn {
            None => TauSynChoice::Refuse,
            Some(TauSyn::Exc) => TauSynChoice::Exc,
            Some(TauSyn::Inh) => TauSynChoice::Inh,
        },
    };
    let graph = nir::to_nir(&spec, &args.network.display().to_string(), &opts)?;
    crate::nir_file::write(&args.out, &graph)?;
    if !quiet {
        eprintln!(
            "wrote {}: NIR graph of {} nodes ({} neurons, {} inputs)",
            crate::cmd::escape_text(&args.out.display().to_string()),
            graph.nodes.len(),
            spec.n_neurons,
            spec.n_inputs
        );
        if !spec.neuron.t_ref_ms.is_all_zero() {
            eprintln!(
                "note: NIR has no refractory period: neuron.t_ref_ms is kept in the node metadata `lsm_t_ref_ms`, which other NIR tools ignore"
            );
        }
        if args.tau_syn.is_some() && spec.neuron.tau_syn_exc_ms != spec.neuron.tau_syn_inh_ms {
            eprintln!("note: --tau-syn: one synaptic time constant for every synapse; the other kind's dynamics changed");
        }
    }
    Ok(())
}

/// Run `lsm network import`.
pub fn import(args: ImportArgs, quiet: bool) -> Result<()> {
    crate::cmd::check_inputs(&[("NIR", Some(&args.nir))])?;
    crate::cmd::check_outputs(&[("OUT", Some(&args.out))], &[("NIR", Some(&args.nir))])?;
    if let Some(dt) = args.dt_ms {
        if !(dt.is_finite() && dt > 0.0) {
            anyhow::bail!("--dt-ms: expected a time step > 0 ms, found {dt}");
        }
    }
    let graph = crate::nir_file::read(&args.nir)?;
    let spec = nir::from_nir(
        &graph,
        &args.nir.display().to_string(),
        &ImportOptions { dt_ms: args.dt_ms },
    )?;
    spec.save(&args.out)?;
    if !quiet {
        eprintln!(
            "wrote {}: {} neurons, {} inputs, {} recurrent and {} input synapses",
            crate::cmd::escape_text(&args.out.display().to_string()),
            spec.n_neurons,
            spec.n_inputs,
            spec.recurrent.len(),
            spec.input.len()
        );
    }
    Ok(())
}
