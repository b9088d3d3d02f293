//! Step 1 of the LIF neuron: the exact propagators of current and delta synapses (see the
//! module documentation of [`crate::neuron`]); conductance synapses go to
//! [`super::conductance`].

use super::{conductance, Lif, LifState};
use crate::spec::SynapseKind;
use lsm_core::Real;

impl Lif {
    /// Step 1 without the adaptation current.
    #[inline(always)]
    pub(super) fn update_membrane(&self, s: &mut LifState, t: i64, i_ext: Option<&[Real]>) {
        let n = self.n;
        if !self.adapt.is_empty() {
            for (th, p) in s.theta[..n].iter_mut().zip(&self.p_adapt[..n]) {
                *th *= p;
            }
        }
        let t = t as Real;
        let (v, ie, ii, ru) = (
            &mut s.v[..n],
            &mut s.i_exc[..n],
            &mut s.i_inh[..n],
            &s.refractory_until[..n],
        );
        let (vr, p22, p20, ib) = (
            &self.v_rest[..n],
            &self.p22[..n],
            &self.p20[..n],
            &self.i_bias[..n],
        );
        if let (Some(u), SynapseKind::ExpCurrent) = (self.uniform, self.synapse) {
            // The same expressions as below with every parameter a scalar: bit-identical.
            let (p21e, p21i, p11e, p11i) = (u.p21e, u.p21i, u.p11e, u.p11i);
            let (vr, p22, p20) = (u.v_rest, u.p22, u.p20);
            match i_ext {
                None => {
                    let drive = p20 * u.i_bias;
                    for i in 0..n {
                        let vn = vr + p22 * (v[i] - vr) + p21e * ie[i] + p21i * ii[i] + drive;
                        v[i] = if t >= ru[i] { vn } else { v[i] };
                        ie[i] *= p11e;
                        ii[i] *= p11i;
                    }
                }
                Some(x) => {
                    let x = &x[..n];
                    for i in 0..n {
                        let vn = vr
                            + p22 * (v[i] - vr)
                            + p21e * ie[i]
                            + p21i * ii[i]
                            + p20 * (u.i_bias + x[i]);
                        v[i] = if t >= ru[i] { vn } else { v[i] };
                        ie[i] *= p11e;
                        ii[i] *= p11i;
                    }
                }
            }
            return;
        }
        match self.synapse {
            SynapseKind::ExpCurrent => {
                let (p21e, p21i, p11e, p11i) = (
                    &self.p21e[..n],
                    &self.p21i[..n],
                    &self.p11e[..n],
                    &self.p11i[..n],
                );
                match i_ext {
                    None => {
                        for i in 0..n {
                            let vn = vr[i]
                                + p22[i] * (v[i] - vr[i])
                                + p21e[i] * ie[i]
                                + p21i[i] * ii[i]
                                + p20[i] * ib[i];
                            v[i] = if t >= ru[i] { vn } else { v[i] };
                            ie[i] *= p11e[i];
                            ii[i] *= p11i[i];
                        }
                    }
                    Some(x) => {
                        let x = &x[..n];
                        for i in 0..n {
                            let vn = vr[i]
                                + p22[i] * (v[i] - vr[i])
                                + p21e[i] * ie[i]
                                + p21i[i] * ii[i]
                                + p20[i] * (ib[i] + x[i]);
                            v[i] = if t >= ru[i] { vn } else { v[i] };
                            ie[i] *= p11e[i];
                            ii[i] *= p11i[i];
                        }
                    }
                }
            }
            SynapseKind::ExpConductance => conductance::update(self, s, t, i_ext),
            SynapseKind::Delta => match i_ext {
                None => {
                    for i in 0..n {
                        let vn = vr[i] + p22[i] * (v[i] - vr[i]) + p20[i] * ib[i];
                        v[i] = if t >= ru[i] { vn } else { v[i] };
                    }
                }
                Some(x) => {
                    let x = &x[..n];
                    for i in 0..n {
                        let vn = vr[i] + p22[i] * (v[i] - vr[i]) + p20[i] * (ib[i] + x[i]);
                        v[i] = if t >= ru[i] { vn } else { v[i] };
                    }
                }
            },
        }
    }
}
