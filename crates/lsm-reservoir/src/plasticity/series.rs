//! Plasticity of the time-series pipeline's spiking reservoir ([`SpikingReservoir::learn`]).

use crate::analog::SpikingReservoir;
use crate::error::Result;
use crate::{Network, RecordSpec, Stdp};
use lsm_core::Real;
use ndarray::ArrayView2;

impl SpikingReservoir {
    /// Unsupervised plasticity of the recurrent excitatory synapses (the config's
    /// `plasticity`, STDP or a rate-based rule): one run over `inputs` (the training rows,
    /// one sample: the traces start from 0 once), driven through the input path exactly as
    /// [`SpikingReservoir::states`] drives the network (same `seed`); the network then holds
    /// the learned weights (and `meta.stdp`), so every later run and the model file use them.
    /// Nothing happens without `plasticity`.
    ///
    /// # Errors
    /// The rule's config errors, the cost limits (steps; a rate-based rule's steps × plastic
    /// synapses), simulator errors.
    pub fn learn(&mut self, inputs: ArrayView2<Real>, seed: u64) -> Result<()> {
        let Some(cfg) = &self.config.plasticity else {
            return Ok(());
        };
        let net = Network::from_spec(&self.spec)?;
        let mut stdp = Stdp::new(&net, cfg, None)?;
        let steps = inputs.nrows() as Real * self.config.steps_per_sample as Real;
        stdp.check_work(steps, "the training rows x steps_per_sample")?;
        let spec = RecordSpec {
            spikes: false,
            ..RecordSpec::default()
        };
        self.drive(&net, inputs, &spec, seed, Some(&mut stdp))?;
        self.spec = stdp.to_spec(&net, 1)?;
        Ok(())
    }
}
