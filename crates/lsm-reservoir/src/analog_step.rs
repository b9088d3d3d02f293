//! The spiking reservoir for analog series run one series sample at a time: what a closed
//! loop needs, where the next input is the readout's output for the state just reached.
//!
//! [`SeriesStepper::step`] advances the network by `steps_per_sample` simulator steps under
//! the sample's input current and reads the same features as [`SpikingReservoir::states`]
//! (filtered traces, extra traces, counts, membrane potentials), with the same arithmetic:
//! stepping a series gives exactly the rows of `states` (bit for bit). A
//! [`SeriesState`] is `Clone`: a closed loop copies the teacher-forced state and runs free
//! from the copy.

use crate::analog::{SampleFilter, SpikingInput, SpikingReservoir};
use crate::{Bins, Drive, Network, RecordSpec, Recording, ReservoirError, Result, Stepper};
use crate::{TraceSamples, TraceSpec};
use lsm_core::Real;
use ndarray::Array2;

/// Runs a [`SpikingReservoir`] sample by sample (see the module doc).
#[derive(Debug)]
pub struct SeriesStepper {
    net: Network,
    spec: RecordSpec,
    /// Input gain and offset per series channel.
    scale: Vec<Real>,
    offset: Vec<Real>,
    /// The held input current of one sample, steps_per_sample × channels.
    cur: Array2<Real>,
    out: Recording,
    /// Per extra trace, its filter.
    extra: Vec<SampleFilter>,
    /// The rise filter of a double-exponential trace, and `τd/(τd − τr)`.
    rise: Option<(SampleFilter, Real)>,
    counts: bool,
    membrane: bool,
    n: usize,
    sps: usize,
    /// Columns of the full feature row kept (`readout_layers`; `None`: all).
    keep: Option<Vec<usize>>,
}

/// The state of a series run in progress: the simulation, the extra traces and the features
/// of the last sample.
#[derive(Clone, Debug)]
pub struct SeriesState {
    sim: Stepper,
    extra: Vec<Real>,
    /// The rise trace of a double-exponential trace (empty without one).
    rise: Vec<Real>,
    feats: Vec<Real>,
    /// The kept columns of `feats` (`readout_layers`; empty when all are kept).
    kept: Vec<Real>,
}

impl SeriesState {
    /// The features read at the end of the last sample (zeros before the first), laid out as
    /// a row of [`SpikingReservoir::states`].
    pub fn features(&self) -> &[Real] {
        if self.kept.is_empty() {
            &self.feats
        } else {
            &self.kept
        }
    }

    /// Bytes of state held (what a copy costs).
    pub fn heap_bytes(&self) -> usize {
        self.sim.heap_bytes()
            + 8 * (self.extra.len() + self.rise.len() + self.feats.len() + self.kept.len())
    }
}

impl SpikingReservoir {
    /// A stepper for this reservoir.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] if the input goes through an encoder (only current input
    /// runs sample by sample); the network's errors.
    pub fn series_stepper(&self) -> Result<SeriesStepper> {
        let c = &self.config;
        let SpikingInput::Current { scale, offset } = &c.input else {
            return Err(ReservoirError::Config {
                what: "spiking reservoir",
                field: "input".into(),
                msg: "running sample by sample (closed loop) needs current input \
                      (\"input\": {\"kind\": \"current\"}), not an encoder"
                    .into(),
            });
        };
        let net = Network::from_spec(&self.spec)?;
        let n = self.spec.n_neurons;
        let keep = self.readout_columns()?;
        let k = self.n_series_channels;
        let per = |v: &[Real]| -> Vec<Real> {
            (0..k)
                .map(|j| if v.len() == 1 { v[0] } else { v[j] })
                .collect()
        };
        let sps = c.steps_per_sample;
        let dt = net.dt_ms();
        let extra = c
            .extra_trace_tau_ms
            .iter()
            .map(|&tau| SampleFilter::new(tau, dt, sps))
            .collect();
        let rise = c.trace_rise_ms.map(|r| {
            (
                SampleFilter::new(r, dt, sps),
                c.trace_tau_ms / (c.trace_tau_ms - r),
            )
        });
        let spec = RecordSpec {
            spikes: c.needs_spikes(),
            v: false,
            bins: c.counts.then_some(Bins::Count(1)),
            traces: Some(TraceSpec {
                tau_ms: c.trace_tau_ms,
                samples: TraceSamples::Steps(vec![sps - 1]),
                mean: false,
                last: false,
            }),
            final_state: false,
            v_samples: c.membrane,
            v_neurons: None,
        };
        Ok(SeriesStepper {
            scale: per(scale),
            offset: per(offset),
            cur: Array2::zeros((sps, k)),
            out: Recording::default(),
            extra,
            rise,
            counts: c.counts,
            membrane: c.membrane,
            n,
            sps,
            keep,
            net,
            spec,
        })
    }
}

