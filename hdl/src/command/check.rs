//! The argument checks of one request item: whether a CONFIGURE pair, a LOAD_WEIGHTS pair, a
//! PROGRAM entry or a fixed command's arguments are in range for this build. Combinational.

use super::{b, Build};
use ouro_core::protocol::Opcode;
use rust_hdl::prelude::*;

/// The checks of one item. The item's bytes are the top of `item` (the decoder shifts each
/// byte in at bit 72, so an item of `S` bytes occupies bits `80 - 8 S .. 80`, first byte
/// lowest). `ok` says whether the item is in range; for the fixed commands (READ_CELL,
/// RAW_PULSE) `field` is the position of the first field out of range.
#[derive(LogicBlock)]
pub struct ItemCheck {
    /// The opcode (low four bits; only the opcodes with arguments are checked).
    pub op: Signal<In, Bits<4>>,
    /// The item.
    pub item: Signal<In, Bits<80>>,
    /// The item is in range.
    pub ok: Signal<Out, bool>,
    /// The first field out of range (fixed commands).
    pub field: Signal<Out, Bits<8>>,
    op_configure: Constant<Bits<4>>,
    op_load_weights: Constant<Bits<4>>,
    op_program: Constant<Bits<4>>,
    op_read: Constant<Bits<4>>,
    op_raw: Constant<Bits<4>>,
    rows: Constant<Bits<8>>,
    cols: Constant<Bits<8>>,
    code_limit16: Constant<Bits<16>>,
    code_limit32: Constant<Bits<32>>,
    /// The last lane's index (lanes - 1: a 16-lane build accepts every 4-bit index).
    lane_last: Constant<Bits<4>>,
    weight_last: Constant<Bits<12>>,
    bias_last: Constant<Bits<12>>,
    frac_last: Constant<Bits<12>>,
    mode0: Constant<bool>,
    mode1: Constant<bool>,
    mode2: Constant<bool>,
    mode3: Constant<bool>,
    mode4: Constant<bool>,
    mode5: Constant<bool>,
    k0_3: Constant<Bits<3>>,
    k1_3: Constant<Bits<3>>,
    k2_3: Constant<Bits<3>>,
    k3_3: Constant<Bits<3>>,
    k4_3: Constant<Bits<3>>,
    k5_3: Constant<Bits<3>>,
    k2_8: Constant<Bits<8>>,
    k0_8: Constant<Bits<8>>,
    k1_8: Constant<Bits<8>>,
    k4_8: Constant<Bits<8>>,
    k0_16: Constant<Bits<16>>,
    k0_12: Constant<Bits<12>>,
    k0_4: Constant<Bits<4>>,
    k1_4: Constant<Bits<4>>,
    k2_4: Constant<Bits<4>>,
    k0_24: Constant<Bits<24>>,
    k0_32: Constant<Bits<32>>,
    k4_32: Constant<Bits<32>>,
    k0_29: Constant<Bits<29>>,
    r_mode: Constant<Bits<8>>,
    r_attempts: Constant<Bits<8>>,
    r_reads: Constant<Bits<8>>,
    r_fixed: Constant<Bits<8>>,
    r_fds: Constant<Bits<8>>,
    r_fdr: Constant<Bits<8>>,
    r_astart: Constant<Bits<8>>,
    r_fns: Constant<Bits<8>>,
    r_fnr: Constant<Bits<8>>,
    r_fbelow: Constant<Bits<8>>,
    r_rtmin: Constant<Bits<8>>,
    r_rtmax: Constant<Bits<8>>,
    r_off0: Constant<Bits<8>>,
    r_off1: Constant<Bits<8>>,
    r_log2: Constant<Bits<8>>,
    r_intab: Constant<Bits<8>>,
    r_nlev: Constant<Bits<8>>,
    k8_32: Constant<Bits<32>>,
    log2_base_max: Constant<Bits<32>>,
    input_base_max: Constant<Bits<32>>,
    cfg_ok: Signal<Local, bool>,
    lw_ok: Signal<Local, bool>,
    pr_ok: Signal<Local, bool>,
    reg_id: Signal<Local, Bits<8>>,
    value: Signal<Local, Bits<32>>,
    is24: Signal<Local, bool>,
    is16: Signal<Local, bool>,
    nonzero: Signal<Local, bool>,
    addr: Signal<Local, Bits<32>>,
    lane_ok: Signal<Local, bool>,
    word: Signal<Local, Bits<12>>,
    mode_v: Signal<Local, Bits<3>>,
}

