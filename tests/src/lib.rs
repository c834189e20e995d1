//! Shared steps of the end-to-end suite (`tests/tests/*.rs`): the predictor chain run through
//! the libraries, and the `ouro` binary run as a user runs it,
//! and the host side of the board top's pin-level tests (`pins`).

use ouro_core::board::BoardConfig;
use ouro_core::schema::{Predictor, QPredictor};
use ouro_host::characterize::{self, CharacterizeConfig};
use ouro_nn::train::{CheckedTrainParams, TrainParams};
use ouro_sim::device::DeviceConfig;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The small chain both end-to-end tests run: `nominal`, 2-16-1, the default board and lanes.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Device preset.
    pub device: &'static str,
    /// Cells characterized.
    pub cells: usize,
    /// Recorded pulses per cell.
    pub pulses_per_cell: usize,
    /// Seed of characterization and training.
    pub seed: u64,
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Training epochs.
    pub epochs: u32,
    /// MAC lanes of the engine.
    pub lanes: usize,
}

impl Default for Chain {
    fn default() -> Self {
        Self {
            device: "nominal",
            cells: 200,
            pulses_per_cell: 40,
            seed: 5,
            hidden: vec![16],
            epochs: 15,
            lanes: ouro_hdl::DEFAULT_LANES,
        }
    }
}

/// What the library chain produced, and where its files are.
#[derive(Debug)]
pub struct Products {
    /// The characterization CSV.
    pub data: PathBuf,
    /// The float predictor YAML.
    pub predictor: PathBuf,
    /// The quantized predictor YAML.
    pub qpredictor: PathBuf,
    /// The directory `ouro hdl generate` would write.
    pub gateware: PathBuf,
    /// The quantized predictor.
    pub q: QPredictor,
}

impl Chain {
    /// The training settings of this chain, checked.
    ///
    /// # Panics
    /// If the chain's settings are out of range (this is a test fixture).
    pub fn train_params(&self, data: &Path) -> CheckedTrainParams {
        TrainParams {
            epochs: self.epochs,
            hidden: self.hidden.clone(),
            seed: self.seed,
            source: data.display().to_string(),
            ..TrainParams::default()
        }
        .check()
        .expect("valid training settings")
    }

    /// Characterize, train, quantize and generate through the libraries, writing the same files
    /// into `dir` that the CLI writes.
    ///
    /// # Panics
    /// On any failure of a step (this is a test fixture).
    pub fn run_libraries(&self, dir: &Path) -> Products {
        let device = DeviceConfig::preset(self.device);
        let data = dir.join("data.csv");
        let rows = characterize::run(
            &device,
            &CharacterizeConfig::new(self.cells, self.pulses_per_cell, self.seed),
            None,
        )
        .expect("characterize");
        ouro_core::dataset::write_csv(&data, &rows).expect("write data");
        // Train on the file, as a user does: the CSV keeps conductances to six decimals.
        let rows = ouro_core::dataset::read_csv(&data).expect("read data");
        let (mut p, _report) =
            ouro_nn::train::train(&rows, &self.train_params(&data), None).expect("train");
        if let Some(t) = p.training.as_mut() {
            t.data = data.display().to_string();
        }
        let predictor = dir.join("predictor.yaml");
        ouro_core::yaml::save(&predictor, &p).expect("save predictor");
        let p = Predictor::load(&predictor).expect("reload predictor");
        let board = BoardConfig::default_board();
        let (q, _) = ouro_nn::quantize::quantize(&p, &board, &predictor.display().to_string())
            .expect("quantize");
        let qpredictor = dir.join("predictor.q.yaml");
        ouro_core::yaml::save(&qpredictor, &q).expect("save quantized predictor");
        let gateware = dir.join("gateware");
        ouro_hdl::generate(&q, self.lanes, &gateware).expect("generate");
        Products {
            data,
            predictor,
            qpredictor,
            gateware,
            q,
        }
    }
}

/// The `ouro` binary of this build, brought up to date once per test process with
/// `cargo test --workspace --no-run` in this test's target directory and profile (when this
/// package's tests run alone, `cargo test -p ouro-e2e`, cargo builds no other package's binary,
/// and one left from an earlier build may be stale).
///
/// # Panics
/// If it cannot be built.
pub fn ouro_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        // target/<profile>/deps/<test-exe> -> target/<profile>/ouro
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps");
        let target_dir = profile_dir.parent().expect("target/<profile>");
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        // Build it as `cargo test --workspace` builds it: the same packages, features and
        // profile, so that nothing (the verilated board top above all) is built a second time;
        // when the suite runs that way, everything is fresh and this returns at once.
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["test", "--quiet", "--workspace", "--no-run"])
            .arg("--manifest-path")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
            .arg("--target-dir")
            .arg(target_dir);
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "cargo build of the ouro binary failed");
        profile_dir.join(format!("ouro{}", std::env::consts::EXE_SUFFIX))
    })
    .clone()
}

/// Run `ouro` with `args`; the output whatever the exit code.
///
/// # Panics
/// If the binary cannot be started.
pub fn ouro(args: &[&str]) -> Output {
    Command::new(ouro_bin())
        .args(args)
        .output()
        .expect("run ouro")
}

/// Run `ouro` with `args` and require success.
///
/// # Panics
/// If it fails; the message holds its stderr.
pub fn ouro_ok(args: &[&str]) {
    let out = ouro(args);
    assert!(
        out.status.success(),
        "ouro {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}
pub mod bad;
pub mod pins;
