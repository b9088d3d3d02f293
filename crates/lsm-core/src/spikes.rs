//! Spike trains: events `(step, channel)` bucketed per time step.
//!
//! The layout is CSR over time: `step_ptr[s]..step_ptr[s + 1]` indexes the channels that spiked
//! at step `s`, sorted ascending. This is what the simulator consumes (one slice per step, no
//! search) and what encoders produce. A spike at step `s` is at time `s * dt_ms`.
//!
//! The CSV form has a header naming the index column and `time_ms`, e.g. `channel,time_ms`
//! for input spikes and `neuron,time_ms` for reservoir output, one spike per line, sorted by
//! time then index.

use crate::CoreError;
use crate::Real;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};

/// The most steps [`SpikeTrains::read_csv`] infers from the spike times when it is not given
/// the number of steps (2^26, 67 million: 18.6 hours at `dt` = 1 ms; 256 MiB of step index).
pub const MAX_INFERRED_STEPS: usize = 1 << 26;

/// The most channels [`SpikeTrains::read_csv`] infers from the indices when it is not given
/// the number of channels (2^24).
pub const MAX_INFERRED_CHANNELS: usize = 1 << 24;

/// Spike events bucketed per step (CSR over time), time-first.
///
/// ```
/// use lsm_core::SpikeTrains;
/// let st = SpikeTrains::from_events(3, 1.0, 4, [(2, 1), (0, 2), (2, 0)]).unwrap();
/// assert_eq!(st.n_steps(), 4);
/// assert_eq!(st.at(2), &[0, 1]);
/// assert_eq!(st.at(1), &[] as &[u32]);
/// assert_eq!(st.n_spikes(), 3);
/// # Ok::<(), lsm_core::CoreError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeTrains {
    n_channels: usize,
    dt_ms: Real,
    step_ptr: Vec<u32>,
    channel: Vec<u32>,
}

impl SpikeTrains {
    /// An empty train of `n_steps` steps with no spikes.
    pub fn empty(n_channels: usize, dt_ms: Real, n_steps: usize) -> Self {
        Self {
            n_channels,
            dt_ms,
            step_ptr: vec![0; n_steps + 1],
            channel: Vec::new(),
        }
    }

    /// A builder that appends one step at a time (see [`SpikeTrains::push_step`]).
    pub fn with_capacity(n_channels: usize, dt_ms: Real, n_steps: usize, n_spikes: usize) -> Self {
        let mut step_ptr = Vec::with_capacity(n_steps + 1);
        step_ptr.push(0);
        Self {
            n_channels,
            dt_ms,
            step_ptr,
            channel: Vec::with_capacity(n_spikes),
        }
    }

    /// Append one step whose spiking channels are `channels` (any order; sorted here).
    ///
    /// # Panics
    /// If a channel is out of range (an internal invariant of encoders and the simulator).
    pub fn push_step(&mut self, channels: &[u32]) {
        let start = self.channel.len();
        for &c in channels {
            assert!((c as usize) < self.n_channels, "spike channel out of range");
            self.channel.push(c);
        }
        self.channel[start..].sort_unstable();
        self.step_ptr.push(self.channel.len() as u32);
    }

    /// Build from `(step, channel)` events in any order. Duplicate events are kept (two spikes
    /// of one channel in one step add up downstream).
    ///
    /// # Errors
    /// [`CoreError::ChannelOutOfRange`] for a channel `>= n_channels`; events at steps
    /// `>= n_steps` are an error too (reported as a parse error on the event index).
    pub fn from_events<I: IntoIterator<Item = (usize, usize)>>(
        n_channels: usize,
        dt_ms: Real,
        n_steps: usize,
        events: I,
    ) -> Result<Self, CoreError> {
        let mut ev: Vec<(usize, usize)> = events.into_iter().collect();
        for (i, &(s, c)) in ev.iter().enumerate() {
            if c >= n_channels {
                return Err(CoreError::ChannelOutOfRange {
                    channel: c,
                    n_channels,
                });
            }
            if s >= n_steps {
                return Err(CoreError::Parse {
                    file: "<events>".into(),
                    line: i + 1,
                    msg: format!("step {s} is past the end ({n_steps} steps)"),
                });
            }
        }
        ev.sort_unstable();
        let mut step_ptr = vec![0u32; n_steps + 1];
        for &(s, _) in &ev {
            step_ptr[s + 1] += 1;
        }
        for s in 0..n_steps {
            step_ptr[s + 1] += step_ptr[s];
        }
        Ok(Self {
            n_channels,
            dt_ms,
            step_ptr,
            channel: ev.into_iter().map(|(_, c)| c as u32).collect(),
        })
    }

