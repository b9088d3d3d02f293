//! The reservoirs' unsupervised rules, learned before the readout's pass: the ESN's
//! (`"intrinsic"` and `"plasticity"` of the reservoir config, see
//! [`lsm_reservoir::esn::plasticity`]) and the spiking reservoir's (`"plasticity"`: STDP or a
//! rate-based rule of the Hebbian family, see [`lsm_reservoir::plasticity`]).

use super::*;
use lsm_core::Real;
use ndarray::ArrayView2;

/// `res` with the unsupervised rules of `cfg` learned over `drive`, the training rows
/// (washout and train, teacher forced with feedback); unchanged without them. The learned
/// reservoir is then frozen: every later pass (validation, test, closed loop, the model file)
/// uses it. A spiking reservoir learns after its input drive was calibrated, with the
/// features' seed ([`lsm_reservoir::SpikingReservoir::learn`]).
///
/// # Errors
/// The rule's error (weights that became non-finite, naming the field).
pub(crate) fn learn(cfg: &TsConfig, res: Reservoir, drive: ArrayView2<Real>) -> Result<Reservoir> {
    match (res, &cfg.reservoir) {
        (Reservoir::Esn(mut e), ReservoirConfig::Esn(c)) if c.learning_epochs() > 0 => {
            e.learn(c, &[drive])?;
            Ok(Reservoir::Esn(e))
        }
        (Reservoir::Spiking(mut sr), _) if sr.config.plasticity.is_some() => {
            sr.learn(drive, cfg.seed)?;
            Ok(Reservoir::Spiking(sr))
        }
        (res, _) => Ok(res),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsm_reservoir::esn::{EsnConfig, IntrinsicConfig, IpTarget, LocalRule, SynapticConfig};
    use lsm_reservoir::Esn;
    use ndarray::s;

    fn esn_of(r: &Reservoir) -> &Esn {
        match r {
            Reservoir::Esn(e) => e,
            _ => panic!("an ESN was configured"),
        }
    }

    /// The rules run over the training rows only (washout + train, not validation nor
    /// test), the fitted model holds the learned reservoir, a saved model evaluates as the
    /// one in memory, and the fit is the same for 1 and 3 threads.
    #[test]
    fn rules_learn_on_training_rows_and_the_model_keeps_the_learned_reservoir() {
        let esn = EsnConfig {
            n_units: 40,
            in_degree: 5,
            intrinsic: Some(IntrinsicConfig {
                target: IpTarget::Gaussian,
                mu: 0.0,
                sigma: 0.2,
                eta: 1e-3,
                epochs: 1,
            }),
            plasticity: Some(SynapticConfig {
                rule: LocalRule::AntiOja,
                eta: 1e-4,
                bcm_theta: 0.0,
                synapse_normalization: false,
                epochs: 2,
            }),
            ..EsnConfig::default()
        };
        let mut c = TsConfig::default_for(Task::Narma10);
        c.split = SplitConfig {
            washout: 50,
            train: 600,
            validation: 200,
            test: 300,
        };
        c.reservoir = ReservoirConfig::Esn(esn.clone());
        let data = DataSource::Builtin(c.task);
        let fit_in = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| fit(&c, &data).unwrap().0)
        };
        let model = fit_in(1);
        let learned = esn_of(&model.reservoir);
        // Reference: built from the seed, then learned on the prepared training rows.
        let prep = prepare(&c, &data, None).unwrap();
        let k = prep.inputs.ncols();
        let built = Esn::build(&esn, k, c.seed).unwrap();
        let end = c.split.washout + c.split.train;
        let mut reference = built.clone();
        reference
            .learn(&esn, &[prep.inputs.slice(s![..end, ..])])
            .unwrap();
        assert_eq!(learned, &reference);
        assert_ne!(learned, &built);
        let mut longer = built.clone();
        longer
            .learn(&esn, &[prep.inputs.slice(s![..end + 1, ..])])
            .unwrap();
        assert_ne!(learned, &longer, "one more row changes what is learned");
        // Same model for another thread count.
        let m3 = fit_in(3);
        assert_eq!(esn_of(&m3.reservoir), learned);
        assert_eq!(m3.readout, model.readout);
        // Save, load: same reservoir, same test scores.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        model.save(&path).unwrap();
        let back = TsModel::load(&path).unwrap();
        assert_eq!(esn_of(&back.reservoir), learned);
        let (a, b) = (
            evaluate(&model, &data).unwrap(),
            evaluate(&back, &data).unwrap(),
        );
        assert_eq!(a.plot_prediction, b.plot_prediction);
        assert!(a.scores.nrmse.is_finite() && a.scores.nrmse < 1.0);
    }

    /// A rate-based rule of the spiking reservoir (BCM with a sliding threshold) learns on
    /// the training rows only, after the input drive, with the features' seed; only the
    /// excitatory synapses change; the model file keeps the learned network.
    #[test]
    fn spiking_plasticity_learns_on_training_rows_and_the_model_keeps_the_weights() {
        use lsm_reservoir::{SpikingConfig, SpikingReservoir, StdpConfig, StdpModel};
        let mut sp = SpikingConfig::default();
        sp.network.generator_mut().unwrap().n_neurons = Some(100);
        sp.plasticity = Some(StdpConfig {
            model: StdpModel::Bcm,
            eta_per_s: Some(0.05),
            tau_theta_ms: Some(100.0),
            ..StdpConfig::default()
        });
        let mut c = TsConfig::default_for(Task::Narma10);
        c.split = SplitConfig {
            washout: 50,
            train: 400,
            validation: 100,
            test: 200,
        };
        c.input_drive = crate::InputDrive::Gain(1.0);
        c.reservoir = ReservoirConfig::Spiking(Box::new(sp.clone()));
        let data = DataSource::Builtin(c.task);
        let (model, _) = fit(&c, &data).unwrap();
        let learned = match &model.reservoir {
            Reservoir::Spiking(s) => &s.spec,
            _ => panic!("a spiking reservoir was configured"),
        };
        let prep = prepare(&c, &data, None).unwrap();
        let built = SpikingReservoir::build(&sp, prep.inputs.ncols(), c.seed).unwrap();
        let end = c.split.washout + c.split.train;
        let mut reference = built.clone();
        reference
            .learn(prep.inputs.slice(s![..end, ..]), c.seed)
            .unwrap();
        assert_eq!(learned, &reference.spec);
        let mut longer = built.clone();
        longer
            .learn(prep.inputs.slice(s![..end + 1, ..]), c.seed)
            .unwrap();
        assert_ne!(
            learned.recurrent, longer.spec.recurrent,
            "one more row changes it"
        );
        let exc = lsm_reservoir::excitatory_mask(&built.spec).unwrap();
        let r = &built.spec.recurrent;
        let mut changed = 0;
        for s in 0..r.pre.len() {
            let (w0, w1) = (r.weight[s], learned.recurrent.weight[s]);
            if exc[r.pre[s] as usize] && exc[r.post[s] as usize] && w0 > 0.0 {
                changed += usize::from(w0 != w1);
            } else {
                assert_eq!(w0, w1, "only E→E synapses learn");
            }
        }
        assert!(changed > 0, "BCM changed no weight");
        assert_eq!(
            learned.meta.as_ref().unwrap()["stdp"]["config"]["model"],
            "bcm"
        );
        // Save, load: same network, same test predictions.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        model.save(&path).unwrap();
        let back = TsModel::load(&path).unwrap();
        match &back.reservoir {
            Reservoir::Spiking(s) => assert_eq!(&s.spec, learned),
            _ => panic!("the model reloads its spiking reservoir"),
        }
        let (a, b) = (
            evaluate(&model, &data).unwrap(),
            evaluate(&back, &data).unwrap(),
        );
        assert_eq!(a.plot_prediction, b.plot_prediction);
        assert!(a.scores.nrmse.is_finite());
        // A bad field is named with its path.
        let mut bad = sp.clone();
        bad.plasticity.as_mut().unwrap().tau_rate_ms = Some(-1.0);
        c.reservoir = ReservoirConfig::Spiking(Box::new(bad));
        let e = fit(&c, &data).unwrap_err().to_string();
        assert!(e.contains("plasticity.tau_rate_ms"), "{e}");
    }
}
