//! A grid over one or two config values, analysed at every point: the phase diagram of
//! `lsm analyze --sweep`.
//!
//! An axis is written `PATH=LO:HI:N` (N values evenly spaced), `PATH=LO:HI:N:log` (evenly
//! spaced in log scale) or `PATH=V1,V2,...`, where `PATH` is the dotted path of a field of
//! the config as JSON (`network.weight_scale.ee`, `network.input.scale_exc`,
//! `reservoir.spectral_radius`...). The field must exist in the config (every field does in
//! the config as written out with its defaults); its value is replaced by a number.

use super::{analyze, Analysis, AnalysisOptions, Subject};
use crate::PipelineError;
use lsm_core::Real;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One axis of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepAxis {
    /// Dotted path of the config field.
    pub path: String,
    /// The values it takes.
    pub values: Vec<Real>,
}

/// At most this many points per axis.
pub const MAX_AXIS_POINTS: usize = 1000;

fn axis_err(spec: &str, msg: impl Into<String>) -> PipelineError {
    PipelineError::Config {
        field: format!("sweep `{spec}`"),
        msg: msg.into(),
    }
}

impl SweepAxis {
    /// Parse `PATH=LO:HI:N[:log]` or `PATH=V1,V2,...`.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the axis and what was expected.
    pub fn parse(spec: &str) -> Result<Self, PipelineError> {
        let (path, range) = spec
            .split_once('=')
            .ok_or_else(|| axis_err(spec, "expected PATH=LO:HI:N[:log] or PATH=V1,V2,..."))?;
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(axis_err(spec, "expected a dotted field path before `=`"));
        }
        let num = |s: &str| -> Result<Real, PipelineError> {
            s.trim()
                .parse::<Real>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| axis_err(spec, format!("`{s}` is not a finite number")))
        };
        let values = if range.contains(':') {
            let parts: Vec<&str> = range.split(':').collect();
            let log = match parts.len() {
                3 => false,
                4 if parts[3] == "log" => true,
                _ => return Err(axis_err(spec, "expected LO:HI:N or LO:HI:N:log")),
            };
            let (lo, hi) = (num(parts[0])?, num(parts[1])?);
            let n: usize = parts[2]
                .trim()
                .parse()
                .ok()
                .filter(|&n| (1..=MAX_AXIS_POINTS).contains(&n))
                .ok_or_else(|| {
                    axis_err(spec, format!("N: expected 1 to {MAX_AXIS_POINTS} points"))
                })?;
            if log && (lo <= 0.0 || hi <= 0.0) {
                return Err(axis_err(spec, "a log axis needs LO > 0 and HI > 0"));
            }
            (0..n)
                .map(|i| {
                    let f = if n == 1 {
                        0.0
                    } else {
                        i as Real / (n - 1) as Real
                    };
                    if log {
                        (lo.ln() + f * (hi.ln() - lo.ln())).exp()
                    } else {
                        lo + f * (hi - lo)
                    }
                })
                .collect()
        } else {
            let v = range.split(',').map(num).collect::<Result<Vec<_>, _>>()?;
            if v.len() > MAX_AXIS_POINTS {
                return Err(axis_err(spec, format!("at most {MAX_AXIS_POINTS} values")));
            }
            v
        };
        Ok(Self {
            path: path.to_string(),
            values,
        })
    }
}

/// Set the field at the dotted `path` of `config` to `v` (the search's
/// [`crate::search::space::set_path`]). The field must exist.
///
/// # Errors
/// [`PipelineError::Config`] naming the path and the fields that exist where it stops.
pub fn set_path(config: &mut Value, path: &str, v: Value) -> Result<(), PipelineError> {
    crate::search::space::set_path(config, path, v).map_err(|msg| PipelineError::Config {
        field: path.to_string(),
        msg,
    })
}

/// One grid point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The value of each axis.
    pub values: Vec<Real>,
    /// Its analysis.
    pub analysis: Analysis,
}