impl SeriesStepper {
    /// Input channels of the series.
    pub fn n_inputs(&self) -> usize {
        self.scale.len()
    }

    /// A run at rest; simulator noise from `seed` as [`SpikingReservoir::states`].
    pub fn start(&self, seed: u64) -> SeriesState {
        let n_feats =
            self.n * (1 + self.extra.len() + usize::from(self.counts) + usize::from(self.membrane));
        SeriesState {
            sim: self.net.stepper(seed, 0),
            extra: vec![0.0; self.extra.len() * self.n],
            rise: vec![0.0; if self.rise.is_some() { self.n } else { 0 }],
            feats: vec![0.0; n_feats],
            kept: vec![0.0; self.keep.as_ref().map_or(0, Vec::len)],
        }
    }

    /// Run one sample with input `u` (scaled series values, one per channel) and read its
    /// features into `st`.
    ///
    /// # Errors
    /// [`ReservoirError::Input`] if `u` has the wrong length or a non-finite value; the
    /// simulator's errors.
    pub fn step(&mut self, st: &mut SeriesState, u: &[Real]) -> Result<()> {
        if u.len() != self.scale.len() {
            return Err(ReservoirError::Input(format!(
                "a sample of {} values for {} input channels",
                u.len(),
                self.scale.len()
            )));
        }
        for (j, &x) in u.iter().enumerate() {
            let v = self.offset[j] + self.scale[j] * x;
            self.cur.column_mut(j).fill(v);
        }
        self.net.advance(
            &mut st.sim,
            Drive::Current(self.cur.view()),
            self.sps,
            &self.spec,
            &mut self.out,
        )?;
        let n = self.n;
        let missing =
            |what: &str| ReservoirError::Input(format!("the simulator recorded no {what}"));
        let tr = self.out.traces.as_ref().ok_or_else(|| missing("traces"))?;
        st.feats[..n].copy_from_slice(tr.row(0).as_slice().expect("contiguous"));
        let mut at = n;
        if !self.extra.is_empty() || self.rise.is_some() {
            let spikes = self.out.spikes.as_ref().ok_or_else(|| missing("spikes"))?;
            if let Some((f, k)) = &self.rise {
                f.advance(&mut st.rise, |step| spikes.at(step));
                for (d, r) in st.feats[..n].iter_mut().zip(&st.rise) {
                    *d = k * (*d - r);
                }
            }
            for (e, f) in self.extra.iter().enumerate() {
                let x = &mut st.extra[e * n..(e + 1) * n];
                f.advance(x, |step| spikes.at(step));
                st.feats[at..at + n].copy_from_slice(x);
                at += n;
            }
        }
        if self.counts {
            let c = self
                .out
                .bin_counts
                .as_ref()
                .ok_or_else(|| missing("counts"))?;
            st.feats[at..at + n].copy_from_slice(c.row(0).as_slice().expect("contiguous"));
            at += n;
        }
        if self.membrane {
            let v = self
                .out
                .v_samples
                .as_ref()
                .ok_or_else(|| missing("membrane samples"))?;
            st.feats[at..at + n].copy_from_slice(v.row(0).as_slice().expect("contiguous"));
        }
        if let Some(keep) = &self.keep {
            for (d, &c) in st.kept.iter_mut().zip(keep) {
                *d = st.feats[c];
            }
        }
        Ok(())
    }
}
