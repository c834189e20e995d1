//! Probe, then predict, end to end through the `ouro` binary as a user runs it: record
//! probe-and-pulse sequences, train a history-aware predictor on them, and evaluate it beside
//! the blind one on the same cells.

use ouro_e2e::{ouro, ouro_ok};
use serde_json::Value;

/// The fraction of cells of `method` within `tol` of their target in an `eval --json` report.
fn fraction(report: &Value, method: &str, tol: f64) -> f64 {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["method"] == method && r["metric"] == "rpd_target" && r["tolerance"] == tol)
        .unwrap_or_else(|| panic!("{method} at {tol} in {report}"))["fraction"]
        .as_f64()
        .expect("a number")
}

#[test]
fn a_history_aware_predictor_learns_from_sequences_and_beats_the_blind_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (seq, hist) = (path("seq.csv"), path("history.yaml"));
    ouro_ok(&[
        "characterize",
        "--device",
        "realistic",
        "--cells",
        "3000",
        "--pulses-per-cell",
        "20",
        "--seed",
        "2",
        "--sequences",
        "--aim-spread",
        "2",
        "--out",
        &seq,
    ]);
    let text = std::fs::read_to_string(&seq).unwrap();
    assert!(text.starts_with("cell,step,g_before_us,polarity,amplitude_v,width_ns,g_after_us\n"));
    assert_eq!(text.lines().count(), 1 + 3000 * 20);
    // Each pair starts afresh: steps 0, 1, 3, 4, ...
    assert!(text.lines().nth(3).unwrap().starts_with("0,3,"));
    ouro_ok(&[
        "train",
        "--data",
        &seq,
        "--out",
        &hist,
        "--epochs",
        "30",
        "--hidden",
        "16",
        "--seed",
        "1",
        "--weight-decay",
        "0.05",
        "--weight-floor",
        "0",
    ]);
    let p = ouro_core::schema::Predictor::load(std::path::Path::new(&hist)).unwrap();
    assert_eq!(p.features, ouro_nn::train::HISTORY_FEATURES.to_vec());
    let levels = p.levels.expect("a ladder");
    assert_eq!(levels.set, vec![-0.342, -0.367, -0.392, -0.417]);

    let eval = || {
        let out = ouro(&[
            "eval",
            "--device",
            "realistic",
            "--cells",
            "1000",
            "--seed",
            "3",
            "--history",
            &hist,
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let bytes = eval();
    assert_eq!(bytes, eval(), "the same seed gives the same report");
    let report: Value = serde_json::from_slice(&bytes).unwrap();
    let blind = fraction(&report, "neural-float", 0.5);
    let probed = fraction(&report, "probe-neural-float", 0.5);
    // Measured: 70.7 % blind, 85.8 % probed (1,000 cells of `realistic`).
    assert!(
        probed > blind + 0.10,
        "probe-neural-float {probed} vs neural-float {blind}"
    );
    // The oracle that may raise the amplitude reaches nearly every target; the probe method's
    // pulse time includes its probe, and it reads twice, four reads each, and once more after
    // an extended probe.
    assert!(fraction(&report, "oracle-levels", 0.1) > 0.95);
    let cost = report["costs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["method"] == "probe-neural-float")
        .unwrap();
    let reads = cost["mean_reads"].as_f64().unwrap();
    assert!(reads > 8.0 && reads < 12.0, "{reads} reads per cell");
    assert!(cost["mean_pulse_us"].as_f64().unwrap() > 0.0);

    // Learned input tables in front of the two readings: two tables a network, quantized to
    // one word per ADC code, and the method runs on them in fixed point.
    let tabled = path("tabled.yaml");
    ouro_ok(&[
        "train",
        "--data",
        &seq,
        "--out",
        &tabled,
        "--epochs",
        "10",
        "--hidden",
        "16",
        "--seed",
        "1",
        "--weight-floor",
        "0",
        "--input-knots",
        "16",
    ]);
    let p = ouro_core::schema::Predictor::load(std::path::Path::new(&tabled)).unwrap();
    for net in [&p.networks.set, &p.networks.reset] {
        assert_eq!(net.input_tables.len(), 2);
        assert!(net.input_tables.iter().all(|t| t.values.len() == 16));
    }
    let tabled_q = path("tabled.q.yaml");
    ouro_ok(&["quantize", &tabled, "--out", &tabled_q]);
    let q = ouro_core::schema::QPredictor::load(std::path::Path::new(&tabled_q)).unwrap();
    assert_eq!(q.networks.set.input_tables.len(), 2);
    let out = ouro(&[
        "eval",
        "--device",
        "realistic",
        "--cells",
        "300",
        "--seed",
        "3",
        "--history",
        &tabled,
        "--history-q",
        &tabled_q,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(fraction(&report, "probe-neural", 0.5) > fraction(&report, "neural-fixed", 0.5));

    // A blind predictor given as the history-aware one is named as such.
    let out = ouro(&[
        "eval",
        "--device",
        "realistic",
        "--cells",
        "10",
        "--history",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../predictors/default.yaml"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--history needs a history-aware predictor"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// The shipped history-aware predictor on the gateware, as a user runs it: `ouro hdl generate
/// --predictor predictors/history.q.yaml` writes its load image, the image goes into a
/// verilated 5-32-1 engine through the load port, and the engine answers, bit for bit and cycle
/// for cycle as the golden model, the words a sequencer assembles for real cells of
/// `realistic` (averaged reads, the blind predictor's probe and its extension, the probe's
/// change, every level).
/// Negative check: one flipped bit of the image is caught.
#[test]
fn the_shipped_history_predictor_runs_bit_exact_on_probe_situations() {
    use ouro_core::board::BoardConfig;
    use ouro_core::schema::QPredictor;
    use ouro_core::Polarity;
    use ouro_host::probe::ProbeThenPredict;
    use ouro_nn::golden::GoldenPredictor;
    use ouro_sim::device::{aged_cell, DeviceConfig, Start};
    use ouro_sim::readout::read_mean_code;
    use ouro_verilated::{check, read_load_image, require_verilator, ConfigInfo};
    use rand::Rng;

    if !require_verilator("probe chain") {
        return;
    }
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let q_path = root.join("predictors/history.q.yaml");
    let q = QPredictor::load(&q_path).unwrap();
    let cfg = ConfigInfo::get("hist5q").expect("the 5-32-1 configuration");
    let built = QPredictor::from_yaml_str(cfg.predictor_yaml, "hist5q").unwrap();
    assert_eq!(
        ouro_hdl::EngineShape::new(&q, cfg.lanes).unwrap(),
        ouro_hdl::EngineShape::new(&built, cfg.lanes).unwrap(),
        "the shipped history predictor has the harness engine's shape"
    );
    assert_eq!(
        (q.min_cycles, q.max_cycles),
        (built.min_cycles, built.max_cycles)
    );

    let dir = tempfile::tempdir().unwrap();
    let gw = dir.path().join("gw").display().to_string();
    ouro_ok(&[
        "hdl",
        "generate",
        "--predictor",
        &q_path.display().to_string(),
        "--out",
        &gw,
    ]);
    let writes = read_load_image(&dir.path().join("gw").join(ouro_hdl::LOAD_IMAGE_FILE)).unwrap();
    let mut m = cfg.model().expect("model");
    m.load_all(&writes);

    // Real probe situations.
    let board = BoardConfig::default_board();
    let device = DeviceConfig::preset("realistic");
    let blind = GoldenPredictor::new(&ouro_nn::defaults::qpredictor());
    let g = GoldenPredictor::new(&q);
    let levels = q.levels.clone().expect("levels");
    let (lo, hi) = device.window_us();
    let mut vectors: Vec<(Polarity, Vec<i16>)> = Vec::new();
    let mut rng = ouro_testkit::rng::seeded(0x9A0B_E5E7);
    for i in 0..1500 {
        let mut cell = aged_cell(&device, 11, i, 20, &mut rng);
        Start::Uniform.place(&device, &mut cell, &mut rng).unwrap();
        let code_t = board.code_of_us(lo + (hi - lo) * rng.random::<f64>());
        let code0 = read_mean_code(&board, cell.conductance_us(), 4, &mut rng);
        let Some(b) = blind.predict(code0, code_t) else {
            continue;
        };
        let mut k = ProbeThenPredict::probe_exponent(b.log2_cycles, board.max_pulse_cycles);
        cell.apply_pulse_with_amplitude(
            levels.get(b.polarity)[0],
            f64::from(1u32 << k) * board.clock_period_s(),
        );
        let mut code1 = read_mean_code(&board, cell.conductance_us(), 4, &mut rng);
        let set = b.polarity == Polarity::Set;
        let ext =
            ouro_core::probe::extension(k, set, (code0, code1, code_t), board.max_pulse_cycles);
        if let Some(kx) = ext {
            let cycles = ouro_core::probe::extension_cycles(k, kx);
            cell.apply_pulse_with_amplitude(
                levels.get(b.polarity)[0],
                f64::from(cycles) * board.clock_period_s(),
            );
            code1 = read_mean_code(&board, cell.conductance_us(), 4, &mut rng);
            k = kx;
        }
        let Some(p) = Polarity::towards(code1, code_t) else {
            continue;
        };
        for level in 0..levels.len() {
            let words =
                ProbeThenPredict::words(&g, p, b.polarity, (code0, code1, code_t), k, level);
            vectors.push((p, words));
        }
    }
    assert!(vectors.len() > 5000, "{} situations", vectors.len());
    let old = GoldenPredictor::new(&built);
    let mut differs = 0;
    for (p, x) in &vectors {
        let want = g.predict_inputs(*p, x, g.limits());
        check(&want, cfg.latency, &m.predict(*p, x))
            .unwrap_or_else(|e| panic!("history: inputs {x:?} {p}: {e}"));
        differs +=
            usize::from(old.predict_inputs(*p, x, old.limits()).log2_cycles != want.log2_cycles);
    }
    assert!(
        differs > vectors.len() / 2,
        "the loaded weights run ({differs} of {})",
        vectors.len()
    );
    eprintln!(
        "probe chain: {} probe situations bit-exact at {} cycles",
        vectors.len(),
        cfg.latency
    );

    // Negative: one flipped bit of the image is caught.
    let mut bad = writes.clone();
    bad[3].1 ^= 0x100;
    m.load_all(&bad);
    let caught = vectors
        .iter()
        .filter(|(p, x)| {
            check(
                &g.predict_inputs(*p, x, g.limits()),
                cfg.latency,
                &m.predict(*p, x),
            )
            .is_err()
        })
        .count();
    assert!(caught > 0, "a flipped bit of the load image must show");
}

/// Probe, then predict on ONE engine, as a sequencer runs it: `ouro hdl generate --predictor
/// predictors/history.q.yaml --blind predictors/default.q.yaml` writes the two-set engine's
/// load image; loaded into the verilated two-set engine, weight set 0 answers the blind
/// prediction that sizes the probe (inputs 0 and 1 written, inputs 2..4 holding whatever the
/// previous cell left), and set 1 the history-aware prediction after the probe, each bit for
/// bit as the golden model of the ORIGINAL predictor and at the one-set latency, on real cells
/// of `realistic`.
#[test]
fn the_two_set_engine_sizes_the_probe_and_predicts_on_real_cells() {
    use ouro_core::board::BoardConfig;
    use ouro_core::schema::QPredictor;
    use ouro_core::Polarity;
    use ouro_host::probe::ProbeThenPredict;
    use ouro_nn::golden::GoldenPredictor;
    use ouro_sim::device::{aged_cell, DeviceConfig, Start};
    use ouro_sim::readout::read_mean_code;
    use ouro_verilated::{check, read_load_image, require_verilator, ConfigInfo};
    use rand::Rng;

    if !require_verilator("two-set probe chain") {
        return;
    }
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let (h_path, b_path) = (
        root.join("predictors/history.q.yaml"),
        root.join("predictors/default.q.yaml"),
    );
    let dir = tempfile::tempdir().unwrap();
    let gw = dir.path().join("gw");
    ouro_ok(&[
        "hdl",
        "generate",
        "--predictor",
        &h_path.display().to_string(),
        "--blind",
        &b_path.display().to_string(),
        "--out",
        &gw.display().to_string(),
    ]);
    let writes = read_load_image(&gw.join(ouro_hdl::LOAD_IMAGE_FILE)).unwrap();
    let cfg = ConfigInfo::get("twoset").expect("the two-set configuration");
    let mut m = cfg.model().expect("model");
    // Start from other weights in both sets, so that the image is what runs.
    m.load_all(cfg.reload_writes);
    let mut other = writes.clone();
    for (_, d) in other.iter_mut() {
        *d ^= 0x5;
    }
    m.load_all(&other);
    m.load_all(&writes);

    let board = BoardConfig::default_board();
    let device = DeviceConfig::preset("realistic");
    let blind = GoldenPredictor::new(&QPredictor::load(&b_path).unwrap());
    let g = GoldenPredictor::new(&QPredictor::load(&h_path).unwrap());
    let levels = g.qpredictor().levels.clone().expect("levels");
    let (lo, hi) = device.window_us();
    let mut rng = ouro_testkit::rng::seeded(0x2_5E75_C0DE);
    let (mut blind_n, mut history_n) = (0, 0);
    for i in 0..1000 {
        let mut cell = aged_cell(&device, 12, i, 20, &mut rng);
        Start::Uniform.place(&device, &mut cell, &mut rng).unwrap();
        let code_t = board.code_of_us(lo + (hi - lo) * rng.random::<f64>());
        let code0 = read_mean_code(&board, cell.conductance_us(), 4, &mut rng);
        let Some(b) = blind.predict(code0, code_t) else {
            continue;
        };
        // Set 0: only inputs 0 and 1 are written; 2..4 hold the previous cell's words.
        let x = blind.inputs(b.polarity, code0, code_t);
        let got = m.predict_in_set(0, b.polarity, &x);
        check(&b, cfg.latency, &got).unwrap_or_else(|e| panic!("cell {i}, blind: {e}"));
        blind_n += 1;
        // The engine's log2 output sizes the probe.
        let k = ProbeThenPredict::probe_exponent(got.log2_cycles, board.max_pulse_cycles);
        cell.apply_pulse_with_amplitude(
            levels.get(b.polarity)[0],
            f64::from(1u32 << k) * board.clock_period_s(),
        );
        let code1 = read_mean_code(&board, cell.conductance_us(), 4, &mut rng);
        let Some(p) = Polarity::towards(code1, code_t) else {
            continue;
        };
        let level = rng.random_range(0..levels.len());
        let words = ProbeThenPredict::words(&g, p, b.polarity, (code0, code1, code_t), k, level);
        let want = g.predict_inputs(p, &words, g.limits());
        check(&want, cfg.latency, &m.predict_in_set(1, p, &words))
            .unwrap_or_else(|e| panic!("cell {i}, history: {words:?} {p}: {e}"));
        history_n += 1;
    }
    assert!(
        blind_n > 900 && history_n > 500,
        "{blind_n} blind, {history_n} history"
    );
    eprintln!(
        "two-set probe chain: {blind_n} blind and {history_n} history predictions bit-exact at {} cycles",
        cfg.latency
    );
}