/// The config at every point of the grid (the first axis varies slowest), each with the
/// values that made it.
///
/// # Errors
/// [`set_path`]'s errors; more than [`MAX_AXIS_POINTS`]² points.
pub fn grid(base: &Value, axes: &[SweepAxis]) -> Result<Vec<(Vec<Real>, Value)>, PipelineError> {
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    if axes.len() > 2 || total > MAX_AXIS_POINTS * MAX_AXIS_POINTS {
        return Err(PipelineError::Config {
            field: "sweep".into(),
            msg: "expected one or two axes".into(),
        });
    }
    let mut out = vec![(Vec::new(), base.clone())];
    for axis in axes {
        let mut next = Vec::with_capacity(out.len() * axis.values.len());
        for (vals, cfg) in &out {
            for &v in &axis.values {
                let mut c = cfg.clone();
                let num = serde_json::Number::from_f64(v).ok_or_else(|| PipelineError::Config {
                    field: axis.path.clone(),
                    msg: "not a finite number".into(),
                })?;
                set_path(&mut c, &axis.path, Value::Number(num))?;
                let mut vs = vals.clone();
                vs.push(v);
                next.push((vs, c));
            }
        }
        out = next;
    }
    Ok(out)
}

/// Analyse every grid point: `build` turns a config into the subject (its errors name the
/// config field); `each` is told after each point (for progress).
///
/// # Errors
/// The first error of a point, prefixed with the point's values.
pub fn sweep(
    base: &Value,
    axes: &[SweepAxis],
    build: impl Fn(&Value) -> Result<Subject, PipelineError>,
    opts: &AnalysisOptions,
    seed: u64,
    mut each: impl FnMut(usize, usize),
) -> Result<Vec<SweepPoint>, PipelineError> {
    let points = grid(base, axes)?;
    let n = points.len();
    let mut out = Vec::with_capacity(n);
    for (i, (values, cfg)) in points.into_iter().enumerate() {
        let at = || {
            axes.iter()
                .zip(&values)
                .map(|(a, v)| format!("{}={v}", a.path))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let subject = build(&cfg).map_err(|e| {
            PipelineError::Runtime(format!("at {}: {}", at(), lsm_core::error_chain(&e)))
        })?;
        let analysis = analyze(&subject, opts, seed).map_err(|e| {
            PipelineError::Runtime(format!("at {}: {}", at(), lsm_core::error_chain(&e)))
        })?;
        out.push(SweepPoint { values, analysis });
        each(i + 1, n);
    }
    Ok(out)
}

/// The index of the point with the largest (`maximize`) or smallest value of the scalar
/// `metric` ([`Analysis::scalar`]), skipping points where it is missing or not finite.
pub fn best(points: &[SweepPoint], metric: &str, maximize: bool) -> Option<usize> {
    points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.analysis
                .scalar(metric)
                .filter(|v| v.is_finite())
                .map(|v| (i, v))
        })
        .max_by(|a, b| {
            let o = a.1.total_cmp(&b.1);
            if maximize {
                o
            } else {
                o.reverse()
            }
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_ranges_log_ranges_and_lists() {
        let a = SweepAxis::parse("network.weight_scale.ee=1:3:3").unwrap();
        assert_eq!(a.values, vec![1.0, 2.0, 3.0]);
        let b = SweepAxis::parse("x=1:100:3:log").unwrap();
        assert!((b.values[1] - 10.0).abs() < 1e-12);
        let c = SweepAxis::parse("x.y=0.5,2").unwrap();
        assert_eq!(c.values, vec![0.5, 2.0]);
        for bad in [
            "x",
            "=1:2:3",
            "x=1:2",
            "x=1:2:0",
            "x=0:1:3:log",
            "x=a,b",
            "x..y=1",
        ] {
            let e = SweepAxis::parse(bad).unwrap_err().to_string();
            assert!(e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn set_path_replaces_an_existing_field_and_names_the_missing_one() {
        let mut v = serde_json::json!({"network": {"weight_scale": {"ee": 3.0, "ei": 6.0}}});
        set_path(&mut v, "network.weight_scale.ee", serde_json::json!(1.5)).unwrap();
        assert_eq!(v["network"]["weight_scale"]["ee"], 1.5);
        let e = set_path(&mut v, "network.weight_scale.xx", serde_json::json!(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no field `xx`") && e.contains("ee, ei"), "{e}");
        let e = set_path(
            &mut v,
            "network.weight_scale.ee.deeper",
            serde_json::json!(1),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not an object"), "{e}");
    }

    #[test]
    fn the_grid_varies_the_last_axis_fastest() {
        let base = serde_json::json!({"a": 0.0, "b": {"c": 0.0}});
        let axes = [
            SweepAxis::parse("a=1,2").unwrap(),
            SweepAxis::parse("b.c=10,20,30").unwrap(),
        ];
        let g = grid(&base, &axes).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g[1].0, vec![1.0, 20.0]);
        assert_eq!(g[1].1["b"]["c"], 20.0);
        assert_eq!(g[3].1["a"], 2.0);
    }
}
