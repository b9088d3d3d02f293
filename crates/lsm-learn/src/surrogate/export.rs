//! The trained network as an lsm network file.

use super::SurrogateNet;
use crate::error::Result;
use lsm_reservoir::NetworkSpec;

impl SurrogateNet {
    /// The network file: hidden neurons `0..hidden`, outputs `hidden..hidden + classes`, the
    /// input synapses `w_in`, recurrent synapses `w_rec` (no autapses) and hidden → output
    /// synapses `w_out`, every delay 0 ms; the neurons of [`SurrogateNet::neuron_spec`]
    /// (non-firing outputs with the `"membrane"` loss). `meta` is stored as the file's
    /// free-form `meta` field. The simulator gives the spikes of
    /// [`SurrogateNet::run`] bit for bit.
    ///
    /// # Errors
    /// [`crate::LearnError::InvalidParam`] for an invalid network,
    /// [`crate::LearnError::Reservoir`] if the file does not validate.
    pub fn to_network_spec(&self, meta: Option<serde_json::Value>) -> Result<NetworkSpec> {
        self.validate()?;
        let (c, h, o) = (self.n_inputs(), self.hidden(), self.n_outputs());
        let n = h + o;
        let mut spec = NetworkSpec::new(self.dt_ms, n, c, self.neuron_spec(n, o));
        for ((ch, j), &w) in self.w_in.indexed_iter() {
            spec.input.pre.push(ch as u32);
            spec.input.post.push(j as u32);
            spec.input.weight.push(w);
        }
        for i in 0..h {
            if let Some(wr) = &self.w_rec {
                for j in (0..h).filter(|&j| j != i) {
                    spec.recurrent.pre.push(i as u32);
                    spec.recurrent.post.push(j as u32);
                    spec.recurrent.weight.push(wr[[i, j]]);
                }
            }
            for k in 0..o {
                spec.recurrent.pre.push(i as u32);
                spec.recurrent.post.push((h + k) as u32);
                spec.recurrent.weight.push(self.w_out[[i, k]]);
            }
        }
        spec.input.delay_ms = Some(vec![0.0; spec.input.len()]);
        spec.recurrent.delay_ms = Some(vec![0.0; spec.recurrent.len()]);
        spec.meta = meta;
        spec.validate()?;
        Ok(spec)
    }
}
