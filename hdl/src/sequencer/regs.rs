//! The sequencer's settings registers, written by the command decoder (`CONFIGURE`), and the
//! effective duration limits they give.

use super::build::SeqBuild;
use crate::engine::c;
use crate::mem::Ram;
use rust_hdl::prelude::*;

/// Register ids (as `CONFIGURE` carries them: `ouro_core::protocol::Register`).
pub mod id {
    /// Mode.
    pub const MODE: u8 = 0x01;
    /// Most pulses per cell.
    pub const MAX_ATTEMPTS: u8 = 0x03;
    /// log2 of the conversions per read.
    pub const READS_LOG2: u8 = 0x04;
    /// Fixed write-and-verify duration.
    pub const FIXED_CYCLES: u8 = 0x05;
    /// Write-and-verify DAC code, SET.
    pub const FIXED_DAC_SET: u8 = 0x06;
    /// Write-and-verify DAC code, RESET.
    pub const FIXED_DAC_RESET: u8 = 0x07;
    /// First adaptive duration.
    pub const ADAPTIVE_START_CYCLES: u8 = 0x08;
    /// Fine-correction DAC code, SET.
    pub const FINE_DAC_SET: u8 = 0x09;
    /// Fine-correction DAC code, RESET.
    pub const FINE_DAC_RESET: u8 = 0x0A;
    /// Predictions of at most this many cycles go at the fine amplitude.
    pub const FINE_BELOW_CYCLES: u8 = 0x0B;
    /// Amplitude level 0, SET (level `n` is `LEVEL0_DAC_SET + n`).
    pub const LEVEL0_DAC_SET: u8 = 0x10;
    /// Amplitude level 0, RESET (level `n` is `LEVEL0_DAC_RESET + n`).
    pub const LEVEL0_DAC_RESET: u8 = 0x18;
    /// Run-time minimum duration.
    pub const RUNTIME_MIN_CYCLES: u8 = 0x20;
    /// Run-time maximum duration.
    pub const RUNTIME_MAX_CYCLES: u8 = 0x21;
    /// Offset of input word 0 (the reading).
    pub const INPUT_OFFSET_0: u8 = 0x22;
    /// Offset of input word 1 (the target).
    pub const INPUT_OFFSET_1: u8 = 0x23;
    /// Word address of the `LOG2` table.
    pub const LOG2_BASE: u8 = 0x24;
    /// Word address of the input tables.
    pub const INPUT_TABLE_BASE: u8 = 0x25;
    /// Amplitude levels the neural loop may climb.
    pub const NEURAL_LEVELS: u8 = 0x26;
}