impl ItemCheck {
    /// The checks of `build`.
    pub fn new(build: &Build) -> Self {
        use ouro_core::protocol::Register as R;
        let r = |x: R| b::<8>(u64::from(x.code()));
        let op = |o: Opcode| b::<4>(u64::from(o.code()));
        Self {
            op: Default::default(),
            item: Default::default(),
            ok: Default::default(),
            field: Default::default(),
            op_configure: op(Opcode::Configure),
            op_load_weights: op(Opcode::LoadWeights),
            op_program: op(Opcode::Program),
            op_read: op(Opcode::ReadCell),
            op_raw: op(Opcode::RawPulse),
            rows: b(u64::from(build.rows)),
            cols: b(u64::from(build.cols)),
            code_limit16: b(1 << build.adc_bits),
            code_limit32: b(1 << build.adc_bits),
            lane_last: b(build.lanes.clamp(1, 16) as u64 - 1),
            weight_last: b(build.weight_depth.clamp(1, 4096) as u64 - 1),
            bias_last: b(build.bias_depth.clamp(1, 4096) as u64 - 1),
            frac_last: b(build.frac_depth.clamp(1, 4096) as u64 - 1),
            mode0: Constant::new(build.modes & 1 != 0),
            mode1: Constant::new(build.modes & 2 != 0),
            mode2: Constant::new(build.modes & 4 != 0),
            mode3: Constant::new(build.modes & 8 != 0),
            mode4: Constant::new(build.modes & 16 != 0),
            mode5: Constant::new(build.modes & 32 != 0),
            k0_3: b(0),
            k1_3: b(1),
            k2_3: b(2),
            k3_3: b(3),
            k4_3: b(4),
            k5_3: b(5),
            k2_8: b(2),
            k0_8: b(0),
            k1_8: b(1),
            k4_8: b(4),
            k0_16: b(0),
            k0_12: b(0),
            k0_4: b(0),
            k1_4: b(1),
            k2_4: b(2),
            k0_24: b(0),
            k0_32: b(0),
            k4_32: b(4),
            k0_29: b(0),
            r_mode: r(R::Mode),
            r_attempts: r(R::MaxAttempts),
            r_reads: r(R::ReadsLog2),
            r_fixed: r(R::FixedCycles),
            r_fds: r(R::FixedDacSet),
            r_fdr: r(R::FixedDacReset),
            r_astart: r(R::AdaptiveStartCycles),
            r_fns: r(R::FineDacSet),
            r_fnr: r(R::FineDacReset),
            r_fbelow: r(R::FineBelowCycles),
            r_rtmin: r(R::RtMinCycles),
            r_rtmax: r(R::RtMaxCycles),
            r_off0: r(R::InputOffset0),
            r_off1: r(R::InputOffset1),
            r_log2: r(R::Log2Base),
            r_intab: r(R::InputTableBase),
            r_nlev: r(R::NeuralLevels),
            k8_32: b(8),
            log2_base_max: b(u64::from(build.log2_base_max)),
            input_base_max: b(u64::from(build.input_base_max)),
            cfg_ok: Default::default(),
            lw_ok: Default::default(),
            pr_ok: Default::default(),
            reg_id: Default::default(),
            value: Default::default(),
            is24: Default::default(),
            is16: Default::default(),
            nonzero: Default::default(),
            addr: Default::default(),
            lane_ok: Default::default(),
            word: Default::default(),
            mode_v: Default::default(),
        }
    }
}

impl std::fmt::Debug for ItemCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ItemCheck")
    }
}

