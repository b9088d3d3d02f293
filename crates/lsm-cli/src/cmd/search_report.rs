//! `lsm search report`: merge the results files of one search (shards, resumed runs), print
//! the best trials, write the best trial's config as a ready `lsm fit --config` file, and
//! plot the objective against each parameter.

use crate::cmd::output::print_out;
use crate::plot::{self, Figure};
use anyhow::{bail, Context, Result};
use clap::Args;
use lsm_pipeline::search::{merge, ranked, read_results, Direction, Header, Objective, Trial};
use serde_json::Value;
use std::path::PathBuf;

/// Arguments of `lsm search report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Results files of one search (`lsm search --out`), e.g. one per shard.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// How many of the best trials to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Write the best trial's config here (a ready `lsm fit --config` file).
    #[arg(long)]
    pub best_config: Option<PathBuf>,
    /// Write the merged results here (one results file, as `lsm search --out` writes).
    #[arg(long)]
    pub merged: Option<PathBuf>,
    /// Draw the objective against each parameter (.svg or .png).
    #[arg(long)]
    pub plot: Option<PathBuf>,
}

/// `lsm search report`.
pub fn report(a: ReportArgs, quiet: bool) -> Result<()> {
    let inputs: Vec<(&str, Option<&std::path::Path>)> = a
        .files
        .iter()
        .map(|f| ("results file", Some(f.as_path())))
        .collect();
    crate::cmd::check_inputs(&inputs)?;
    crate::cmd::check_outputs(
        &[
            ("--best-config", a.best_config.as_deref()),
            ("--merged", a.merged.as_deref()),
            ("--plot", a.plot.as_deref()),
        ],
        &inputs,
    )?;
    if let Some(p) = &a.plot {
        plot::Format::of(p)?;
    }
    let mut read = Vec::with_capacity(a.files.len());
    for f in &a.files {
        let r = read_results(f)?;
        if r.torn && !quiet {
            eprintln!(
                "{}: its last line is incomplete (an interrupted write); ignored",
                f.display()
            );
        }
        read.push((f.clone(), r));
    }
    let (header, trials) = merge(&read)?;
    print_out(&crate::cmd::search::best_table(&header, &trials, a.top))?;
    let direction =
        Objective::parse(&header.objective).map_or(Direction::Maximize, |o| o.direction());
    if let Some(p) = &a.best_config {
        let Some(best) = ranked(&trials, direction)
            .into_iter()
            .find(|t| t.objective.is_some())
        else {
            bail!("--best-config: no trial succeeded, so there is no best config");
        };
        let v = best_config(&header, best)?;
        let mut text = serde_json::to_string_pretty(&v)?;
        text.push('\n');
        lsm_core::write_atomic(p, text.as_bytes())
            .with_context(|| format!("writing {}", p.display()))?;
        if !quiet {
            eprintln!(
                "best config (trial #{}) written to {}",
                best.trial,
                p.display()
            );
        }
    }
    if let Some(p) = &a.merged {
        let text = lsm_pipeline::search::results_text(&header, &trials);
        lsm_core::write_atomic(p, text.as_bytes())
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &a.plot {
        let fig = ScorePlot {
            header: &header,
            trials: &trials,
            text: plot::register_font(),
        };
        let n = fig.params().len().max(1) as u32;
        let cols = n.min(3);
        let rows = n.div_ceil(cols);
        plot::save(p, (400 * cols, 320 * rows + 40), &fig)?;
        if !quiet {
            eprintln!("plot written to {}", p.display());
        }
    }
    Ok(())
}

/// The config of a trial: the header's base config with the trial's parameters and seed.
pub fn best_config(header: &Header, t: &Trial) -> Result<Value> {
    lsm_pipeline::search::with_params(&header.config, &t.params, t.seed)
        .map_err(|(path, m)| anyhow::anyhow!("trial #{}: parameter `{path}`: {m}", t.trial))
}

/// The objective (y) against each parameter (x), one panel per parameter; trials of the
/// highest rung in blue, lower rungs in grey.
struct ScorePlot<'a> {
    header: &'a Header,
    trials: &'a [Trial],
    text: bool,
}

impl ScorePlot<'_> {
    fn params(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .trials
            .iter()
            .flat_map(|t| t.params.keys().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// A parameter value as a number on an axis: numbers as they are, booleans 0/1, anything
/// else (strings of a choice) by its index among the distinct values.
fn axis_value(v: &Value, distinct: &[Value]) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => distinct
            .iter()
            .position(|d| d == v)
            .map_or(f64::NAN, |i| i as f64),
    }
}

impl Figure for ScorePlot<'_> {
    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        use plotters::prelude::*;
        root.fill(&WHITE)?;
        let titled;
        let root = if self.text {
            titled = root.titled(
                &format!("{} per parameter", self.header.objective),
                ("sans-serif", 20),
            )?;
            &titled
        } else {
            root
        };
        let names = self.params();
        let n = names.len().max(1);
        let cols = n.min(3);
        let panels = root.split_evenly((n.div_ceil(cols), cols));
        let top = self.trials.iter().map(|t| t.rung).max().unwrap_or(0);
        let ok: Vec<&Trial> = self
            .trials
            .iter()
            .filter(|t| t.objective.is_some())
            .collect();
        let (mut ylo, mut yhi) = ok
            .iter()
            .filter_map(|t| t.objective)
            .fold((f64::MAX, f64::MIN), |(l, h), y| (l.min(y), h.max(y)));
        if !(ylo.is_finite() && yhi.is_finite()) || ylo >= yhi {
            ylo -= 0.5;
            yhi += 0.5;
        }
        let pad = 0.05 * (yhi - ylo);
        for (name, area) in names.iter().zip(panels.iter()) {
            let mut distinct: Vec<Value> = Vec::new();
            for t in &ok {
                if let Some(v) = t
                    .params
                    .get(name)
                    .filter(|v| !v.is_number() && !distinct.contains(v))
                {
                    distinct.push(v.clone());
                }
            }
            let pts: Vec<(f64, f64, bool)> = ok
                .iter()
                .filter_map(|t| {
                    let x = axis_value(t.params.get(name)?, &distinct);
                    Some((x, t.objective?, t.rung == top))
                })
                .filter(|(x, _, _)| x.is_finite())
                .collect();
            let (mut xlo, mut xhi) = pts
                .iter()
                .fold((f64::MAX, f64::MIN), |(l, h), p| (l.min(p.0), h.max(p.0)));
            if !(xlo.is_finite() && xhi.is_finite()) || xlo >= xhi {
                xlo -= 0.5;
                xhi += 0.5;
            }
            let xpad = 0.05 * (xhi - xlo);
            let mut cb = ChartBuilder::on(area);
            cb.margin(10);
            if self.text {
                cb.x_label_area_size(30).y_label_area_size(50);
            }
            let mut chart = cb
                .build_cartesian_2d((xlo - xpad)..(xhi + xpad), (ylo - pad)..(yhi + pad))
                .map_err(plot::draw_err)?;
            if self.text {
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .x_desc(name.as_str())
                    .y_desc(self.header.objective.as_str())
                    .x_label_formatter(&plot::tick_label)
                    .y_label_formatter(&plot::tick_label)
                    .draw()
                    .map_err(plot::draw_err)?;
            }
            chart
                .draw_series(pts.iter().map(|&(x, y, last)| {
                    let c = if last {
                        BLUE.filled()
                    } else {
                        RGBColor(160, 160, 160).filled()
                    };
                    Circle::new((x, y), 3, c)
                }))
                .map_err(plot::draw_err)?;
        }
        Ok(())
    }
}