/// The settings registers. A write (`we`, `addr`, `data`) is performed on the next edge; the
/// command decoder has checked its range (no register is wider than the 24 bits of `data`),
/// except that a `MODE` the build does not run is ignored here too. Power-up values: neural
/// loop, 16 attempts, one conversion per read, fixed and first adaptive durations of one cycle,
/// DAC codes 0, no fine corrections, no run-time tightening, the build's input offsets, table
/// bases 0, one amplitude level for the neural loop. The DAC registers (eight levels per
/// polarity and write and verify's) are a 32-word RAM read through `dac_addr`. A build keeps
/// only the registers it uses: the `LOG2` base with probe-then-predict, the input tables' base
/// with input tables. The effective limits (`eff_min`, `eff_max`: the synthesized
/// ones tightened by the run-time registers, as `Limits::tighten`) follow a write after one
/// edge (the minimum) and two (the maximum): a run-time value is stored bounded by the
/// synthesized limits, and the maximum is raised to the minimum in one more register.
#[derive(LogicBlock)]
pub struct SeqRegs {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Write enable.
    pub we: Signal<In, bool>,
    /// Register id.
    pub addr: Signal<In, Bits<8>>,
    /// Value.
    pub data: Signal<In, Bits<24>>,
    /// Mode.
    pub mode: Signal<Out, Bits<3>>,
    /// Most pulses per cell.
    pub max_attempts: Signal<Out, Bits<16>>,
    /// log2 of the conversions per read.
    pub reads_log2: Signal<Out, Bits<3>>,
    /// Fixed duration.
    pub fixed_cycles: Signal<Out, Bits<24>>,
    /// First adaptive duration.
    pub adaptive_start: Signal<Out, Bits<24>>,
    /// The DAC register to read: `8 p + n` for `LEVEL_DAC[n]` of polarity `p` (0 SET, 1
    /// RESET), `16 + p` for `FIXED_DAC` of `p`; its code is on `dac` after the next edge.
    pub dac_addr: Signal<In, Bits<5>>,
    /// The code of the DAC register `dac_addr` named at the last edge.
    pub dac: Signal<Out, Bits<16>>,
    /// Fine DAC code, SET.
    pub fine_dac_set: Signal<Out, Bits<16>>,
    /// Fine DAC code, RESET.
    pub fine_dac_reset: Signal<Out, Bits<16>>,
    /// Fine threshold, cycles.
    pub fine_below: Signal<Out, Bits<24>>,
    /// Input offsets.
    pub offset0: Signal<Out, Bits<16>>,
    /// Input offsets.
    pub offset1: Signal<Out, Bits<16>>,
    /// Word address of the `LOG2` table.
    pub log2_base: Signal<Out, Bits<14>>,
    /// Word address of the input tables.
    pub table_base: Signal<Out, Bits<14>>,
    /// The neural loop's top level: `NEURAL_LEVELS - 1`.
    pub neural_top: Signal<Out, Bits<3>>,
    /// Effective minimum duration.
    pub eff_min: Signal<Out, Bits<24>>,
    /// Effective maximum duration.
    pub eff_max: Signal<Out, Bits<24>>,
    a_mode: Constant<Bits<8>>,
    a_max_attempts: Constant<Bits<8>>,
    a_reads: Constant<Bits<8>>,
    a_fixed: Constant<Bits<8>>,
    a_astart: Constant<Bits<8>>,
    a_fns: Constant<Bits<8>>,
    a_fnr: Constant<Bits<8>>,
    a_fbelow: Constant<Bits<8>>,
    a_fixed_lo: Constant<Bits<7>>,
    k1_4: Constant<Bits<4>>,
    dac_ram: Ram<16, 5>,
    dac_wa: Signal<Local, Bits<5>>,
    fixed_wa: Constant<Bits<5>>,
    fixed_wa_reset: Constant<Bits<5>>,
    addr_lo: Signal<Local, Bits<4>>,
    dac_we: Signal<Local, bool>,
    a_rtmin: Constant<Bits<8>>,
    a_rtmax: Constant<Bits<8>>,
    a_off0: Constant<Bits<8>>,
    a_off1: Constant<Bits<8>>,
    a_log2: Constant<Bits<8>>,
    a_tbase: Constant<Bits<8>>,
    a_nlev: Constant<Bits<8>>,
    one3: Constant<Bits<3>>,
    ntop_r: DFF<Bits<3>>,
    ntop_v: Signal<Local, Bits<3>>,
    has_log2: Constant<bool>,
    has_tables: Constant<bool>,
    modes: Constant<Bits<8>>,
    syn_min: Constant<Bits<24>>,
    syn_max: Constant<Bits<24>>,
    dur_mask: Constant<Bits<24>>,
    mode_r: DFF<Bits<3>>,
    max_attempts_r: DFFWithInit<Bits<16>>,
    mask_attempts: Constant<Bits<16>>,
    reads_r: DFF<Bits<3>>,
    fixed_r: DFFWithInit<Bits<24>>,
    astart_r: DFFWithInit<Bits<24>>,
    fns_r: DFF<Bits<16>>,
    fnr_r: DFF<Bits<16>>,
    fbelow_r: DFF<Bits<24>>,
    rtmin_r: DFFWithInit<Bits<24>>,
    rtmax_r: DFFWithInit<Bits<24>>,
    off0_r: DFFWithInit<Bits<16>>,
    off1_r: DFFWithInit<Bits<16>>,
    log2_r: DFF<Bits<14>>,
    tbase_r: DFF<Bits<14>>,
    // The effective maximum: the run-time maximum, not below the minimum.
    hi2: DFFWithInit<Bits<24>>,
    // The written value bounded by the synthesized limits.
    bounded: Signal<Local, Bits<24>>,
    mode_ok: Signal<Local, bool>,
}

