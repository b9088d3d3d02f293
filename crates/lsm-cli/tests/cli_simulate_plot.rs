//! End-to-end tests of `lsm simulate --plot`, `--record-v --neurons`, and of the default
//! network of `lsm network generate` on the spikes of `lsm encode`.

mod common;

use common::{fails_with, lsm, net_and_burst, ok, rows, sample_wav};
use std::path::Path;
use std::process::{Command, Output};

/// `lsm simulate --network DIR/NET --out DIR/out.csv` with `extra` options after them.
fn simulate(dir: &Path, net: &str, extra: &[&str]) -> Output {
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let (net, out) = (p(net), p("out.csv"));
    let mut a = vec!["simulate", "--network", &net, "--out", &out];
    a.extend(extra);
    lsm(&a)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A decoded PNG: (width, height, RGB(A) rows); decoding checks every chunk's CRC and the
/// compressed data.
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>, usize) {
    let f = std::fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(f))
        .read_info()
        .expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("valid PNG image data");
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    (info.width, info.height, buf, channels)
}

/// Dark pixels (all of R, G, B below 64) in the rows `y0..y1` of a decoded image.
fn dark_pixels(img: &(u32, u32, Vec<u8>, usize), y0: u32, y1: u32) -> usize {
    let (w, _, buf, ch) = img;
    (y0..y1)
        .flat_map(|y| (0..*w).map(move |x| (y, x)))
        .filter(|&(y, x)| {
            let i = ((y * w + x) as usize) * ch;
            buf[i] < 64 && buf[i + 1] < 64 && buf[i + 2] < 64
        })
        .count()
}

#[test]
fn simulate_plot_writes_a_png_of_the_expected_size_with_the_rasters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();
    net_and_burst(d, 40);
    let run = |plot: &str, input: bool| {
        let (plot, input_csv) = (p(plot), p("in.csv"));
        let mut a = vec!["--duration-ms", "50", "--plot", &plot];
        if input {
            a.extend(["--input", &input_csv]);
        }
        simulate(d, "net.json", &a)
    };
    ok(&run("r.png", true));
    let img = decode_png(&d.join("r.png"));
    assert_eq!((img.0, img.1), (1000, 860));
    // Spikes in the input panel (top 27 %) and in the reservoir panel below it.
    assert!(rows(&d.join("out.csv"), "neuron,time_ms").len() > 10);
    assert!(dark_pixels(&img, 40, 230) > 20, "no input raster drawn");
    assert!(
        dark_pixels(&img, 270, 590) > 100,
        "no reservoir raster drawn"
    );

    // Without input: raster and rate only, a shorter image; SVG by extension.
    ok(&run("q.png", false));
    let img = decode_png(&d.join("q.png"));
    assert_eq!((img.0, img.1), (1000, 640));
    ok(&run("r.svg", true));
    let svg = std::fs::read_to_string(p("r.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("<rect"),
        "{}",
        &svg[..80]
    );

    // --plot naming the input is refused before anything is written; the input is unchanged.
    let before = std::fs::read(p("in.csv")).unwrap();
    std::fs::remove_file(p("out.csv")).unwrap();
    let input = p("in.csv");
    let o = simulate(
        d,
        "net.json",
        &["--input", &input, "--duration-ms", "50", "--plot", &input],
    );
    fails_with(&o, &["--plot", "in.csv"]);
    assert_eq!(std::fs::read(p("in.csv")).unwrap(), before);
    assert!(!d.join("out.csv").exists());
    // An unknown image format is refused before the simulation writes anything.
    let o = run("r.gif", true);
    fails_with(&o, &["--plot", "r.gif", ".svg or .png"]);
    assert!(!d.join("out.csv").exists());
}

