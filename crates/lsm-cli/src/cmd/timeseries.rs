//! Time-series tasks of `lsm default-config`, `lsm fit` and `lsm evaluate` (configs with
//! `"task": "mackey-glass" | "narma10" | "lorenz" | "csv"`); the logic lives in
//! `lsm_pipeline::timeseries`.

use crate::plot::{self, Figure};
use anyhow::Context;
use lsm_pipeline::timeseries::{self as ts, DataSource, Task, TsConfig, TsModel};
use ndarray::Array2;
use std::path::Path;

/// The default config of a time-series task as JSON.
///
/// # Errors
/// An unknown task name.
pub fn default_config(task: &str) -> anyhow::Result<serde_json::Value> {
    let t = Task::parse(task).with_context(|| {
        format!("unknown time-series task `{task}`: expected mackey-glass, narma10, lorenz or csv")
    })?;
    Ok(serde_json::to_value(TsConfig::default_for(t))?)
}

/// The config of `lsm fit` on a time series: the file `config_path` (within the size cap), or
/// without one the default config of the task named by `data` (no temporary file).
///
/// # Errors
/// Unreadable or invalid config, unknown task.
pub fn load_config(config_path: Option<&Path>, data: &str) -> anyhow::Result<TsConfig> {
    match config_path {
        Some(p) => {
            let text = crate::cmd::read_config("--config", p)?;
            Ok(TsConfig::from_json_str(&text, &p.display().to_string())?)
        }
        None => {
            let task = if data.to_ascii_lowercase().ends_with(".csv") {
                "csv"
            } else {
                data
            };
            let t = Task::parse(task).with_context(|| {
                format!("unknown time-series task `{task}`: expected mackey-glass, narma10, lorenz or csv")
            })?;
            // Through JSON in memory, as a config file written by `lsm default-config` goes.
            let text = serde_json::to_string(&TsConfig::default_for(t))?;
            Ok(TsConfig::from_json_str(&text, "<default config>")?)
        }
    }
}

