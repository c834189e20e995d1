//! The Verilator harness around the generated predictor engine, as a library that any test
//! can call: load a model, drive it, check it against the golden model.
//!
//! The build script generates the Verilog of every configuration in
//! `ouro_testkit::configs::test_configs` through `ouro-hdl`, verilates it, compiles the model and
//! the Verilator runtime with `cc`, and links a C shim generated from the top module's port list.
//! [`Model`] is the safe wrapper: [`Model::tick`], typed `set_*`/`get_*` methods for every port,
//! and an optional VCD trace ([`Model::trace_to`]). [`drive`] adds what a sequencer does
//! ([`Model::load`], [`Model::set_runtime_limits`], [`Model::predict`]) and the one comparison
//! with the golden model ([`check`]); [`lint`] runs `verilator --lint-only -Wall`. [`block`]
//! gives each of the engine's blocks verilated alone ([`BlockInfo`], [`BlockModel`]), for the
//! block tests.
//!
//! **Without Verilator** the crate still builds (the build prints one `cargo:warning`), but no
//! configuration has a model: [`verilator_available`] is false, and [`require_verilator`] makes a
//! test fail when `OURO_REQUIRE_VERILATOR=1` (CI sets it) and otherwise prints
//! `SKIPPED: verilator not found ...` to stderr and tells the test to return.

use std::ffi::{c_char, c_int, c_void, CString};
use std::path::Path;

pub mod block;
pub mod drive;
pub mod lint;
pub mod parts;
pub mod top;

pub use block::{BlockInfo, BlockModel};
pub use drive::{check, parse_load_image, read_load_image, Mismatch, Outcome};
pub use top::{PinPulse, TopSim, TOP_BLOCK, TOP_NOMINAL_BLOCK};

include!(concat!(env!("OUT_DIR"), "/models.rs"));

/// A co-simulated configuration: the weights it was built from and its model, if verilated.
#[derive(Debug)]
pub struct ConfigInfo {
    /// Name.
    pub name: &'static str,
    /// MAC lanes.
    pub lanes: usize,
    /// Weight sets (1, or 2 for a two-set engine: ports `set` and `out_set`).
    pub sets: usize,
    /// Documented latency in cycles (`EngineShape::latency_cycles`).
    pub latency: usize,
    /// The generated Verilog file.
    pub verilog: &'static str,
    /// The quantized predictor the memories are initialised with (YAML); of weight set 0 in a
    /// two-set engine.
    pub predictor_yaml: &'static str,
    /// The quantized predictor of weight set 1 (YAML), in a two-set engine.
    pub set1_yaml: Option<&'static str>,
    /// A second predictor of the same shape (YAML), for the load-port test.
    pub reload_yaml: &'static str,
    /// Its load-port writes `(address, data)` (a two-set engine: the whole image, with it as
    /// set 0 and set 1 as built).
    pub reload_writes: &'static [(u32, u32)],
    api: Option<&'static Api>,
}

impl ConfigInfo {
    /// The configuration called `name`.
    pub fn get(name: &str) -> Option<&'static ConfigInfo> {
        CONFIGS.iter().find(|c| c.name == name)
    }

    /// Whether this configuration has a verilated model.
    pub fn has_model(&self) -> bool {
        self.api.is_some()
    }

    /// A fresh model (all memories at their initial contents, all registers at 0), or `None`
    /// without Verilator.
    pub fn model(&self) -> Option<Model> {
        self.api.map(Model::new)
    }
}

/// Whether the harness was built with Verilator.
pub fn verilator_available() -> bool {
    VERILATOR_VERSION.is_some()
}

/// For tests: `true` when the models exist. Without Verilator, panics when
/// `OURO_REQUIRE_VERILATOR=1`, else prints a loud `SKIPPED` line to stderr and returns `false`.
pub fn require_verilator(test: &str) -> bool {
    if verilator_available() {
        return true;
    }
    if std::env::var("OURO_REQUIRE_VERILATOR").is_ok_and(|v| v == "1") {
        panic!("{test}: verilator not found at build time, and OURO_REQUIRE_VERILATOR=1");
    }
    // Written to the stderr handle itself, not through `eprintln!`, so that the test harness's
    // output capture cannot hide it.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: verilator not found at build time; {test} did not run (set OURO_REQUIRE_VERILATOR=1 to fail instead)"
    );
    false
}

/// One verilated engine instance.
#[derive(Debug)]
pub struct Model {
    api: &'static Api,
    ptr: *mut c_void,
    time: u64,
    tracing: bool,
}

impl Model {
    fn new(api: &'static Api) -> Self {
        // SAFETY: the constructor has no preconditions; it returns an owned handle.
        let ptr = unsafe { (api.new)() };
        assert!(!ptr.is_null(), "model allocation failed");
        let mut m = Self {
            api,
            ptr,
            time: 0,
            tracing: false,
        };
        m.set_clock(false);
        m.eval();
        m
    }

    fn set_clock(&mut self, v: bool) {
        // SAFETY: `ptr` is live for the lifetime of `self`.
        unsafe { (self.api.set_clock)(self.ptr, u64::from(v)) }
    }

    /// Evaluate the combinational logic after changing inputs (without a clock edge).
    pub fn eval(&mut self) {
        // SAFETY: as above.
        unsafe { (self.api.eval)(self.ptr) }
    }

    /// One clock cycle: a rising edge (inputs set before are sampled by it) and the falling
    /// edge after it; outputs read afterwards show the state after the edge.
    pub fn tick(&mut self) {
        self.set_clock(true);
        self.eval();
        self.dump();
        self.set_clock(false);
        self.eval();
        self.dump();
    }

    fn dump(&mut self) {
        if self.tracing {
            // SAFETY: as above; the trace is open.
            unsafe { (self.api.trace_dump)(self.ptr, self.time) }
        }
        self.time += 1;
    }

    /// Rising edges so far.
    pub fn cycles(&self) -> u64 {
        self.time / 2
    }

    /// Start writing a VCD trace of every signal to `path` (replacing an open one).
    pub fn trace_to(&mut self, path: &Path) -> std::io::Result<()> {
        let c = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        // SAFETY: `c` outlives the call; the model copies the name.
        let rc = unsafe { (self.api.trace_open)(self.ptr, c.as_ptr()) };
        if rc != 0 {
            return Err(std::io::Error::other(format!(
                "cannot open VCD trace {}",
                path.display()
            )));
        }
        self.tracing = true;
        self.dump();
        Ok(())
    }

    /// Stop tracing and flush the VCD file.
    pub fn trace_close(&mut self) {
        // SAFETY: as above.
        unsafe { (self.api.trace_close)(self.ptr) }
        self.tracing = false;
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `new` and is freed exactly once.
        unsafe { (self.api.delete)(self.ptr) }
    }
}
