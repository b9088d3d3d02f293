//! Hyperparameter search: a space file naming config fields by JSON path with a
//! distribution each ([`space`]), samplers that draw a trial's parameters and seed from the
//! base seed and the trial id alone ([`sampler`], [`sobol`]), successive halving
//! ([`halving`]), scoring on training data only ([`objective`]), the append-only results
//! file and merging shards of it ([`results`]), and the loop that ties them ([`run`]).
//!
//! `lsm search` is the command line of this module; `grid` serves sweeps.

pub mod halving;
pub mod objective;
pub mod results;
pub mod run;
pub mod sampler;
pub mod sobol;
pub mod space;

pub use halving::{subset, Halving};
pub use objective::{group_folds, score_digits, score_series, validation_fold, TrialScores};
pub use results::{
    fingerprint, merge, ranked, read_results, results_text, Header, Results, ResultsFile, Trial,
};
pub use run::{is_series_config, parse_config, AnyConfig, Search, SearchData, TrialSpec};
pub use sampler::{grid, trial_seed, Sampler, SamplerKind};
pub use sobol::{sobol_point, SOBOL_MAX_DIMS};
pub use space::{get_path, set_path, with_params, Direction, Dist, Objective, Param, Space};