/// `lsm fit` on a time-series config: fit, save the model to `out`.
///
/// # Errors
/// Data errors, fitting errors, write errors.
pub fn fit(
    mut cfg: TsConfig,
    data: &str,
    target: Option<&str>,
    out: &Path,
    seed: Option<u64>,
    quiet: bool,
) -> anyhow::Result<()> {
    if let Some(s) = seed {
        cfg.seed = s;
    }
    let src = DataSource::parse(data, target);
    let t0 = std::time::Instant::now();
    let (model, report) = ts::fit(&cfg, &src)?;
    model.save(out)?;
    for w in report.warnings() {
        eprintln!("warning: {w}");
    }
    if let (false, Some(d)) = (quiet, &report.input_drive) {
        eprintln!(
            "spiking reservoir: mean rate {:.2} Hz on the calibration rows, input weights x{:.4}{}",
            d.rate_hz,
            d.gain,
            if d.passes.len() > 1 {
                format!(
                    " ({})",
                    d.passes
                        .iter()
                        .map(|(g, r)| format!("gain {g:.3}: {r:.2} Hz"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            }
        );
    }
    if !quiet {
        eprintln!(
            "fitted {} ({:?}) on {data} in {:.2} s (build {:.3} s, run+readout {:.3} s = {:.3} + {:.3}): alpha {:.1e}, validation NRMSE {:.4e}, train NRMSE {:.4e}; model written to {}",
            cfg.task.name(),
            cfg.prediction.mode,
            t0.elapsed().as_secs_f64(),
            report.seconds_build,
            report.seconds_run + report.seconds_readout,
            report.seconds_run,
            report.seconds_readout,
            report.alpha,
            report.validation_nrmse,
            report.train.nrmse,
            out.display()
        );
    }
    if let (false, Some(f)) = (quiet, &report.validation_free_run) {
        eprintln!(
            "validation free runs: NRMSE over the horizon {:.4e}, valid {:.1} steps (mean)",
            f.nrmse_horizon, f.valid_steps_mean
        );
    }
    Ok(())
}

/// `lsm evaluate` on a time-series model: score the test segment, print text or one JSON
/// object (`nrmse`, `mse`, `r2`, ...), and optionally plot prediction against target.
///
/// # Errors
/// Unreadable model, data errors, plot errors.
pub fn evaluate(
    model_path: &Path,
    data: &str,
    target: Option<&str>,
    json: bool,
    plot: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<()> {
    let model = TsModel::load(model_path)?;
    let src = DataSource::parse(data, target);
    let t0 = std::time::Instant::now();
    let ev = ts::evaluate(&model, &src)?;
    let secs = t0.elapsed().as_secs_f64();
    let cfg = &model.config;
    let mode = serde_json::to_value(cfg.prediction.mode)?;
    let kind = model.reservoir.kind();
    if json {
        let o = serde_json::json!({
            "task": cfg.task.name(),
            "data": data,
            "reservoir": kind,
            "mode": mode,
            "horizon": cfg.prediction.horizon,
            "nrmse": ev.scores.nrmse,
            "mse": ev.scores.mse,
            "r2": ev.scores.r2,
            "n_scored": ev.n_scored,
            "free_run": ev.free_run,
            "alpha": model.readout.alpha,
            "seconds": secs,
        });
        println!("{o}");
    } else {
        println!(
            "{} ({kind}, {}, horizon {}): NRMSE {:.4e}  MSE {:.4e}  R2 {:.6}  ({} scored{})",
            cfg.task.name(),
            mode.as_str().unwrap_or("?"),
            cfg.prediction.horizon,
            ev.scores.nrmse,
            ev.scores.mse,
            ev.scores.r2,
            ev.n_scored,
            if cfg.prediction.mode == ts::Mode::ClosedLoop {
                " trials"
            } else {
                " steps"
            }
        );
        if let Some(f) = &ev.free_run {
            println!(
                "  over the horizon: NRMSE {:.4e}; valid prediction (error <= {}) {:.1} steps mean, {:.1} median = {:.3} time units{} ({} of {} trials valid to the end)",
                f.nrmse_horizon,
                ts::VALID_TIME_THRESHOLD,
                f.valid_steps_mean,
                f.valid_steps_median,
                f.valid_time,
                f.valid_lyapunov_times
                    .map(|l| format!(" = {l:.2} Lyapunov times"))
                    .unwrap_or_default(),
                f.censored_trials,
                ev.n_scored
            );
        }
    }
    if let Some(p) = plot {
        let title = format!(
            "{} — {kind} — {} (NRMSE {:.3e})",
            cfg.task.name(),
            mode.as_str().unwrap_or("?"),
            ev.scores.nrmse
        );
        let fig = SeriesPlot {
            title: &title,
            pred: &ev.plot_prediction,
            target: &ev.plot_target,
            names: &ev.target_names,
            text: plot::register_font(),
        };
        let outputs = ev.plot_target.ncols().max(1) as u32;
        plot::save(p, (1200, 300 * outputs + 40), &fig)?;
        if !quiet {
            eprintln!("plot written to {}", p.display());
        }
    }
    Ok(())
}

/// Prediction (red) against target (black), one panel per output.
struct SeriesPlot<'a> {
    title: &'a str,
    pred: &'a Array2<f64>,
    target: &'a Array2<f64>,
    names: &'a [String],
    /// Draw titles, axes and legends (a font was found).
    text: bool,
}

impl Figure for SeriesPlot<'_> {
    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        use plotters::prelude::*;
        let (title, pred, target, names, text) =
            (self.title, self.pred, self.target, self.names, self.text);
        let outputs = target.ncols().max(1);
        root.fill(&WHITE)?;
        let titled;
        let root = if text {
            titled = root.titled(title, ("sans-serif", 20))?;
            &titled
        } else {
            root
        };
        let panels = root.split_evenly((outputs, 1));
        for (j, area) in panels.iter().enumerate() {
            let n = target.nrows().min(pred.nrows());
            let col_t: Vec<f64> = target.column(j).iter().take(n).cloned().collect();
            let col_p: Vec<f64> = pred.column(j).iter().take(n).cloned().collect();
            let (mut lo, mut hi) = col_t
                .iter()
                .chain(col_p.iter())
                .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            if !(lo.is_finite() && hi.is_finite()) || lo >= hi {
                lo -= 1.0;
                hi += 1.0;
            }
            let pad = 0.05 * (hi - lo);
            let mut chart = ChartBuilder::on(area)
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(60)
                .build_cartesian_2d(0f64..n.max(1) as f64, (lo - pad)..(hi + pad))?;
            if text {
                chart
                    .configure_mesh()
                    .x_desc("step")
                    .y_desc(names.get(j).cloned().unwrap_or_default())
                    .draw()?;
            }
            chart
                .draw_series(LineSeries::new(
                    col_t.iter().enumerate().map(|(i, v)| (i as f64, *v)),
                    BLACK.stroke_width(2),
                ))?
                .label("target")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
            chart
                .draw_series(LineSeries::new(
                    col_p.iter().enumerate().map(|(i, v)| (i as f64, *v)),
                    RED.stroke_width(1),
                ))?
                .label("prediction")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
            if text {
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK)
                    .draw()?;
            }
        }
        Ok(())
    }
}

