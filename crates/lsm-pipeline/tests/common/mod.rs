//! Helpers shared by the pipeline tests: the bundled FSDD sample.
#![allow(dead_code)]

use lsm_pipeline::Sample;
use std::path::{Path, PathBuf};

/// The bundled FSDD sample's recordings.
pub fn fsdd_sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fsdd-sample/recordings")
}

/// The bundled sample's official split (takes 0-4 test, the rest train), labelled by digit and
/// grouped by speaker, in file-name order.
pub fn fsdd_sample_split(test: bool) -> Vec<Sample> {
    let dir = fsdd_sample_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wav"))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|n| {
            let p: Vec<&str> = n.trim_end_matches(".wav").split('_').collect();
            let is_test = p[2].parse::<u32>().unwrap() < 5;
            (is_test == test).then(|| {
                Sample::from_path(dir.join(&n))
                    .with_label(p[0])
                    .with_group(p[1])
            })
        })
        .collect()
}
