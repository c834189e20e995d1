//! Memories whose depth and contents are chosen when the engine is built, not by a const
//! generic: the address ports have a fixed width `AB` (a const generic), and only the low
//! `ceil(log2(depth))` address bits are used (the rest are consumed by a `*unused*` wire, which
//! `verilator -Wall` ignores by its default `--unused-regexp`). Contents are initialised inline
//! (`initial` blocks), so the generated Verilog is self-contained; yosys maps the synchronous
//! ones to iCE40 EBR.
//!
//! rust-hdl's own `RAM<D, N>` fixes the depth at `2^N` through a const generic, which would make
//! every bank as deep as the largest configuration (and overflow the iCE40UP5K's 30 EBR).

use rust_hdl::core::prelude::*;

fn addr_bits(depth: usize) -> usize {
    let mut b = 1;
    while (1usize << b) < depth {
        b += 1;
    }
    b
}

fn init_block<const W: usize>(init: &[u64], aw: usize) -> String {
    let mut s = String::from("initial begin\n");
    for a in 0..(1usize << aw) {
        let v = init.get(a).copied().unwrap_or(0);
        s.push_str(&format!("   mem[{a}] = {W}'h{v:x};\n"));
    }
    s.push_str("end\n");
    s
}

fn unused_wire(ports: &[&str], aw: usize, ab: usize) -> String {
    if aw >= ab {
        return String::new();
    }
    let hi = ab - 1;
    let parts: Vec<String> = ports.iter().map(|p| format!("{p}[{hi}:{aw}]")).collect();
    format!(
        "wire unused_address_bits = &{{1'b0, {}}};\n",
        parts.join(", ")
    )
}

/// A simple dual-port RAM with a synchronous read (one cycle) and a synchronous write, on one
/// clock. A read and a write of the same word on the same edge read the old word.
#[derive(LogicBlock)]
pub struct Ram<const W: usize, const AB: usize> {
    /// The clock.
    pub clock: Signal<In, Clock>,
    /// Read address (low bits used).
    pub read_address: Signal<In, Bits<AB>>,
    /// The word at the previous edge's `read_address`.
    pub read_data: Signal<Out, Bits<W>>,
    /// Write address (low bits used).
    pub write_address: Signal<In, Bits<AB>>,
    /// Write data.
    pub write_data: Signal<In, Bits<W>>,
    /// Write enable.
    pub write_enable: Signal<In, bool>,
    _mem: Vec<Bits<W>>,
    _init: Vec<u64>,
}

impl<const W: usize, const AB: usize> Ram<W, AB> {
    /// A RAM of `depth` words holding `init` (zero beyond it).
    pub fn new(depth: usize, init: Vec<u64>) -> Self {
        let aw = addr_bits(depth.max(init.len()));
        let mut mem = vec![Bits::<W>::default(); 1 << aw];
        for (m, &v) in mem.iter_mut().zip(&init) {
            *m = v.into();
        }
        Self {
            clock: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            _mem: mem,
            _init: init,
        }
    }

    fn aw(&self) -> usize {
        addr_bits(self._mem.len())
    }
}

impl<const W: usize, const AB: usize> std::fmt::Debug for Ram<W, AB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ram<{W}>[{}]", self._mem.len())
    }
}

impl<const W: usize, const AB: usize> Logic for Ram<W, AB> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let mask = self._mem.len() - 1;
            self.read_data.next = self._mem[self.read_address.val().index() & mask];
            if self.write_enable.val() {
                self._mem[self.write_address.val().index() & mask] = self.write_data.val();
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let aw = self.aw();
        Verilog::Custom(format!(
            "reg [{msb}:0] mem[0:{last}];\n{unused}{init}\
always @(posedge clock) begin\n   read_data <= mem[read_address[{am}:0]];\n   \
if (write_enable) begin\n      mem[write_address[{am}:0]] <= write_data;\n   end\nend\n",
            msb = W - 1,
            last = (1usize << aw) - 1,
            unused = unused_wire(&["read_address", "write_address"], aw, AB),
            init = init_block::<W>(&self._init, aw),
            am = aw - 1,
        ))
    }
}