/// `lsm predict` on a time-series model: write the predicted series and its target as CSV.
///
/// # Errors
/// Missing `--data` / `--out`, WAV files given, unreadable model, data or prediction errors,
/// write errors.
pub fn predict(args: &crate::cmd::pipeline::PredictArgs, quiet: bool) -> anyhow::Result<()> {
    use anyhow::bail;
    let model = TsModel::load(&args.model)?;
    let cfg = &model.config;
    if !args.files.is_empty() {
        bail!(
            "--model {} is a {} model: it predicts a series (--data SERIES --out PRED.csv); \
             WAV files need a spoken-digits model",
            args.model.display(),
            cfg.task.name()
        );
    }
    let (Some(data), Some(out)) = (&args.data, &args.out) else {
        bail!("a time-series model predicts with --data SERIES --out PRED.csv");
    };
    crate::cmd::check_outputs(
        &[("--out", Some(out))],
        &[
            ("--model", Some(&args.model)),
            ("--data", crate::cmd::data::data_file(data)),
        ],
    )?;
    let closed = match args.mode.as_deref() {
        Some("closed-loop") => true,
        Some(_) => false,
        None => cfg.prediction.mode == ts::Mode::ClosedLoop,
    };
    if args.horizon.is_some() && !closed {
        bail!("--horizon is the length of a closed loop: add --mode closed-loop");
    }
    let mode = if closed {
        let h = args
            .horizon
            .unwrap_or(if cfg.prediction.mode == ts::Mode::ClosedLoop {
                cfg.prediction.horizon
            } else {
                cfg.split.test
            });
        ts::PredictMode::ClosedLoop(h)
    } else {
        ts::PredictMode::TeacherForced
    };
    let src = DataSource::parse(data, args.target.as_deref());
    let p = ts::predict(&model, &src, mode)?;
    let mut text = String::from("step");
    for n in &p.names {
        let n = crate::cmd::escape_csv(n);
        text += &format!(",{n}_pred,{n}_true");
    }
    text.push('\n');
    for (t, (pr, tg)) in p
        .prediction
        .outer_iter()
        .zip(p.target.outer_iter())
        .enumerate()
    {
        text += &format!("{}", if closed { t + 1 } else { t });
        for (a, b) in pr.iter().zip(tg.iter()) {
            text += &format!(",{a},{b}");
        }
        text.push('\n');
    }
    lsm_core::write_atomic(out, text.as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    if !quiet {
        eprintln!(
            "{} {} predictions of {} output(s) written to {}",
            p.prediction.nrows(),
            if closed {
                "closed-loop"
            } else {
                "teacher-forced"
            },
            p.names.len(),
            out.display()
        );
    }
    Ok(())
}
