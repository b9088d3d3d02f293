//! A reservoir run one step at a time on a drive chosen step by step: the closed loop
//! (the readout's output fed back as the next input and through the feedback weights) and
//! FORCE training (the output fed back while the readout learns).

use super::*;
use lsm_core::Real;

/// An ESN (its state vector), an NVAR (its delay buffer) or a spiking reservoir (its whole
/// simulation state, copied from teacher-forced snapshots).
pub(crate) enum Looper<'a> {
    Esn {
        esn: &'a lsm_reservoir::Esn,
        x: Vec<Real>,
        scratch: Vec<Real>,
        /// The step's input `[u; y]` (the fed-back output `y` only with feedback).
        drive: Vec<Real>,
    },
    /// A deep ESN: its full state (every layer), the readout's part of it, and the full
    /// teacher-forced states at the closed-loop starts (from `prepare`).
    DeepEsn {
        deep: &'a lsm_reservoir::esn::DeepEsn,
        x: Vec<Real>,
        scratch: Vec<Real>,
        feats: Vec<Real>,
        snaps: Vec<(usize, Vec<Real>)>,
    },
    Nvar {
        nvar: &'a lsm_reservoir::Nvar,
        st: lsm_reservoir::NvarState,
        feats: Vec<Real>,
    },
    Spiking {
        stepper: Box<lsm_reservoir::SeriesStepper>,
        st: Box<lsm_reservoir::SeriesState>,
        drive: Vec<Real>,
        seed: u64,
    },
}

/// Teacher-forced states of a spiking reservoir at the closed-loop trial starts, computed once
/// per scored segment and reused for every α of the grid: (starts, state after row start − 1).
pub(crate) type SpikingStarts = (Vec<usize>, Vec<lsm_reservoir::SeriesState>);

impl<'a> Looper<'a> {
    /// A looper at rest; `seed` seeds a spiking reservoir's simulator noise (as its
    /// teacher-forced run).
    pub(crate) fn new(res: &'a Reservoir, seed: u64) -> Result<Self> {
        match res {
            Reservoir::Esn(esn) => Ok(Looper::Esn {
                esn,
                x: vec![0.0; esn.n_units()],
                scratch: vec![0.0; esn.n_units()],
                drive: vec![0.0; esn.n_inputs()],
            }),
            Reservoir::DeepEsn(deep) => Ok(Looper::DeepEsn {
                deep,
                x: vec![0.0; deep.n_units()],
                scratch: vec![0.0; deep.layers().iter().map(|e| e.n_units()).max().unwrap_or(0)],
                feats: vec![0.0; deep.n_state()],
                snaps: Vec::new(),
            }),
            Reservoir::Nvar(nvar) => Ok(Looper::Nvar {
                nvar,
                st: nvar.new_state(),
                feats: vec![0.0; nvar.n_features()],
            }),
            Reservoir::Spiking(sr) => {
                let stepper = Box::new(sr.series_stepper()?);
                let st = Box::new(stepper.start(seed));
                let drive = vec![0.0; stepper.n_inputs()];
                Ok(Looper::Spiking {
                    stepper,
                    st,
                    drive,
                    seed,
                })
            }
        }
    }