impl Logic for ItemCheck {
    #[hdl_gen]
    fn update(&mut self) {
        // CONFIGURE (5 bytes at bit 40): register u8, value u32.
        self.reg_id.next = self.item.val().get_bits::<8>(40);
        self.value.next = self.item.val().get_bits::<32>(48);
        self.is24.next = self.value.val().get_bits::<8>(24) == self.k0_8.val();
        self.is16.next = self.value.val().get_bits::<16>(16) == self.k0_16.val();
        self.nonzero.next = self.value.val() != self.k0_32.val();
        self.mode_v.next = self.value.val().get_bits::<3>(0);
        self.cfg_ok.next = false;
        if (self.reg_id.val() == self.r_mode.val())
            & (self.value.val().get_bits::<29>(3) == self.k0_29.val())
        {
            self.cfg_ok.next = (self.mode_v.val() == self.k0_3.val()) & self.mode0.val()
                | (self.mode_v.val() == self.k1_3.val()) & self.mode1.val()
                | (self.mode_v.val() == self.k2_3.val()) & self.mode2.val()
                | (self.mode_v.val() == self.k3_3.val()) & self.mode3.val()
                | (self.mode_v.val() == self.k4_3.val()) & self.mode4.val()
                | (self.mode_v.val() == self.k5_3.val()) & self.mode5.val();
        }
        if self.reg_id.val() == self.r_attempts.val() {
            self.cfg_ok.next =
                (self.value.val().get_bits::<24>(8) == self.k0_24.val()) & self.nonzero.val();
        }
        if self.reg_id.val() == self.r_reads.val() {
            self.cfg_ok.next = self.value.val() <= self.k4_32.val();
        }
        if (self.reg_id.val() == self.r_fixed.val()) | (self.reg_id.val() == self.r_astart.val()) {
            self.cfg_ok.next = self.is24.val() & self.nonzero.val();
        }
        if (self.reg_id.val() == self.r_fbelow.val())
            | (self.reg_id.val() == self.r_rtmin.val())
            | (self.reg_id.val() == self.r_rtmax.val())
        {
            self.cfg_ok.next = self.is24.val();
        }
        if (self.reg_id.val() == self.r_fds.val())
            | (self.reg_id.val() == self.r_fdr.val())
            | (self.reg_id.val() == self.r_fns.val())
            | (self.reg_id.val() == self.r_fnr.val())
            | (self.reg_id.val().get_bits::<4>(4) == self.k1_4.val())
        {
            self.cfg_ok.next = self.is16.val();
        }
        if self.reg_id.val() == self.r_log2.val() {
            self.cfg_ok.next = self.value.val() <= self.log2_base_max.val();
        }
        if self.reg_id.val() == self.r_intab.val() {
            self.cfg_ok.next = self.value.val() <= self.input_base_max.val();
        }
        if self.reg_id.val() == self.r_nlev.val() {
            self.cfg_ok.next = self.nonzero.val() & (self.value.val() <= self.k8_32.val());
        }
        if (self.reg_id.val() == self.r_off0.val()) | (self.reg_id.val() == self.r_off1.val()) {
            self.cfg_ok.next = self.value.val() < self.code_limit32.val();
        }
        // LOAD_WEIGHTS (8 bytes at bit 16): address u32, data u32.
        self.addr.next = self.item.val().get_bits::<32>(16);
        self.word.next = self.addr.val().get_bits::<12>(0);
        self.lane_ok.next = self.addr.val().get_bits::<4>(12) <= self.lane_last.val();
        self.lw_ok.next = false;
        if self.addr.val().get_bits::<12>(20) == self.k0_12.val() {
            if self.addr.val().get_bits::<4>(16) == self.k0_4.val() {
                self.lw_ok.next = self.lane_ok.val() & (self.word.val() <= self.weight_last.val());
            }
            if self.addr.val().get_bits::<4>(16) == self.k1_4.val() {
                self.lw_ok.next = self.lane_ok.val() & (self.word.val() <= self.bias_last.val());
            }
            if self.addr.val().get_bits::<4>(16) == self.k2_4.val() {
                self.lw_ok.next = self.word.val() <= self.frac_last.val();
            }
        }
        // PROGRAM (6 bytes at bit 32): row, col, target u16, tolerance u16.
        self.pr_ok.next = (self.item.val().get_bits::<8>(32) < self.rows.val())
            & (self.item.val().get_bits::<8>(40) < self.cols.val())
            & (self.item.val().get_bits::<16>(48) < self.code_limit16.val());
        self.ok.next = true;
        self.field.next = self.k0_8.val();
        if self.op.val() == self.op_configure.val() {
            self.ok.next = self.cfg_ok.val();
        }
        if self.op.val() == self.op_load_weights.val() {
            self.ok.next = self.lw_ok.val();
        }
        if self.op.val() == self.op_program.val() {
            self.ok.next = self.pr_ok.val();
        }
        // READ_CELL (3 bytes at bit 56): row, col, reads_log2.
        if self.op.val() == self.op_read.val() {
            if self.item.val().get_bits::<8>(56) >= self.rows.val() {
                self.ok.next = false;
            } else if self.item.val().get_bits::<8>(64) >= self.cols.val() {
                self.ok.next = false;
                self.field.next = self.k1_8.val();
            } else if self.item.val().get_bits::<8>(72) > self.k4_8.val() {
                self.ok.next = false;
                self.field.next = self.k2_8.val();
            }
        }
        // RAW_PULSE (9 bytes at bit 8): row, col, polarity, dac u16, cycles u32.
        if self.op.val() == self.op_raw.val() {
            if self.item.val().get_bits::<8>(8) >= self.rows.val() {
                self.ok.next = false;
            } else if self.item.val().get_bits::<8>(16) >= self.cols.val() {
                self.ok.next = false;
                self.field.next = self.k1_8.val();
            } else if self.item.val().get_bits::<8>(24) > self.k1_8.val() {
                self.ok.next = false;
                self.field.next = self.k2_8.val();
            }
        }
    }
}
