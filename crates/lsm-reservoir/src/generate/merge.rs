//! One `neuron` section for the layers of a [`super::LayeredConfig`]: a network file has one
//! neuron model, but every parameter may be given per neuron, so layers may differ in any
//! parameter while they share the model, the synapse kind and the other non-numeric fields.

use crate::error::{config_err, Result};
use crate::spec::{NeuronSpec, Param};

/// A layer's name, size and neuron.
pub(super) struct Part<'a> {
    pub name: &'a str,
    pub n: usize,
    pub neuron: &'a NeuronSpec,
}

/// The neuron of the whole network: the layers' own when they are all equal, else every
/// parameter that differs concatenated per neuron in layer order. Errors name
/// `layers[k].neuron.<field>` for a field that must be shared.
pub(super) fn merge_neurons(parts: &[Part]) -> Result<NeuronSpec> {
    let first = parts[0].neuron;
    if parts.iter().all(|p| p.neuron == first) {
        return Ok(first.clone());
    }
    let shared = |field: &str, same: &dyn Fn(&NeuronSpec, &NeuronSpec) -> bool| -> Result<()> {
        match parts
            .iter()
            .enumerate()
            .find(|(_, p)| !same(p.neuron, first))
        {
            None => Ok(()),
            Some((k, p)) => Err(config_err(
                format!("layers[{k}].neuron.{field}"),
                format!(
                    "layer \"{}\" differs from layer \"{}\": a network has one neuron model, \
                     so `{field}` must be the same in every layer (numeric parameters may differ)",
                    p.name, parts[0].name
                ),
            )),
        }
    };
    shared("model", &|a, b| a.model == b.model)?;
    shared("leaky", &|a, b| a.leaky == b.leaky)?;
    shared("reset", &|a, b| a.reset == b.reset)?;
    shared("synapse", &|a, b| a.synapse == b.synapse)?;
    shared("background", &|a, b| a.background == b.background)?;
    shared("hh", &|a, b| a.hh == b.hh)?;
    shared("izhikevich.quadratic", &|a, b| {
        a.izhikevich.as_ref().map(|p| p.quadratic) == b.izhikevich.as_ref().map(|p| p.quadratic)
    })?;
    let cat = |get: &dyn Fn(&NeuronSpec) -> Param| -> Param {
        let vals: Vec<(Param, usize)> = parts.iter().map(|p| (get(p.neuron), p.n)).collect();
        match &vals[0].0 {
            Param::Scalar(x) if vals.iter().all(|(v, _)| *v == Param::Scalar(*x)) => {
                Param::Scalar(*x)
            }
            _ => Param::PerNeuron(vals.iter().flat_map(|(v, n)| v.expand(*n)).collect()),
        }
    };
    // An optional parameter given in some layers must be given in all.
    let opt_cat =
        |field: &str, get: &dyn Fn(&NeuronSpec) -> Option<Param>| -> Result<Option<Param>> {
            let given = parts.iter().filter(|p| get(p.neuron).is_some()).count();
            if given == 0 {
                return Ok(None);
            }
            if let Some((k, p)) = parts
                .iter()
                .enumerate()
                .find(|(_, p)| get(p.neuron).is_none())
            {
                return Err(config_err(
                    format!("layers[{k}].neuron.{field}"),
                    format!(
                        "missing in layer \"{}\" but given in another layer: give it in every \
                     layer or in none",
                        p.name
                    ),
                ));
            }
            Ok(Some(cat(&|ne| get(ne).expect("given"))))
        };
    let mut m = first.clone();
    m.tau_m_ms = cat(&|ne| ne.tau_m_ms.clone());
    m.r_mohm = cat(&|ne| ne.r_mohm.clone());
    m.v_rest_mv = cat(&|ne| ne.v_rest_mv.clone());
    m.v_reset_mv = cat(&|ne| ne.v_reset_mv.clone());
    m.v_th_mv = cat(&|ne| ne.v_th_mv.clone());
    m.t_ref_ms = cat(&|ne| ne.t_ref_ms.clone());
    m.i_bias_na = cat(&|ne| ne.i_bias_na.clone());
    m.i_noise_na = cat(&|ne| ne.i_noise_na.clone());
    m.adapt_mv = cat(&|ne| ne.adapt_mv.clone());
    m.adapt_current_na = cat(&|ne| ne.adapt_current_na.clone());
    // An initial potential left out is the resting potential.
    m.v_init_mv = if parts.iter().any(|p| p.neuron.v_init_mv.is_some()) {
        Some(cat(&|ne| {
            ne.v_init_mv.clone().unwrap_or_else(|| ne.v_rest_mv.clone())
        }))
    } else {
        None
    };
    m.tau_syn_exc_ms = opt_cat("tau_syn_exc_ms", &|ne| ne.tau_syn_exc_ms.clone())?;
    m.tau_syn_inh_ms = opt_cat("tau_syn_inh_ms", &|ne| ne.tau_syn_inh_ms.clone())?;
    m.e_syn_exc_mv = opt_cat("e_syn_exc_mv", &|ne| ne.e_syn_exc_mv.clone())?;
    m.e_syn_inh_mv = opt_cat("e_syn_inh_mv", &|ne| ne.e_syn_inh_mv.clone())?;
    m.tau_adapt_ms = opt_cat("tau_adapt_ms", &|ne| ne.tau_adapt_ms.clone())?;
    m.tau_adapt_current_ms = opt_cat("tau_adapt_current_ms", &|ne| {
        ne.tau_adapt_current_ms.clone()
    })?;
    if let Some(iz) = &first.izhikevich {
        // Every layer has one (the model is shared and requires it): presets resolved.
        let k =
            |i: usize| cat(&|ne| ne.izhikevich.as_ref().expect("izhikevich").resolved()[i].clone());
        m.izhikevich = Some(crate::izhikevich::IzhParams {
            quadratic: iz.quadratic,
            ..crate::izhikevich::IzhParams::explicit(k(0), k(1), k(2), k(3))
        });
    }
    Ok(m)
}