    /// Get ready to start from the teacher-forced states after rows `starts[j] − 1`
    /// (ascending): a spiking reservoir runs teacher forced once and keeps a copy of its state
    /// at each start (cached in `sc` across calls); the others need nothing.
    pub(crate) fn prepare(&mut self, sc: &Scorer, starts: &[usize]) -> Result<()> {
        if let Looper::DeepEsn {
            deep,
            x,
            scratch,
            snaps,
            ..
        } = self
        {
            // The readout sees only some layers: the full states come from one teacher-forced
            // run, copied at every start.
            let bytes = (x.len() * 8) as f64 * starts.len() as f64;
            starts_memory(bytes, "the deep ESN's full state")?;
            x.fill(0.0);
            snaps.clear();
            let (mut row, mut u) = (0usize, vec![0.0; sc.drive.ncols()]);
            for &s0 in starts {
                while row < s0 {
                    for (d, v) in u.iter_mut().zip(sc.drive.row(row)) {
                        *d = *v;
                    }
                    deep.step(x, &u, scratch);
                    row += 1;
                }
                snaps.push((s0, x.clone()));
            }
            return Ok(());
        }
        let Looper::Spiking { stepper, seed, .. } = self else {
            return Ok(());
        };
        if let Some((s, _)) = &*sc.spiking_starts.borrow() {
            if s == starts {
                return Ok(());
            }
        }
        let mut st = stepper.start(*seed);
        let bytes = st.heap_bytes() as f64 * starts.len() as f64;
        starts_memory(bytes, "the spiking reservoir's state")?;
        let mut snaps = Vec::with_capacity(starts.len());
        let mut row = 0usize;
        let mut u = vec![0.0; sc.drive.ncols()];
        for &s0 in starts {
            while row < s0 {
                for (d, v) in u.iter_mut().zip(sc.drive.row(row)) {
                    *d = *v;
                }
                stepper.step(&mut st, &u)?;
                row += 1;
            }
            snaps.push(st.clone());
        }
        *sc.spiking_starts.borrow_mut() = Some((starts.to_vec(), snaps));
        Ok(())
    }

    /// Start from the teacher-forced state after input row `s − 1` (for a spiking reservoir,
    /// `s` must be one of the starts given to `prepare`).
    pub(crate) fn start(&mut self, sc: &Scorer, s: usize) {
        match self {
            Looper::Spiking { st, .. } => {
                let cache = sc.spiking_starts.borrow();
                let (starts, snaps) = cache.as_ref().expect("prepare() ran first");
                let j = starts.partition_point(|&x| x < s);
                **st = snaps[j].clone();
            }
            Looper::Esn { x, .. } => x.copy_from_slice(
                sc.states
                    .row(s - 1 - sc.offset)
                    .as_slice()
                    .expect("contiguous"),
            ),
            Looper::Nvar { nvar, st, .. } => *st = nvar.state_after(sc.prep.inputs.view(), s),
            Looper::DeepEsn { x, snaps, .. } => {
                let j = snaps.partition_point(|(x0, _)| *x0 < s);
                x.copy_from_slice(&snaps[j].1);
            }
        }
    }

    /// The current state row (what the readout sees before the input columns).
    pub(crate) fn state(&mut self) -> &[Real] {
        match self {
            Looper::Esn { x, .. } => x,
            Looper::Nvar { nvar, st, feats } => {
                nvar.features(st, feats);
                feats
            }
            Looper::Spiking { st, .. } => st.features(),
            Looper::DeepEsn { deep, x, feats, .. } => {
                deep.readout_state(x, feats);
                feats
            }
        }
    }

    /// Run one step on input `u` and, with feedback, the fed-back output `y` (the drive
    /// `[u; y]`; `y` is ignored by a reservoir without feedback).
    pub(crate) fn step(&mut self, u: &[Real], y: &[Real]) -> Result<()> {
        let fill = |drive: &mut [Real]| {
            let k = u.len();
            drive[..k].copy_from_slice(u);
            let rest = &mut drive[k..];
            if !rest.is_empty() {
                rest.copy_from_slice(y);
            }
        };
        match self {
            Looper::Esn {
                esn,
                x,
                scratch,
                drive,
            } => {
                fill(drive);
                esn.step(x, drive, scratch)
            }
            Looper::Nvar { nvar, st, .. } => nvar.push(st, u),
            Looper::DeepEsn {
                deep, x, scratch, ..
            } => deep.step(x, u, scratch),
            Looper::Spiking {
                stepper, st, drive, ..
            } => {
                fill(drive);
                stepper.step(st, drive)?;
            }
        }
        Ok(())
    }
}

/// The memory of the reservoir states kept at every closed-loop start, against the limit.
fn starts_memory(bytes: f64, what: &str) -> Result<()> {
    lsm_core::limits::check(
        lsm_core::limits::Limit::MemoryBytes,
        bytes,
        format!("closed loop: {what} at every trial start (prediction.trials)"),
    )
    .map_err(|e| PipelineError::config("prediction.trials", e.to_string()))
}
