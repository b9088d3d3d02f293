//! NIR neuron populations (LIF, CubaLIF, IF) -> lsm neuron parameters, and the helpers of
//! import.

use super::graph::{Meta, MetaValue, NodeKind};
use super::{ms_to_s, s_to_ms};
use crate::error::{ReservoirError, Result};
use crate::spec::{ModelKind, NeuronSpec, Param, ResetKind, SynapseKind};

pub(super) fn err(file: &str, node: &str, msg: impl Into<String>) -> ReservoirError {
    ReservoirError::Nir {
        file: file.into(),
        node: node.into(),
        msg: msg.into(),
    }
}

/// One value for all neurons when they agree, else one per neuron.
pub(super) fn param(v: Vec<f64>) -> Param {
    match v.first() {
        Some(&x) if v.iter().all(|y| y.to_bits() == x.to_bits()) => Param::Scalar(x),
        _ => Param::PerNeuron(v),
    }
}

/// A neuron parameter of length `n` (a single value stands for all).
fn expand(file: &str, node: &str, field: &str, v: &[f64], n: usize) -> Result<Vec<f64>> {
    match v.len() {
        l if l == n => Ok(v.to_vec()),
        1 => Ok(vec![v[0]; n]),
        l => Err(err(
            file,
            node,
            format!("field `{field}` has {l} values, expected one per neuron ({n})"),
        )),
    }
}

/// An `lsm_*` metadata extra as a parameter of `n` neurons.
fn meta_param(meta: &Meta, key: &str, n: usize) -> Option<Param> {
    match meta.get(key)? {
        MetaValue::Num(x) => Some(Param::Scalar(*x)),
        MetaValue::Nums(v) if v.len() == n => Some(Param::PerNeuron(v.clone())),
        MetaValue::Nums(v) if v.len() == 1 => Some(Param::Scalar(v[0])),
        _ => None,
    }
}

/// The neuron population: its lsm parameters, and the factor `k[post]` of NIR's weights
/// (`W = k w`; exactly 1 for what lsm exports).
pub(super) struct Pop {
    pub(super) neuron: NeuronSpec,
    pub(super) k: Vec<f64>,
    /// For LIF and IF: `r_nir` and `tau` (s; 1 for IF) to read an Affine bias `b` as
    /// `i_bias = b tau / r_mohm` per second. `None` for CubaLIF (a bias there is refused).
    pub(super) bias: Option<(Vec<f64>, Vec<f64>)>,
}

/// An lsm extra that agrees with the NIR values: `f(hint[i]) == nir[i]` for every neuron.
pub(super) fn hinted(
    meta: &Meta,
    key: &str,
    n: usize,
    nir: &[f64],
    f: impl Fn(f64, usize) -> f64,
) -> Option<Param> {
    let p = meta_param(meta, key, n)?;
    (0..n)
        .all(|i| f(p.get(i), i).to_bits() == nir[i].to_bits())
        .then_some(p)
}