/// A read-only table, either combinational (`sync = false`, mapped to logic) or with a
/// registered read like [`Ram`] (`sync = true`, mapped to EBR).
#[derive(LogicBlock)]
pub struct Rom<const W: usize, const AB: usize> {
    /// The clock (used only when the read is synchronous).
    pub clock: Signal<In, Clock>,
    /// Address (low bits used).
    pub address: Signal<In, Bits<AB>>,
    /// The word.
    pub data: Signal<Out, Bits<W>>,
    _mem: Vec<Bits<W>>,
    _init: Vec<u64>,
    _sync: bool,
}

impl<const W: usize, const AB: usize> Rom<W, AB> {
    /// A table holding `init`.
    pub fn new(init: Vec<u64>, sync: bool) -> Self {
        let aw = addr_bits(init.len());
        let mut mem = vec![Bits::<W>::default(); 1 << aw];
        for (m, &v) in mem.iter_mut().zip(&init) {
            *m = v.into();
        }
        Self {
            clock: Default::default(),
            address: Default::default(),
            data: Default::default(),
            _mem: mem,
            _init: init,
            _sync: sync,
        }
    }
}

impl<const W: usize, const AB: usize> std::fmt::Debug for Rom<W, AB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rom<{W}>[{}]", self._mem.len())
    }
}

impl<const W: usize, const AB: usize> Logic for Rom<W, AB> {
    fn update(&mut self) {
        let mask = self._mem.len() - 1;
        let v = self._mem[self.address.val().index() & mask];
        if !self._sync || self.clock.pos_edge() {
            self.data.next = v;
        }
    }

    fn connect(&mut self) {
        self.data.connect();
    }

    fn hdl(&self) -> Verilog {
        let aw = addr_bits(self._mem.len());
        let read = if self._sync {
            format!(
                "always @(posedge clock) begin\n   data <= mem[address[{}:0]];\nend\n",
                aw - 1
            )
        } else {
            format!(
                "wire unused_clock = clock;\nalways @(*) begin\n   data = mem[address[{}:0]];\nend\n",
                aw - 1
            )
        };
        Verilog::Custom(format!(
            "reg [{msb}:0] mem[0:{last}];\n{unused}{init}{read}",
            msb = W - 1,
            last = (1usize << aw) - 1,
            unused = unused_wire(&["address"], aw, AB),
            init = init_block::<W>(&self._init, aw),
        ))
    }
}

/// Address bits of an iCE40UP5K single-port RAM (SB_SPRAM256KA: 16,384 x 16 bits).
pub const SPRAM_ADDR_BITS: usize = 14;
/// Words of one SPRAM.
pub const SPRAM_WORDS: usize = 1 << SPRAM_ADDR_BITS;

/// A single-port RAM of 16,384 x 16 bits, written so that `yosys synth_ice40 -spram` maps it to
/// one SB_SPRAM256KA: one address for reading and writing, a registered read, and no read in a
/// write cycle (`read_data` keeps its value, the SPRAM's "no change" behaviour). An SPRAM has no
/// initial contents in a bitstream; this model starts at 0, but nothing may rely on that.
#[derive(LogicBlock, Default)]
pub struct Spram {
    /// The clock.
    pub clock: Signal<In, Clock>,
    /// The address of a read or a write.
    pub address: Signal<In, Bits<SPRAM_ADDR_BITS>>,
    /// Write (else read).
    pub write_enable: Signal<In, bool>,
    /// Write data.
    pub write_data: Signal<In, Bits<16>>,
    /// The word read at the previous edge (held through write cycles).
    pub read_data: Signal<Out, Bits<16>>,
    _mem: Vec<Bits<16>>,
}

impl Spram {
    /// An SPRAM.
    pub fn new() -> Self {
        Self {
            _mem: vec![Bits::<16>::default(); SPRAM_WORDS],
            ..Default::default()
        }
    }
}

impl std::fmt::Debug for Spram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spram")
    }
}

impl Logic for Spram {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let a = self.address.val().index() & (SPRAM_WORDS - 1);
            if self.write_enable.val() {
                self._mem[a] = self.write_data.val();
            } else {
                self.read_data.next = self._mem[a];
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "reg [15:0] mem[0:{last}];\nalways @(posedge clock) begin\n   if (write_enable) begin\n      \
mem[address] <= write_data;\n   end else begin\n      read_data <= mem[address];\n   end\nend\n",
            last = SPRAM_WORDS - 1
        ))
    }
}