impl SeqRegs {
    /// The registers of a sequencer build.
    pub fn new(b: &SeqBuild) -> Self {
        let a = |id: u8| c::<8>(u64::from(id));
        // Every duration limit is at most the synthesized maximum: its bits above that are 0.
        let dur_bits = 32 - b.syn_max.max(1).leading_zeros();
        Self {
            clock: Default::default(),
            we: Default::default(),
            addr: Default::default(),
            data: Default::default(),
            mode: Default::default(),
            max_attempts: Default::default(),
            reads_log2: Default::default(),
            fixed_cycles: Default::default(),
            adaptive_start: Default::default(),
            dac_addr: Default::default(),
            dac: Default::default(),
            fine_dac_set: Default::default(),
            fine_dac_reset: Default::default(),
            fine_below: Default::default(),
            offset0: Default::default(),
            offset1: Default::default(),
            log2_base: Default::default(),
            table_base: Default::default(),
            neural_top: Default::default(),
            eff_min: Default::default(),
            eff_max: Default::default(),
            a_mode: a(id::MODE),
            a_max_attempts: a(id::MAX_ATTEMPTS),
            a_reads: a(id::READS_LOG2),
            a_fixed: a(id::FIXED_CYCLES),
            a_astart: a(id::ADAPTIVE_START_CYCLES),
            a_fns: a(id::FINE_DAC_SET),
            a_fnr: a(id::FINE_DAC_RESET),
            a_fbelow: a(id::FINE_BELOW_CYCLES),
            a_rtmin: a(id::RUNTIME_MIN_CYCLES),
            a_rtmax: a(id::RUNTIME_MAX_CYCLES),
            a_off0: a(id::INPUT_OFFSET_0),
            a_off1: a(id::INPUT_OFFSET_1),
            a_log2: a(id::LOG2_BASE),
            a_tbase: a(id::INPUT_TABLE_BASE),
            a_nlev: a(id::NEURAL_LEVELS),
            a_fixed_lo: c(u64::from(id::FIXED_DAC_SET >> 1)),
            k1_4: c(1),
            dac_ram: Ram::new(32, vec![]),
            dac_wa: Default::default(),
            dac_we: Default::default(),
            fixed_wa: c(16),
            fixed_wa_reset: c(17),
            addr_lo: Default::default(),
            one3: c(1),
            ntop_r: Default::default(),
            ntop_v: Default::default(),
            has_log2: Constant::new(b.probe.is_some()),
            has_tables: Constant::new(b.tables | b.history_tables),
            modes: c(u64::from(b.modes())),
            syn_min: c(u64::from(b.syn_min)),
            syn_max: c(u64::from(b.syn_max)),
            dur_mask: c((1u64 << dur_bits) - 1),
            mode_r: Default::default(),
            max_attempts_r: DFFWithInit::new(16.into()),
            mask_attempts: c(0xFF),
            reads_r: Default::default(),
            fixed_r: DFFWithInit::new(1.into()),
            astart_r: DFFWithInit::new(1.into()),
            fns_r: Default::default(),
            fnr_r: Default::default(),
            fbelow_r: Default::default(),
            rtmin_r: DFFWithInit::new(u64::from(b.syn_min).into()),
            rtmax_r: DFFWithInit::new(u64::from(b.syn_max).into()),
            off0_r: DFFWithInit::new(u64::from(b.offsets[0]).into()),
            off1_r: DFFWithInit::new(u64::from(b.offsets[1]).into()),
            log2_r: Default::default(),
            tbase_r: Default::default(),
            hi2: DFFWithInit::new(u64::from(b.syn_max).into()),
            bounded: Default::default(),
            mode_ok: Default::default(),
        }
    }
}