    /// Number of channels (inputs or neurons).
    pub fn n_channels(&self) -> usize {
        self.n_channels
    }
    /// Time step in ms.
    pub fn dt_ms(&self) -> Real {
        self.dt_ms
    }
    /// Number of time steps.
    pub fn n_steps(&self) -> usize {
        self.step_ptr.len() - 1
    }
    /// Duration `n_steps * dt_ms`.
    pub fn duration_ms(&self) -> Real {
        self.n_steps() as Real * self.dt_ms
    }
    /// Total number of spikes.
    pub fn n_spikes(&self) -> usize {
        self.channel.len()
    }
    /// Channels spiking at `step`, ascending.
    #[inline]
    pub fn at(&self, step: usize) -> &[u32] {
        let (a, b) = (
            self.step_ptr[step] as usize,
            self.step_ptr[step + 1] as usize,
        );
        &self.channel[a..b]
    }
    /// All events `(step, channel)`, sorted by step then channel.
    pub fn iter(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        (0..self.n_steps()).flat_map(move |s| self.at(s).iter().map(move |&c| (s, c)))
    }
    /// Spike count of each channel.
    pub fn counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.n_channels];
        for &ch in &self.channel {
            c[ch as usize] += 1;
        }
        c
    }
    /// Raw CSR parts `(step_ptr, channel)`.
    pub fn as_parts(&self) -> (&[u32], &[u32]) {
        (&self.step_ptr, &self.channel)
    }

    /// Write as CSV with header `{index_name},time_ms`, sorted by time then index.
    /// Times are printed with enough digits to round-trip the step.
    pub fn write_csv<W: Write>(&self, mut w: W, index_name: &str) -> std::io::Result<()> {
        writeln!(w, "{index_name},time_ms")?;
        for (s, c) in self.iter() {
            let t = s as Real * self.dt_ms;
            writeln!(w, "{c},{}", fmt_time(t))?;
        }
        w.flush()
    }

    /// Read CSV with header `{index_name},time_ms` (a leading UTF-8 byte-order mark is
    /// ignored). Times are mapped to the nearest step of `dt_ms`; the train has `n_steps`
    /// steps, or just enough to hold the last spike when `n_steps` is `None` (then at most
    /// [`MAX_INFERRED_STEPS`]). `n_channels` of `None` means "one more than the largest index"
    /// (then at most [`MAX_INFERRED_CHANNELS`]). These bounds keep the memory a small file can
    /// ask for small.
    ///
    /// # Errors
    /// A [`CoreError::Parse`] naming `file` and the line for a wrong header, a missing or
    /// non-numeric field, a negative or non-finite time, a time past `n_steps`, or an index
    /// `>= n_channels`.
    pub fn read_csv<R: BufRead>(
        r: R,
        file: &str,
        index_name: &str,
        dt_ms: Real,
        n_channels: Option<usize>,
        n_steps: Option<usize>,
    ) -> Result<Self, CoreError> {
        let perr = |line: usize, msg: String| CoreError::Parse {
            file: file.to_string(),
            line,
            msg,
        };
        let mut events = Vec::new();
        let mut saw_header = false;
        for (i, line) in r.lines().enumerate() {
            let line = line.map_err(|e| CoreError::Io {
                file: file.to_string(),
                source: e,
            })?;
            let lineno = i + 1;
            let t = if lineno == 1 {
                line.trim_start_matches('\u{feff}').trim()
            } else {
                line.trim()
            };
            if t.is_empty() {
                continue;
            }
            if !saw_header {
                let cols: Vec<&str> = t.split(',').map(str::trim).collect();
                if cols != [index_name, "time_ms"] {
                    return Err(perr(
                        lineno,
                        format!("expected the header `{index_name},time_ms`, found `{t}`"),
                    ));
                }
                saw_header = true;
                continue;
            }
            let mut it = t.split(',').map(str::trim);
            let (a, b) = match (it.next(), it.next(), it.next()) {
                (Some(a), Some(b), None) => (a, b),
                _ => {
                    return Err(perr(
                        lineno,
                        format!("expected two fields `{index_name},time_ms`, found `{t}`"),
                    ))
                }
            };
            let ch: usize = match a.parse::<u32>() {
                Ok(c) if c < u32::MAX => c as usize,
                Err(e) if *e.kind() != std::num::IntErrorKind::PosOverflow => {
                    return Err(perr(
                        lineno,
                        format!(
                            "field `{index_name}`: expected a non-negative integer, found `{a}`"
                        ),
                    ))
                }
                _ => {
                    return Err(perr(
                        lineno,
                        format!(
                            "field `{index_name}`: {a} is too large (at most {})",
                            u32::MAX - 1
                        ),
                    ))
                }
            };
            let time: Real = b.parse().map_err(|_| {
                perr(
                    lineno,
                    format!("field `time_ms`: expected a number, found `{b}`"),
                )
            })?;
            if !time.is_finite() || time < 0.0 {
                return Err(perr(
                    lineno,
                    format!("field `time_ms`: expected a finite time >= 0, found `{b}`"),
                ));
            }
            if let Some(n) = n_channels {
                if ch >= n {
                    return Err(perr(
                        lineno,
                        format!("field `{index_name}`: {ch} is out of range, expected 0..{n}"),
                    ));
                }
            }
            let step_f = (time / dt_ms).round();
            if n_channels.is_none() && ch >= MAX_INFERRED_CHANNELS {
                return Err(perr(
                    lineno,
                    format!(
                        "field `{index_name}`: {ch} is too large (at most {} when the number \
                         of channels is not given)",
                        MAX_INFERRED_CHANNELS - 1
                    ),
                ));
            }
            if n_steps.is_none() && step_f >= MAX_INFERRED_STEPS as Real {
                return Err(perr(
                    lineno,
                    format!(
                        "field `time_ms`: {time} ms is too late (at most {} steps of {dt_ms} \
                         ms when the duration is not given)",
                        MAX_INFERRED_STEPS
                    ),
                ));
            }
            let step = step_f.min(usize::MAX as Real) as usize;
            if let Some(ns) = n_steps {
                if step >= ns {
                    return Err(perr(
                        lineno,
                        format!(
                            "field `time_ms`: {time} ms is past the end of the run ({} ms)",
                            ns as Real * dt_ms
                        ),
                    ));
                }
            }
            events.push((step, ch));
        }
        if !saw_header {
            return Err(perr(
                1,
                format!("empty file: expected the header `{index_name},time_ms`"),
            ));
        }
        let nc = n_channels.unwrap_or_else(|| events.iter().map(|e| e.1 + 1).max().unwrap_or(0));
        let ns = n_steps.unwrap_or_else(|| events.iter().map(|e| e.0 + 1).max().unwrap_or(0));
        Self::from_events(nc, dt_ms, ns, events)
    }
}

