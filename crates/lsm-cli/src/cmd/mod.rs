//! One module per group of subcommands, and the file checks every command makes before its
//! work starts.
pub mod analyze;
pub mod analyze_plot;
pub mod bench;
pub mod convert;
pub mod data;
pub mod encode;
pub mod encode_dataset;
pub mod features;
pub mod netgen;
pub mod nir;
pub mod output;
pub mod pipeline;
pub mod plot;
pub mod raster;
pub mod search;
pub mod search_report;
pub mod select;
pub mod simulate;
pub mod timeseries;

use anyhow::{Context, Result};
use std::path::Path;

/// Before any work: every output (`(flag, path)`, `None` = not asked for) can be written and
/// is neither an input nor another output (`lsm_core::check_outputs`).
pub fn check_outputs(
    outputs: &[(&str, Option<&Path>)],
    inputs: &[(&str, Option<&Path>)],
) -> Result<()> {
    let keep = |v: &[(&str, Option<&Path>)]| -> Vec<(String, std::path::PathBuf)> {
        v.iter()
            .filter_map(|(f, p)| p.map(|p| (f.to_string(), p.to_path_buf())))
            .collect()
    };
    let (outs, ins) = (keep(outputs), keep(inputs));
    let outs: Vec<(&str, &Path)> = outs
        .iter()
        .map(|(f, p)| (f.as_str(), p.as_path()))
        .collect();
    let ins: Vec<(&str, &Path)> = ins.iter().map(|(f, p)| (f.as_str(), p.as_path())).collect();
    Ok(lsm_core::check_outputs(&outs, &ins)?)
}

/// Before reading them whole: model, config and network files (`(flag, path)`, `None` = not
/// given) exist and are within the size cap (`lsm_core::check_input_file`,
/// `LSM_MAX_INPUT_BYTES`).
pub fn check_inputs(inputs: &[(&str, Option<&Path>)]) -> Result<()> {
    for (flag, p) in inputs {
        if let Some(p) = p {
            lsm_core::check_input_file(p).with_context(|| flag.to_string())?;
        }
    }
    Ok(())
}

/// Read a config file whole, within the size cap (`lsm_core::read_to_string_capped`).
pub fn read_config(flag: &str, p: &Path) -> Result<String> {
    lsm_core::read_to_string_capped(p).with_context(|| flag.to_string())
}

/// A file name or label made safe for one line of text output: control characters (line
/// breaks, tabs, escape sequences) are shown escaped (`\n`, `\t`, `\u{1b}`), so a crafted name
/// cannot forge extra lines or columns; everything else is kept as is.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// A name made safe for one CSV field: control characters escaped as [`escape_text`] does,
/// then quoted as RFC 4180 asks when it holds a comma or a double quote (doubled).
pub fn escape_csv(s: &str) -> String {
    let t = escape_text(s);
    if t.contains(',') || t.contains('"') {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_they_hold_a_comma_or_a_quote() {
        assert_eq!(escape_csv("x"), "x");
        assert_eq!(escape_csv("a,b"), "\"a,b\"");
        assert_eq!(escape_csv("say \"hi\"\n"), "\"say \"\"hi\"\"\\n\"");
    }

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        assert_eq!(escape_text("a\nb\tc\r\u{1b}[2J"), "a\\nb\\tc\\r\\u{1b}[2J");
        assert_eq!(escape_text("C:\\x \"é\".wav"), "C:\\x \"é\".wav");
    }
}
