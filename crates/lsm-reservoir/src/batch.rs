//! Many samples in parallel over one immutable network (rayon, one workspace per worker).

use crate::error::Result;
use crate::network::Network;
use crate::sim::{Drive, RecordSpec, Recording};
use rayon::prelude::*;

/// Run many samples in parallel (rayon, one [`SimWorkspace`](crate::SimWorkspace) per worker) over one immutable
/// network. Sample `i` runs `drives[i].n_steps()` steps with noise stream
/// `rng_for(seed, SIM_NOISE + i)`; results are identical for any thread count.
///
/// # Errors
/// The first error of any sample.
pub fn run_batch(
    net: &Network,
    drives: &[Drive<'_>],
    spec: &RecordSpec,
    seed: u64,
) -> Result<Vec<Recording>> {
    let items: Vec<(u64, Drive<'_>, usize)> = drives
        .iter()
        .enumerate()
        .map(|(i, d)| (i as u64, *d, d.n_steps()))
        .collect();
    run_batch_items(net, &items, spec, seed)
}

/// As [`run_batch`] with explicit `(sample_id, drive, n_steps)` per sample (stable sample ids
/// select the noise streams; the order of results follows `items`).
///
/// # Errors
/// The first error of any sample.
pub fn run_batch_items(
    net: &Network,
    items: &[(u64, Drive<'_>, usize)],
    spec: &RecordSpec,
    seed: u64,
) -> Result<Vec<Recording>> {
    items
        .par_iter()
        .map_init(
            || net.workspace(),
            |ws, &(id, drive, n_steps)| {
                let mut out = Recording::default();
                net.run_into(drive, n_steps, spec, seed, id, ws, &mut out)?;
                Ok(out)
            },
        )
        .collect()
}
