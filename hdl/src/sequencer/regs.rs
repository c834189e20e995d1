//! The sequencer's settings registers, written by the command decoder (`CONFIGURE`), and the
//! effective duration limits they give.

use crate::engine::c;
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
    /// Amplitude level 0, SET.
    pub const LEVEL0_DAC_SET: u8 = 0x10;
    /// Amplitude level 0, RESET.
    pub const LEVEL0_DAC_RESET: u8 = 0x18;
    /// Run-time minimum duration.
    pub const RUNTIME_MIN_CYCLES: u8 = 0x20;
    /// Run-time maximum duration.
    pub const RUNTIME_MAX_CYCLES: u8 = 0x21;
    /// Offset of input word 0 (the reading).
    pub const INPUT_OFFSET_0: u8 = 0x22;
    /// Offset of input word 1 (the target).
    pub const INPUT_OFFSET_1: u8 = 0x23;
}

/// The settings registers. A write (`we`, `addr`, `data`) is performed on the next edge; the
/// command decoder has checked its range (no register is wider than the 24 bits of `data`). Power-up values: neural loop, 16 attempts, one
/// conversion per read, fixed and first adaptive durations of one cycle, DAC codes 0, no fine
/// corrections, no run-time tightening, the build's input offsets. The effective limits
/// (`eff_min`, `eff_max`: the synthesized ones tightened by the run-time registers, as
/// `Limits::tighten`) follow a write after two edges.
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
    /// Write-and-verify DAC codes.
    pub fixed_dac_set: Signal<Out, Bits<16>>,
    /// Write-and-verify DAC codes.
    pub fixed_dac_reset: Signal<Out, Bits<16>>,
    /// First adaptive duration.
    pub adaptive_start: Signal<Out, Bits<24>>,
    /// Fine DAC codes.
    pub fine_dac_set: Signal<Out, Bits<16>>,
    /// Fine DAC codes.
    pub fine_dac_reset: Signal<Out, Bits<16>>,
    /// Fine threshold, cycles.
    pub fine_below: Signal<Out, Bits<24>>,
    /// Level-0 DAC codes.
    pub level0_set: Signal<Out, Bits<16>>,
    /// Level-0 DAC codes.
    pub level0_reset: Signal<Out, Bits<16>>,
    /// Input offsets.
    pub offset0: Signal<Out, Bits<16>>,
    /// Input offsets.
    pub offset1: Signal<Out, Bits<16>>,
    /// Effective minimum duration.
    pub eff_min: Signal<Out, Bits<24>>,
    /// Effective maximum duration.
    pub eff_max: Signal<Out, Bits<24>>,
    a_mode: Constant<Bits<8>>,
    a_max_attempts: Constant<Bits<8>>,
    a_reads: Constant<Bits<8>>,
    a_fixed: Constant<Bits<8>>,
    a_fds: Constant<Bits<8>>,
    a_fdr: Constant<Bits<8>>,
    a_astart: Constant<Bits<8>>,
    a_fns: Constant<Bits<8>>,
    a_fnr: Constant<Bits<8>>,
    a_fbelow: Constant<Bits<8>>,
    a_l0s: Constant<Bits<8>>,
    a_l0r: Constant<Bits<8>>,
    a_rtmin: Constant<Bits<8>>,
    a_rtmax: Constant<Bits<8>>,
    a_off0: Constant<Bits<8>>,
    a_off1: Constant<Bits<8>>,
    syn_min: Constant<Bits<24>>,
    syn_max: Constant<Bits<24>>,
    mode_r: DFF<Bits<3>>,
    max_attempts_r: DFFWithInit<Bits<16>>,
    reads_r: DFF<Bits<3>>,
    fixed_r: DFFWithInit<Bits<24>>,
    fds_r: DFF<Bits<16>>,
    fdr_r: DFF<Bits<16>>,
    astart_r: DFFWithInit<Bits<24>>,
    fns_r: DFF<Bits<16>>,
    fnr_r: DFF<Bits<16>>,
    fbelow_r: DFF<Bits<24>>,
    l0s_r: DFF<Bits<16>>,
    l0r_r: DFF<Bits<16>>,
    rtmin_r: DFF<Bits<24>>,
    rtmax_r: DFFWithInit<Bits<24>>,
    off0_r: DFFWithInit<Bits<16>>,
    off1_r: DFFWithInit<Bits<16>>,
    // Effective limits: stage 1 bounds the run-time values by the synthesized ones, stage 2
    // orders them.
    lo1: DFF<Bits<24>>,
    hi1: DFF<Bits<24>>,
    lo2: DFF<Bits<24>>,
    hi2: DFF<Bits<24>>,
}