/// The CSV of `--record-v`: its header and its rows of numbers.
fn v_csv(path: &Path) -> (String, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

#[test]
fn record_v_writes_the_selected_neurons_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();
    net_and_burst(d, 40);
    let run = |v: &str, neurons: Option<&str>| {
        let (input, v) = (p("in.csv"), p(v));
        let mut a = vec!["--input", &input, "--duration-ms", "30", "--record-v", &v];
        if let Some(n) = neurons {
            a.extend(["--neurons", n]);
        }
        simulate(d, "net.json", &a)
    };
    ok(&run("all.csv", None));
    ok(&run("some.csv", Some("59,3-5,0")));
    let (h_all, all) = v_csv(&d.join("all.csv"));
    let (h_some, some) = v_csv(&d.join("some.csv"));
    assert!(h_all.starts_with("time_ms,v0,v1,") && h_all.ends_with(",v59"));
    assert_eq!(h_some, "time_ms,v59,v3,v4,v5,v0");
    assert_eq!((all.len(), some.len()), (300, 300));
    for (a, s) in all.iter().zip(&some) {
        // Column 0 is the time; neuron i is column i + 1 of the full file.
        let want: Vec<f64> = [0, 60, 4, 5, 6, 1].iter().map(|&c| a[c]).collect();
        assert_eq!(s, &want);
    }
    assert!(some.iter().any(|r| r[1] != some[0][1]), "v59 never moves");

    // Out of range, malformed, and --neurons without --record-v.
    fails_with(
        &run("x.csv", Some("0,60")),
        &["--neurons", "neuron 60", "60 neurons"],
    );
    fails_with(
        &run("x.csv", Some("3-1")),
        &["--neurons", "`3-1`", "descending"],
    );
    fails_with(&run("x.csv", Some("1,x")), &["--neurons", "`x`"]);
    assert!(!d.join("x.csv").exists());
    let o = simulate(d, "net.json", &["--duration-ms", "30", "--neurons", "1"]);
    assert_eq!(o.status.code(), Some(2));
    fails_with(&o, &["--record-v"]);
}

/// `(channels, dt_ms)` of the spikes `lsm encode` wrote, from its report line.
fn encode(wav: &str, out: &str) -> (usize, f64) {
    let o = Command::new(env!("CARGO_BIN_EXE_lsm"))
        .args(["encode", wav, "--out", out])
        .output()
        .unwrap();
    ok(&o);
    let e = String::from_utf8_lossy(&o.stderr);
    // "... -> N spikes on C channels, S steps of D ms; wrote ..."
    let after = |key: &str| -> String {
        let i = e.find(key).unwrap_or_else(|| panic!("`{key}` not in {e}")) + key.len();
        e[i..].split_whitespace().next().unwrap().to_string()
    };
    let channels = e[..e.find(" channels").unwrap()]
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (channels, after("steps of ").parse().unwrap())
}

#[test]
fn default_network_runs_on_encoded_audio_at_a_sane_rate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();
    let (channels, dt) = encode(&sample_wav(), &p("spikes.csv"));
    std::fs::write(p("empty.json"), "{}").unwrap();
    ok(&lsm(&[
        "network",
        "generate",
        "--config",
        &p("empty.json"),
        "--out",
        &p("a.json"),
    ]));
    ok(&lsm(&["network", "generate", "--out", &p("b.json")]));
    assert_eq!(
        std::fs::read(p("a.json")).unwrap(),
        std::fs::read(p("b.json")).unwrap(),
        "`{{}}` and no config give the same network"
    );
    let net = json(&d.join("a.json"));
    assert_eq!(net["n_inputs"].as_u64(), Some(channels as u64));
    assert_eq!(net["dt_ms"].as_f64(), Some(dt));
    let n = net["n_neurons"].as_u64().unwrap() as f64;

    let input = rows(&d.join("spikes.csv"), "channel,time_ms");
    let last_ms = input.iter().map(|r| r.1).fold(0.0, f64::max);
    let duration = (last_ms + 50.0).ceil();
    let rate = |extra: &[&str]| -> f64 {
        let duration_ms = duration.to_string();
        let mut a = vec!["--duration-ms", &duration_ms];
        a.extend(extra);
        ok(&simulate(d, "a.json", &a));
        let spikes = rows(&d.join("out.csv"), "neuron,time_ms").len() as f64;
        spikes / n / (duration / 1000.0)
    };
    let spikes_csv = p("spikes.csv");
    let driven = rate(&["--input", &spikes_csv]);
    assert!(
        (1.0..=100.0).contains(&driven),
        "mean rate under audio input {driven:.2} Hz, expected 1-100 Hz"
    );
    assert_eq!(rate(&[]), 0.0, "no bias and no noise: silent without input");
}
