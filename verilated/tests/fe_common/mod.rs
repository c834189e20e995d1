//! What the front end's Verilator tests share: a verilated block with its timing and the time
//! of its edges ([`Dut`]), and the part models as the blocks are built for them.

#![allow(dead_code)]

use ouro_core::frontend::Timing;
use ouro_hdl::frontend::PulseLimits;
use ouro_verilated::parts::{Ad5541a, Ad5541aTiming, Ad7476a, Ad7476aTiming, Adg731, Adg731Timing};
use ouro_verilated::{require_verilator, BlockInfo, BlockModel};

/// A verilated front-end block with its timing and limits, and the time of its last edge.
pub struct Dut {
    pub m: BlockModel,
    pub t: Timing,
    pub lim: PulseLimits,
    pub edge: u64,
    pub period: f64,
}

impl Dut {
    pub fn new(name: &str) -> Option<Self> {
        if !require_verilator(name) {
            return None;
        }
        let b = BlockInfo::get(name).unwrap_or_else(|| panic!("no block {name}"));
        let (t, lim) = ouro_testkit::frontend::block(name);
        Some(Self {
            m: b.model().expect("verilated block"),
            t,
            lim,
            edge: 0,
            period: 1e9 / t.clock_hz as f64,
        })
    }

    /// One clock cycle; returns the time of its edge, ns.
    pub fn tick(&mut self) -> f64 {
        self.m.tick();
        self.edge += 1;
        self.now()
    }

    pub fn now(&self) -> f64 {
        self.edge as f64 * self.period
    }

    pub fn b(&self, port: &str) -> bool {
        self.m.get_bool(port)
    }
}

/// The AD5541A; `_slow` blocks are built for a faster-settling part (150 ns, 2 cycles).
pub fn dac_model(name: &str) -> Ad5541a {
    let t_settle = if name.ends_with("_slow") {
        150.0
    } else {
        1000.0
    };
    Ad5541a::new(Ad5541aTiming {
        t_settle,
        ..Ad5541aTiming::default()
    })
}

pub fn adc_model(d: &Dut) -> Ad7476a {
    Ad7476a::new(Ad7476aTiming::default(), d.period)
}

/// The two ADG731; `_slow` blocks are built for a part that switches at once (t_ON 0).
pub fn mux_models(name: &str) -> (Adg731, Adg731) {
    let t_on = if name.ends_with("_slow") { 0.0 } else { 250.0 };
    let timing = Adg731Timing {
        t_on,
        ..Adg731Timing::default()
    };
    (
        Adg731::new("ADG731 row", timing),
        Adg731::new("ADG731 col", timing),
    )
}

pub fn no_violations(who: &str, v: &[String]) {
    assert!(
        v.is_empty(),
        "{who}: {} violations, first: {}",
        v.len(),
        v[0]
    );
}

/// `n` idle cycles, `step` after each.
pub fn idle_cycles(d: &mut Dut, n: usize, mut step: impl FnMut(&Dut, f64)) {
    for _ in 0..n {
        let now = d.tick();
        step(d, now);
    }
}