/// Format a time in ms compactly but exactly enough to recover the step (12 significant
/// digits, trailing zeros removed).
fn fmt_time(t: Real) -> String {
    let s = format!("{t:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn csv_round_trip() {
        let st = SpikeTrains::from_events(4, 0.1, 50, [(3, 1), (3, 0), (49, 3), (0, 2)]).unwrap();
        let mut buf = Vec::new();
        st.write_csv(&mut buf, "channel").unwrap();
        let text = String::from_utf8(buf.clone()).unwrap();
        assert_eq!(text, "channel,time_ms\n2,0\n0,0.3\n1,0.3\n3,4.9\n");
        let back =
            SpikeTrains::read_csv(&buf[..], "x.csv", "channel", 0.1, Some(4), Some(50)).unwrap();
        assert_eq!(back, st);
    }

    #[test]
    fn csv_errors_name_file_line_and_field() {
        let bad = "channel,time_ms\n0,1.0\nx,2\n";
        let e = SpikeTrains::read_csv(bad.as_bytes(), "in.csv", "channel", 1.0, None, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("in.csv") && e.contains("line 3") && e.contains("`channel`"),
            "{e}"
        );
        let bad = "neuron,time_ms\n";
        let e = SpikeTrains::read_csv(bad.as_bytes(), "in.csv", "channel", 1.0, None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("header"), "{e}");
        let bad = "channel,time_ms\n0,-1\n";
        let e = SpikeTrains::read_csv(bad.as_bytes(), "in.csv", "channel", 1.0, None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("time_ms"), "{e}");
        let bad = "channel,time_ms\n5,1\n";
        let e = SpikeTrains::read_csv(bad.as_bytes(), "in.csv", "channel", 1.0, Some(2), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("out of range"), "{e}");
        let e = SpikeTrains::read_csv("".as_bytes(), "in.csv", "channel", 1.0, None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn bom_is_ignored_and_large_numbers_say_so() {
        let text = "\u{feff}channel,time_ms\n1,2\n";
        let st =
            SpikeTrains::read_csv(text.as_bytes(), "b.csv", "channel", 1.0, None, None).unwrap();
        assert_eq!(st.iter().collect::<Vec<_>>(), [(2, 1)]);
        let bad = "channel,time_ms\n99999999999999999999,1\n";
        let e = SpikeTrains::read_csv(bad.as_bytes(), "b.csv", "channel", 1.0, Some(4), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("too large") && e.contains("line 2"), "{e}");
        // 2^32 would be truncated to channel 0 if it were accepted.
        let bad = "channel,time_ms\n4294967296,1\n";
        let e = SpikeTrains::read_csv(bad.as_bytes(), "b.csv", "channel", 1.0, None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("too large"), "{e}");
        // A spike at 10^15 ms with no duration given would need petabytes of step index.
        let bad = "channel,time_ms\n0,1e15\n";
        let e = SpikeTrains::read_csv(bad.as_bytes(), "b.csv", "channel", 1.0, None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("too late"), "{e}");
    }

    proptest! {
        #[test]
        fn step_ptr_monotone_and_channels_sorted(
            ev in proptest::collection::vec((0usize..20, 0usize..7), 0..60)
        ) {
            let st = SpikeTrains::from_events(7, 1.0, 20, ev.clone()).unwrap();
            let (ptr, _) = st.as_parts();
            prop_assert!(ptr.windows(2).all(|w| w[0] <= w[1]));
            for s in 0..st.n_steps() {
                prop_assert!(st.at(s).windows(2).all(|w| w[0] <= w[1]));
            }
            prop_assert_eq!(st.n_spikes(), ev.len());
            let mut a: Vec<(usize, u32)> = st.iter().collect();
            let mut b: Vec<(usize, u32)> = ev.iter().map(|&(s, c)| (s, c as u32)).collect();
            a.sort(); b.sort();
            prop_assert_eq!(a, b);
        }
    }
}
