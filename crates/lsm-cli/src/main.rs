#![doc = include_str!("../README.md")]

mod cmd;
mod nir_file;
mod npy;
mod plot;

use clap::{Parser, Subcommand};

/// Liquid state machines: spike encoders, spiking reservoirs and linear readouts.
#[derive(Parser, Debug)]
#[command(name = "lsm", version, about, long_about = None)]
pub struct Cli {
    /// Worker threads for parallel work (default: all cores).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// Lift every cost limit (sizes, durations, recorded values, threads; see
    /// `lsm_core::limits`). Without it, a size whose cost is above a limit is refused with a
    /// message naming the limit; `LSM_ALLOW_LARGE=1` does the same as this flag, and
    /// `LSM_MAX_<NAME>=<value>` sets one limit.
    #[arg(long, global = true)]
    pub allow_large: bool,
    /// No progress bars or status lines on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the default configuration of a task as JSON.
    DefaultConfig(cmd::pipeline::DefaultConfigArgs),
    /// Fit a model (encoder + reservoir + readout) on a dataset and save it.
    Fit(cmd::pipeline::FitArgs),
    /// Evaluate a saved model on a dataset.
    Evaluate(cmd::pipeline::EvaluateArgs),
    /// Predict with a saved model: label WAV files (spoken digits), or write a time-series model's predictions as CSV (--data, --out).
    Predict(cmd::pipeline::PredictArgs),
    /// Network files: generate one from a generator config.
    Network {
        #[command(subcommand)]
        command: cmd::simulate::NetworkCommand,
    },
    /// Simulate a network file on input spikes.
    Simulate(cmd::simulate::SimulateArgs),
    /// Encode a WAV file into spikes, or a dataset of WAV files into a spike dataset.
    Encode(cmd::encode::EncodeArgs),
    /// Dataset generators: a synthetic spike dataset, or the series of a built-in time-series task as CSV.
    Data {
        #[command(subcommand)]
        command: cmd::data::DataCommand,
    },
    /// Speed benchmarks of the simulator and the whole pipeline.
    Bench(cmd::bench::BenchArgs),
    /// What a reservoir computes: memory and processing capacity, separation, generalization,
    /// regime (Lyapunov exponent, rate, irregularity, synchrony, damage); --sweep for a phase
    /// diagram over config fields.
    Analyze(cmd::analyze::AnalyzeArgs),
    /// Hyperparameter search over config fields (resumable, shardable); `search report`
    /// merges results files and writes the best config.
    Search(cmd::search::SearchArgs),
    /// Pooled features of a dataset to a .npy file (optionally one shard of the files);
    /// `features merge` joins shards.
    Features(cmd::features::FeaturesArgs),
    /// ANN-to-SNN conversion: a ReLU network trained on the pooled features, converted into
    /// integrate-and-fire neurons; prints ANN and spiking accuracy per simulation length.
    Convert(cmd::convert::ConvertArgs),
}

/// Set by the interrupt handler as it starts: an error that the interrupt causes meanwhile
/// (a worker writing into an output folder the handler is removing) is not reported; the
/// handler exits with 130.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// On Ctrl-C, SIGTERM or SIGHUP: remove the temporary file of an output being written (the
/// previous output stays as it was), say so, and exit with code 130.
fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
        let n = lsm_core::close_outputs();
        let detail = if n > 0 {
            " (the output being written was discarded; the previous file is unchanged)"
        } else {
            ""
        };
        eprintln!("lsm: interrupted{detail}");
        std::process::exit(130);
    });
}

fn main() {
    let cli = Cli::parse();
    lsm_core::limits::allow_large(cli.allow_large);
    install_interrupt_handler();
    if let Some(n) = cli.threads {
        if let Err(e) =
            lsm_core::limits::check(lsm_core::limits::Limit::Threads, n as f64, "--threads")
        {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: --threads {n}: {e}");
            std::process::exit(1);
        }
    }
    let quiet = cli.quiet;
    let r = match cli.command {
        Command::DefaultConfig(a) => cmd::pipeline::default_config(a),
        Command::Fit(a) => cmd::pipeline::fit(a, quiet),
        Command::Evaluate(a) => cmd::pipeline::evaluate(a, quiet),
        Command::Predict(a) => cmd::pipeline::predict(a, quiet),
        Command::Network { command } => cmd::simulate::network(command, quiet),
        Command::Simulate(a) => cmd::simulate::simulate(a, quiet),
        Command::Encode(a) => cmd::encode::encode(a, quiet),
        Command::Data { command } => cmd::data::data(command, quiet),
        Command::Bench(a) => cmd::bench::bench(a, quiet),
        Command::Analyze(a) => cmd::analyze::analyze(a, quiet),
        Command::Search(a) => cmd::search::search(a, quiet),
        Command::Features(a) => cmd::features::features(a, quiet),
        Command::Convert(a) => cmd::convert::convert(a, quiet),
    };
    if let Err(e) = r {
        while INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            // The handler is cleaning up and will exit with 130.
            std::thread::park_timeout(std::time::Duration::from_secs(1));
        }
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