impl SeqRegs {
    /// The registers of a sequencer whose synthesized duration limits are `syn_min..=syn_max`
    /// cycles and whose engine's input offsets are `offsets` at power-up.
    pub fn new(syn_min: u32, syn_max: u32, offsets: [u16; 2]) -> Self {
        Self {
            clock: Default::default(),
            we: Default::default(),
            addr: Default::default(),
            data: Default::default(),
            mode: Default::default(),
            max_attempts: Default::default(),
            reads_log2: Default::default(),
            fixed_cycles: Default::default(),
            fixed_dac_set: Default::default(),
            fixed_dac_reset: Default::default(),
            adaptive_start: Default::default(),
            fine_dac_set: Default::default(),
            fine_dac_reset: Default::default(),
            fine_below: Default::default(),
            level0_set: Default::default(),
            level0_reset: Default::default(),
            offset0: Default::default(),
            offset1: Default::default(),
            eff_min: Default::default(),
            eff_max: Default::default(),
            a_mode: c(u64::from(id::MODE)),
            a_max_attempts: c(u64::from(id::MAX_ATTEMPTS)),
            a_reads: c(u64::from(id::READS_LOG2)),
            a_fixed: c(u64::from(id::FIXED_CYCLES)),
            a_fds: c(u64::from(id::FIXED_DAC_SET)),
            a_fdr: c(u64::from(id::FIXED_DAC_RESET)),
            a_astart: c(u64::from(id::ADAPTIVE_START_CYCLES)),
            a_fns: c(u64::from(id::FINE_DAC_SET)),
            a_fnr: c(u64::from(id::FINE_DAC_RESET)),
            a_fbelow: c(u64::from(id::FINE_BELOW_CYCLES)),
            a_l0s: c(u64::from(id::LEVEL0_DAC_SET)),
            a_l0r: c(u64::from(id::LEVEL0_DAC_RESET)),
            a_rtmin: c(u64::from(id::RUNTIME_MIN_CYCLES)),
            a_rtmax: c(u64::from(id::RUNTIME_MAX_CYCLES)),
            a_off0: c(u64::from(id::INPUT_OFFSET_0)),
            a_off1: c(u64::from(id::INPUT_OFFSET_1)),
            syn_min: c(u64::from(syn_min)),
            syn_max: c(u64::from(syn_max)),
            mode_r: Default::default(),
            max_attempts_r: DFFWithInit::new(16.into()),
            reads_r: Default::default(),
            fixed_r: DFFWithInit::new(1.into()),
            fds_r: Default::default(),
            fdr_r: Default::default(),
            astart_r: DFFWithInit::new(1.into()),
            fns_r: Default::default(),
            fnr_r: Default::default(),
            fbelow_r: Default::default(),
            l0s_r: Default::default(),
            l0r_r: Default::default(),
            rtmin_r: Default::default(),
            rtmax_r: DFFWithInit::new(0xFF_FFFF.into()),
            off0_r: DFFWithInit::new(u64::from(offsets[0]).into()),
            off1_r: DFFWithInit::new(u64::from(offsets[1]).into()),
            lo1: Default::default(),
            hi1: Default::default(),
            lo2: Default::default(),
            hi2: Default::default(),
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
            fds_r,
            fdr_r,
            astart_r,
            fns_r,
            fnr_r,
            fbelow_r,
            l0s_r,
            l0r_r,
            rtmin_r,
            rtmax_r,
            off0_r,
            off1_r,
            lo1,
            hi1,
            lo2,
            hi2
        );
        if self.we.val() {
            if self.addr.val() == self.a_mode.val() {
                self.mode_r.d.next = self.data.val().get_bits::<3>(0);
            }
            if self.addr.val() == self.a_max_attempts.val() {
                self.max_attempts_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if self.addr.val() == self.a_reads.val() {
                self.reads_r.d.next = self.data.val().get_bits::<3>(0);
            }
            if self.addr.val() == self.a_fixed.val() {
                self.fixed_r.d.next = self.data.val();
            }
            if self.addr.val() == self.a_fds.val() {
                self.fds_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if self.addr.val() == self.a_fdr.val() {
                self.fdr_r.d.next = self.data.val().get_bits::<16>(0);
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
            if self.addr.val() == self.a_l0s.val() {
                self.l0s_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if self.addr.val() == self.a_l0r.val() {
                self.l0r_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if self.addr.val() == self.a_rtmin.val() {
                self.rtmin_r.d.next = self.data.val();
            }
            if self.addr.val() == self.a_rtmax.val() {
                self.rtmax_r.d.next = self.data.val();
            }
            if self.addr.val() == self.a_off0.val() {
                self.off0_r.d.next = self.data.val().get_bits::<16>(0);
            }
            if self.addr.val() == self.a_off1.val() {
                self.off1_r.d.next = self.data.val().get_bits::<16>(0);
            }
        }
        // min = max(syn_min, min(rt_min, syn_max)); max = max(min(syn_max, rt_max), min).
        self.lo1.d.next = self.rtmin_r.q.val();
        if self.rtmin_r.q.val() > self.syn_max.val() {
            self.lo1.d.next = self.syn_max.val();
        }
        self.hi1.d.next = self.rtmax_r.q.val();
        if self.rtmax_r.q.val() > self.syn_max.val() {
            self.hi1.d.next = self.syn_max.val();
        }
        self.lo2.d.next = self.lo1.q.val();
        if self.lo1.q.val() < self.syn_min.val() {
            self.lo2.d.next = self.syn_min.val();
        }
        self.hi2.d.next = self.hi1.q.val();
        if self.hi1.q.val() < self.lo2.q.val() {
            self.hi2.d.next = self.lo2.q.val();
        }
        self.mode.next = self.mode_r.q.val();
        self.max_attempts.next = self.max_attempts_r.q.val();
        self.reads_log2.next = self.reads_r.q.val();
        self.fixed_cycles.next = self.fixed_r.q.val();
        self.fixed_dac_set.next = self.fds_r.q.val();
        self.fixed_dac_reset.next = self.fdr_r.q.val();
        self.adaptive_start.next = self.astart_r.q.val();
        self.fine_dac_set.next = self.fns_r.q.val();
        self.fine_dac_reset.next = self.fnr_r.q.val();
        self.fine_below.next = self.fbelow_r.q.val();
        self.level0_set.next = self.l0s_r.q.val();
        self.level0_reset.next = self.l0r_r.q.val();
        self.offset0.next = self.off0_r.q.val();
        self.offset1.next = self.off1_r.q.val();
        self.eff_min.next = self.lo2.q.val();
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
        ] {
            assert_eq!(mine, theirs.code(), "{theirs:?}");
        }
    }
}
