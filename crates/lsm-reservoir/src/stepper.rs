//! Running a network a few steps at a time: a [`Stepper`] holds everything a run changes
//! (membranes, currents, refractory counters, delay buffers, traces, the noise and background
//! generators and the step count), so that a run can go on with a drive computed from what the network just
//! did (closed loop), and be copied to branch from a state (`Clone`).
//!
//! Advancing a stepper by `a` steps and then by `b` gives exactly the spikes and state of one
//! run of `a + b` steps from rest with the same seed ([`Network::run`]): the same operations
//! in the same order, the step count carried on (refractory periods and delay slots are
//! counted in absolute steps), the noise and background drawn from the same streams.
//!
//! ```
//! use lsm_reservoir::{Drive, GeneratorConfig, Network, RecordSpec};
//! let mut g = GeneratorConfig::default();
//! g.n_neurons = Some(50);
//! g.neuron.i_noise_na = 2.0.into();
//! let spec = g.generate(1, 7)?;
//! let net = Network::from_spec(&spec)?;
//! let x = ndarray::Array2::from_elem((200, 1), 20.0);
//! let whole = net.run(Drive::Current(x.view()), 200, &RecordSpec::default(), 7, 0)?;
//! let mut st = net.stepper(7, 0);
//! let mut out = Default::default();
//! let mut n_spikes = 0;
//! for chunk in x.exact_chunks((50, 1)) {
//!     net.advance(&mut st, Drive::Current(chunk), 50, &RecordSpec::default(), &mut out)?;
//!     n_spikes += out.n_spikes;
//! }
//! assert_eq!(n_spikes, whole.n_spikes);
//! # Ok::<(), lsm_reservoir::ReservoirError>(())
//! ```

use crate::error::Result;
use crate::network::Network;
use crate::sim::{Drive, RecordSpec, Recording, SimRngs, SimWorkspace, Start};

/// The whole mutable state of a run in progress (see the module doc).
#[derive(Clone, Debug)]
pub struct Stepper {
    ws: SimWorkspace,
    rng: SimRngs,
    /// Steps run so far.
    t: usize,
}

impl Stepper {
    /// Steps run so far.
    pub fn steps(&self) -> usize {
        self.t
    }

    /// Bytes of state held (what a copy costs).
    pub fn heap_bytes(&self) -> usize {
        self.ws.heap_bytes()
    }
}

impl Network {
    /// A stepper at rest, its noise and background drawn from the streams of `seed` and
    /// `sample_id` as [`Network::run`]'s.
    pub fn stepper(&self, seed: u64, sample_id: u64) -> Stepper {
        Stepper {
            ws: self.workspace(),
            rng: self.sim_rngs(seed, sample_id),
            t: 0,
        }
    }

    /// Run `n_steps` more steps from the state of `st`, recording `spec` into `out` (the
    /// recording covers these steps only: its steps, bins and trace samples count from the
    /// first of them; filtered traces carry on from the state).
    ///
    /// # Errors
    /// As [`Network::run_into`]; [`crate::ReservoirError::Input`] if `st` was made for
    /// another network.
    pub fn advance(
        &self,
        st: &mut Stepper,
        drive: Drive<'_>,
        n_steps: usize,
        spec: &RecordSpec,
        out: &mut Recording,
    ) -> Result<()> {
        let start = Start::Resume {
            rng: &mut st.rng,
            t0: st.t,
            fresh: st.t == 0,
        };
        self.run_impl(drive, n_steps, spec, start, &mut st.ws, out, None)?;
        st.t += n_steps;
        Ok(())
    }
}
