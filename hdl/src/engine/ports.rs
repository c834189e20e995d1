//! The host-side write ports: the load port (weights, biases, `weight_frac`s, run-time limits)
//! and the input port (network inputs), registered and decoded (`docs/HDL.md`, "Ports" and
//! "Load port").

use super::{c, A};
use crate::layout::{region, INPUT_ADDR_BITS as IB, LOAD_ADDR_BITS as LB, LOAD_DATA_BITS as DB};
use rust_hdl::prelude::*;

/// The load and input ports, registered (the load port's region decoded on the way) so that
/// their decoding and routing are not in series with the state decode and the memories' write
/// enables. A write presented in cycle `c` is performed on the edge after the one that samples
/// it, if the engine is idle in between: the write enables (`*_we`) are the registered ones
/// gated by `idle`; `input_we` is not gated (the top selects the input port for the
/// activation RAM's write port only while idle).
#[derive(LogicBlock)]
pub struct Ports {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The engine is idle (writes are performed only then).
    pub idle: Signal<In, bool>,
    /// Load port: write enable.
    pub ld_we: Signal<In, bool>,
    /// Load port: `[19:16]` region, `[15:12]` lane, `[11:0]` word.
    pub ld_addr: Signal<In, Bits<LB>>,
    /// Load port: data.
    pub ld_data: Signal<In, Bits<DB>>,
    /// Input port: write enable.
    pub in_we: Signal<In, bool>,
    /// Input port: input index.
    pub in_addr: Signal<In, Bits<IB>>,
    /// Input port: the raw Q6.10 input word.
    pub in_data: Signal<In, Bits<16>>,
    /// Write a weight word (region 0) now.
    pub weight_we: Signal<Out, bool>,
    /// Write a bias word (region 1) now.
    pub bias_we: Signal<Out, bool>,
    /// Write a `weight_frac` (region 2) now.
    pub frac_we: Signal<Out, bool>,
    /// Write a run-time limit (region 3) now.
    pub limit_we: Signal<Out, bool>,
    /// The registered write's lane field.
    pub lane: Signal<Out, Bits<4>>,
    /// The registered write's word field.
    pub word: Signal<Out, Bits<A>>,
    /// The registered write's data.
    pub data: Signal<Out, Bits<DB>>,
    /// The registered input write (performed if idle).
    pub input_we: Signal<Out, bool>,
    /// Its activation-RAM address (the input region: the index, zero-extended).
    pub input_addr: Signal<Out, Bits<A>>,
    /// Its word.
    pub input_data: Signal<Out, Bits<16>>,
    r_weights: Constant<Bits<4>>,
    r_biases: Constant<Bits<4>>,
    r_fracs: Constant<Bits<4>>,
    r_limits: Constant<Bits<4>>,
    ldw_r: DFF<bool>,
    ldb_r: DFF<bool>,
    ldf_r: DFF<bool>,
    ldl_r: DFF<bool>,
    ld_addr_r: DFF<Bits<LB>>,
    ld_data_r: DFF<Bits<DB>>,
    in_we_r: DFF<bool>,
    in_addr_r: DFF<Bits<IB>>,
    in_data_r: DFF<Bits<16>>,
    region: Signal<Local, Bits<4>>,
}

impl Ports {
    /// The ports.
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            idle: Default::default(),
            ld_we: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            in_we: Default::default(),
            in_addr: Default::default(),
            in_data: Default::default(),
            weight_we: Default::default(),
            bias_we: Default::default(),
            frac_we: Default::default(),
            limit_we: Default::default(),
            lane: Default::default(),
            word: Default::default(),
            data: Default::default(),
            input_we: Default::default(),
            input_addr: Default::default(),
            input_data: Default::default(),
            r_weights: c(u64::from(region::WEIGHTS)),
            r_biases: c(u64::from(region::BIASES)),
            r_fracs: c(u64::from(region::FRACS)),
            r_limits: c(u64::from(region::LIMITS)),
            ldw_r: Default::default(),
            ldb_r: Default::default(),
            ldf_r: Default::default(),
            ldl_r: Default::default(),
            ld_addr_r: Default::default(),
            ld_data_r: Default::default(),
            in_we_r: Default::default(),
            in_addr_r: Default::default(),
            in_data_r: Default::default(),
            region: Default::default(),
        }
    }
}

impl Default for Ports {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ports")
    }
}

impl Logic for Ports {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, ldw_r, ldb_r, ldf_r, ldl_r, ld_addr_r, ld_data_r, in_we_r, in_addr_r,
            in_data_r
        );
        self.region.next = self.ld_addr.val().get_bits::<4>(16);
        self.ldw_r.d.next = self.ld_we.val() & (self.region.val() == self.r_weights.val());
        self.ldb_r.d.next = self.ld_we.val() & (self.region.val() == self.r_biases.val());
        self.ldf_r.d.next = self.ld_we.val() & (self.region.val() == self.r_fracs.val());
        self.ldl_r.d.next = self.ld_we.val() & (self.region.val() == self.r_limits.val());
        self.ld_addr_r.d.next = self.ld_addr.val();
        self.ld_data_r.d.next = self.ld_data.val();
        self.in_we_r.d.next = self.in_we.val();
        self.in_addr_r.d.next = self.in_addr.val();
        self.in_data_r.d.next = self.in_data.val();
        self.weight_we.next = self.ldw_r.q.val() & self.idle.val();
        self.bias_we.next = self.ldb_r.q.val() & self.idle.val();
        self.frac_we.next = self.ldf_r.q.val() & self.idle.val();
        self.limit_we.next = self.ldl_r.q.val() & self.idle.val();
        self.lane.next = self.ld_addr_r.q.val().get_bits::<4>(12);
        self.word.next = self.ld_addr_r.q.val().get_bits::<A>(0);
        self.data.next = self.ld_data_r.q.val();
        self.input_we.next = self.in_we_r.q.val();
        self.input_addr.next = bit_cast::<A, IB>(self.in_addr_r.q.val());
        self.input_data.next = self.in_data_r.q.val();
    }
}