pub(super) fn population(
    kind: &NodeKind,
    meta: &Meta,
    file: &str,
    node: &str,
    n: usize,
) -> Result<Pop> {
    let ex = |field: &str, v: &[f64]| expand(file, node, field, v, n);
    let base =
        |tau_m: Param, r: Param, v_rest: Param, v_th: Vec<f64>, v_reset: Vec<f64>| NeuronSpec {
            model: ModelKind::Lif,
            leaky: true,
            tau_m_ms: tau_m,
            r_mohm: r,
            v_rest_mv: v_rest,
            v_reset_mv: param(v_reset),
            v_th_mv: param(v_th),
            t_ref_ms: meta_param(meta, "lsm_t_ref_ms", n).unwrap_or(Param::Scalar(0.0)),
            reset: ResetKind::Value,
            i_bias_na: Param::Scalar(0.0),
            i_noise_na: Param::Scalar(0.0),
            background: None,
            v_init_mv: meta_param(meta, "lsm_v_init_mv", n),
            synapse: SynapseKind::Delta,
            tau_syn_exc_ms: None,
            tau_syn_inh_ms: None,
            e_syn_exc_mv: None,
            e_syn_inh_mv: None,
            adapt_mv: Param::Scalar(0.0),
            tau_adapt_ms: None,
            adapt_current_na: Param::Scalar(0.0),
            tau_adapt_current_ms: None,
            hh: None,
            izhikevich: None,
        };
    // A time constant in ms: lsm's extra when it agrees, else the exact inverse of s.
    let time = |key: &str, s: &[f64]| {
        hinted(meta, key, n, s, |x, _| ms_to_s(x))
            .unwrap_or_else(|| param(s.iter().map(|&x| s_to_ms(x)).collect()))
    };
    Ok(match kind {
        NodeKind::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => {
            let (tau, r) = (ex("tau", tau)?, ex("r", r)?);
            let k: Vec<f64> = (0..n).map(|i| tau[i] / r[i]).collect();
            // lsm writes r = tau; its extra r_mohm then gives the resistance of the bias.
            let r_mohm = meta_param(meta, "lsm_r_mohm", n)
                .filter(|_| k.iter().all(|&x| x == 1.0))
                .unwrap_or_else(|| param(r.clone()));
            let neuron = base(
                time("lsm_tau_m_ms", &tau),
                r_mohm,
                param(ex("v_leak", v_leak)?),
                ex("v_threshold", v_threshold)?,
                ex("v_reset", v_reset)?,
            );
            Pop {
                neuron,
                k,
                bias: Some((r, tau)),
            }
        }
        NodeKind::If {
            r,
            v_threshold,
            v_reset,
        } => {
            let r = ex("r", r)?;
            let k: Vec<f64> = r.iter().map(|&x| 1.0 / x).collect();
            // dv/dt = r_nir I: lsm's extras tau_m and r_mohm when lsm wrote it (r = 1),
            // else tau_m = 1 s and r_mohm = r_nir.
            let ones = r.iter().all(|&x| x == 1.0);
            let tau_m = meta_param(meta, "lsm_tau_m_ms", n).filter(|_| ones);
            let r_mohm = meta_param(meta, "lsm_r_mohm", n).filter(|_| ones);
            let (tau_m, r_mohm) = match (tau_m, r_mohm) {
                (Some(t), Some(rm)) => (t, rm),
                _ => (Param::Scalar(1000.0), param(r.clone())),
            };
            let v_rest = meta_param(meta, "lsm_v_rest_mv", n).unwrap_or(Param::Scalar(0.0));
            let mut neuron = base(
                tau_m,
                r_mohm,
                v_rest,
                ex("v_threshold", v_threshold)?,
                ex("v_reset", v_reset)?,
            );
            neuron.leaky = false;
            Pop {
                neuron,
                k,
                bias: Some((r, vec![1.0; n])),
            }
        }
        NodeKind::CubaLif {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            v_threshold,
            v_reset,
            w_in,
        } => {
            let (tau_syn, r, v_leak) =
                (ex("tau_syn", tau_syn)?, ex("r", r)?, ex("v_leak", v_leak)?);
            let w_in = ex("w_in", w_in)?;
            if let Some(i) = w_in.iter().position(|&x| !(x.is_finite() && x != 0.0)) {
                return Err(err(
                    file,
                    node,
                    format!(
                        "field `w_in[{i}]`: expected a finite non-zero input weight, found {}",
                        w_in[i]
                    ),
                ));
            }
            let k: Vec<f64> = (0..n).map(|i| tau_syn[i] / w_in[i]).collect();
            // v_leak = v_rest + r i_bias: lsm's extras split it back when they agree exactly.
            let rest = meta_param(meta, "lsm_v_rest_mv", n);
            let bias = meta_param(meta, "lsm_i_bias_na", n);
            let (v_rest, i_bias) = match (rest, bias) {
                (Some(vr), Some(b)) if (0..n).all(|i| vr.get(i) + r[i] * b.get(i) == v_leak[i]) => {
                    (vr, b)
                }
                _ => (param(v_leak.clone()), Param::Scalar(0.0)),
            };
            let tau_syn_ms = time("lsm_tau_syn_ms", &tau_syn);
            let mut neuron = base(
                time("lsm_tau_m_ms", &ex("tau_mem", tau_mem)?),
                param(r),
                v_rest,
                ex("v_threshold", v_threshold)?,
                ex("v_reset", v_reset)?,
            );
            neuron.i_bias_na = i_bias;
            neuron.synapse = SynapseKind::ExpCurrent;
            neuron.tau_syn_exc_ms = Some(tau_syn_ms.clone());
            neuron.tau_syn_inh_ms = Some(tau_syn_ms);
            Pop {
                neuron,
                k,
                bias: None,
            }
        }
        _ => unreachable!("called for neuron nodes only"),
    })
}