impl std::fmt::Debug for SeqRegs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SeqRegs")
    }
}

impl Logic for SeqRegs {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            mode_r,
            max_attempts_r,
            reads_r,
            fixed_r,
            astart_r,
            fns_r,
            fnr_r,
            fbelow_r,
            rtmin_r,
            rtmax_r,
            off0_r,
            off1_r,
            log2_r,
            tbase_r,
            ntop_r,
            hi2
        );
        self.dac_ram.clock.next = self.clock.val();
        // A run-time limit is stored bounded by the synthesized ones (so at most syn_max:
        // masked to its bits, so that synthesis drops the bits above).
        self.bounded.next = self.data.val() & self.dur_mask.val();
        if self.data.val() > self.syn_max.val() {
            self.bounded.next = self.syn_max.val();
        }
        if self.data.val() < self.syn_min.val() {
            self.bounded.next = self.syn_min.val();
        }
        // 1..=8 (checked): its low three bits less one, modulo 8 (8 gives 7).
        self.ntop_v.next = self.data.val().get_bits::<3>(0) - self.one3.val();
        // The mode's bit in the build's mask.
        self.mode_ok.next = self
            .modes
            .val()
            .get_bit(self.data.val().get_bits::<3>(0).index());
        if self.we.val() {
            if (self.addr.val() == self.a_mode.val()) & self.mode_ok.val() {
                self.mode_r.d.next = self.data.val().get_bits::<3>(0);
            }
            if self.addr.val() == self.a_max_attempts.val() {
                self.max_attempts_r.d.next =
                    self.data.val().get_bits::<16>(0) & self.mask_attempts.val();
            }
            if self.addr.val() == self.a_reads.val() {
                self.reads_r.d.next = self.data.val().get_bits::<3>(0);
            }
            if self.addr.val() == self.a_fixed.val() {
                self.fixed_r.d.next = self.data.val();
            }
            if self.addr.val() == self.a_astart.val() {
                self.astart_r.d.next = self.data.val();
            }
            if self.addr.val() == self.a_fns.val() {
                self.fns_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if self.addr.val() == self.a_fnr.val() {
                self.fnr_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if self.addr.val() == self.a_fbelow.val() {
                self.fbelow_r.d.next = self.data.val();
            }
            if self.addr.val() == self.a_rtmin.val() {
                self.rtmin_r.d.next = self.bounded.val();
            }
            if self.addr.val() == self.a_rtmax.val() {
                self.rtmax_r.d.next = self.bounded.val();
            }
            if self.addr.val() == self.a_off0.val() {
                self.off0_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if self.addr.val() == self.a_off1.val() {
                self.off1_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if (self.addr.val() == self.a_log2.val()) & self.has_log2.val() {
                self.log2_r.d.next = self.data.val().get_bits::<14>(0);
            }
            if (self.addr.val() == self.a_tbase.val()) & self.has_tables.val() {
                self.tbase_r.d.next = self.data.val().get_bits::<14>(0);
            }
            // 1..=8 (checked): the top level.
            if self.addr.val() == self.a_nlev.val() {
                self.ntop_r.d.next = self.ntop_v.val();
            }
        }
        // min = max(syn_min, min(rt_min, syn_max)) is the bounded minimum as stored;
        // max = max(min(syn_max, rt_max), min) is the bounded maximum, raised to the minimum
        // (a maximum below syn_min is bounded to syn_min <= min, so it gives min either way).
        self.hi2.d.next = self.rtmax_r.q.val();
        if self.rtmax_r.q.val() < self.rtmin_r.q.val() {
            self.hi2.d.next = self.rtmin_r.q.val();
        }
        // The DAC registers in a RAM (`dac_address`): LEVEL_DAC_SET/RESET[n] (0x10..=0x1F) at
        // their low four bits, FIXED_DAC_SET/RESET (0x06, 0x07) at 16 and 17.
        self.addr_lo.next = self.addr.val().get_bits::<4>(0);
        self.dac_wa.next = bit_cast::<5, 4>(self.addr_lo.val());
        self.dac_we.next = self.we.val() & (self.addr.val().get_bits::<4>(4) == self.k1_4.val());
        if self.addr.val().get_bits::<7>(1) == self.a_fixed_lo.val() {
            self.dac_wa.next = self.fixed_wa.val();
            if self.addr.val().get_bit(0) {
                self.dac_wa.next = self.fixed_wa_reset.val();
            }
            self.dac_we.next = self.we.val();
        }
        self.dac_ram.write_address.next = self.dac_wa.val();
        self.dac_ram.write_data.next = self.data.val().get_bits::<16>(0);
        self.dac_ram.write_enable.next = self.dac_we.val();
        self.dac_ram.read_address.next = self.dac_addr.val();
        self.dac.next = self.dac_ram.read_data.val();
        self.fine_dac_set.next = self.fns_r.q.val();
        self.fine_dac_reset.next = self.fnr_r.q.val();
        self.mode.next = self.mode_r.q.val();
        self.max_attempts.next = self.max_attempts_r.q.val();
        self.reads_log2.next = self.reads_r.q.val();
        self.fixed_cycles.next = self.fixed_r.q.val();
        self.adaptive_start.next = self.astart_r.q.val();
        self.fine_below.next = self.fbelow_r.q.val();
        self.offset0.next = self.off0_r.q.val();
        self.offset1.next = self.off1_r.q.val();
        self.log2_base.next = self.log2_r.q.val();
        self.table_base.next = self.tbase_r.q.val();
        self.neural_top.next = self.ntop_r.q.val();
        self.eff_min.next = self.rtmin_r.q.val();
        self.eff_max.next = self.hi2.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::id;
    use ouro_core::protocol::Register as R;

    #[test]
    fn register_ids_are_the_protocol_s() {
        for (mine, theirs) in [
            (id::MODE, R::Mode),
            (id::MAX_ATTEMPTS, R::MaxAttempts),
            (id::READS_LOG2, R::ReadsLog2),
            (id::FIXED_CYCLES, R::FixedCycles),
            (id::FIXED_DAC_SET, R::FixedDacSet),
            (id::FIXED_DAC_RESET, R::FixedDacReset),
            (id::ADAPTIVE_START_CYCLES, R::AdaptiveStartCycles),
            (id::FINE_DAC_SET, R::FineDacSet),
            (id::FINE_DAC_RESET, R::FineDacReset),
            (id::FINE_BELOW_CYCLES, R::FineBelowCycles),
            (id::LEVEL0_DAC_SET, R::LevelDacSet0),
            (id::LEVEL0_DAC_RESET, R::LevelDacReset0),
            (id::RUNTIME_MIN_CYCLES, R::RtMinCycles),
            (id::RUNTIME_MAX_CYCLES, R::RtMaxCycles),
            (id::INPUT_OFFSET_0, R::InputOffset0),
            (id::INPUT_OFFSET_1, R::InputOffset1),
            (id::LOG2_BASE, R::Log2Base),
            (id::INPUT_TABLE_BASE, R::InputTableBase),
            (id::NEURAL_LEVELS, R::NeuralLevels),
        ] {
            assert_eq!(mine, theirs.code(), "{theirs:?}");
        }
        for l in 0..8u8 {
            assert_eq!(
                Some(id::LEVEL0_DAC_SET + l),
                R::level_dac_set(usize::from(l)).map(R::code)
            );
            assert_eq!(
                Some(id::LEVEL0_DAC_RESET + l),
                R::level_dac_reset(usize::from(l)).map(R::code)
            );
        }
    }
}
