//! `CellSelect`: the row and column ADG731 multiplexers, written one after the other.

use super::timing::{select_wait, MUX_BITS};
use super::{c, Timing};
use rust_hdl::prelude::*;

/// Selects a cell: writes the row multiplexer, then the column multiplexer (two ADG731 sharing
/// SCLK and DIN, each with its own SYNC line), then waits their switching time. Each word is
/// 8 bits, MSB first: EN (0: enabled), CS (0: take the address), a don't-care bit (0), and the
/// 5 address bits. SCLK idles high and the part samples DIN on SCLK's falling edge; every SCLK
/// half period is `mux_div` cycles. In phases of one half period from the edge that samples
/// `start` (phase 0): SYNC_row falls and DIN shows the row word's bit 7; SCLK falls in the odd
/// phases 1..15 and rises in the even phases 2..16, DIN moving to the next bit as it rises;
/// SYNC_row rises in phase 17 (the row multiplexer switches); SYNC_col falls in phase 18; the
/// column word is clocked the same way in phases 19..34; SYNC_col rises in phase 35; `done`
/// follows by `timing::select_wait` cycles (t_ON). Latency: `timing::select_cycles`. `row` and
/// `col` are sampled with `start`. Idle pins: SCLK and both SYNC high, DIN low.
#[derive(LogicBlock)]
pub struct CellSelect {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Start (sampled while idle).
    pub start: Signal<In, bool>,
    /// Row (the row multiplexer's channel), sampled with `start`.
    pub row: Signal<In, Bits<5>>,
    /// Column (the column multiplexer's channel), sampled with `start`.
    pub col: Signal<In, Bits<5>>,
    /// High from the edge that samples `start` until the edge that raises `done`.
    pub busy: Signal<Out, bool>,
    /// One-cycle pulse: both multiplexers have switched.
    pub done: Signal<Out, bool>,
    /// Pin: serial clock (both multiplexers).
    pub sclk: Signal<Out, bool>,
    /// Pin: serial data (both multiplexers).
    pub din: Signal<Out, bool>,
    /// Pin: the row multiplexer's SYNC, active low.
    pub sync_row_n: Signal<Out, bool>,
    /// Pin: the column multiplexer's SYNC, active low.
    pub sync_col_n: Signal<Out, bool>,
    div_m1: Constant<Bits<8>>,
    wait_m1: Constant<Bits<24>>,
    row_last: Constant<Bits<6>>,
    row_end: Constant<Bits<6>>,
    col_begin: Constant<Bits<6>>,
    col_first: Constant<Bits<6>>,
    col_last: Constant<Bits<6>>,
    col_end: Constant<Bits<6>>,
    zero6: Constant<Bits<6>>,
    one6: Constant<Bits<6>>,
    zero8: Constant<Bits<8>>,
    one8: Constant<Bits<8>>,
    zero24: Constant<Bits<24>>,
    wmask: Constant<Bits<24>>,
    one24: Constant<Bits<24>>,
    act: DFF<bool>,
    wt: DFF<bool>,
    ph: DFF<Bits<6>>,
    hc: DFF<Bits<8>>,
    sr: DFF<Bits<16>>,
    sync_row: DFF<bool>,
    sync_col: DFF<bool>,
    sclk_lo: DFF<bool>,
    wc: DFF<Bits<24>>,
    done_r: DFF<bool>,
    np: Signal<Local, Bits<6>>,
    in_word: Signal<Local, bool>,
}

impl CellSelect {
    /// The cell select of a board with timing `t`.
    ///
    /// # Panics
    /// If a divider of `t` is outside 1..=255 or a wait is 2^24 cycles or more.
    pub fn new(t: &Timing) -> Self {
        super::check_timing(t);
        let b = u64::from(MUX_BITS);
        Self {
            clock: Default::default(),
            start: Default::default(),
            row: Default::default(),
            col: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            sclk: Default::default(),
            din: Default::default(),
            sync_row_n: Default::default(),
            sync_col_n: Default::default(),
            div_m1: c(u64::from(t.mux_div) - 1),
            wait_m1: c(u64::from(select_wait(t)) - 1),
            row_last: c(2 * b),
            row_end: c(2 * b + 1),
            col_begin: c(2 * b + 2),
            col_first: c(2 * b + 3),
            col_last: c(4 * b + 2),
            col_end: c(4 * b + 3),
            zero6: c(0),
            one6: c(1),
            zero8: c(0),
            one8: c(1),
            zero24: c(0),
            wmask: c(super::low_mask(u64::from(select_wait(t)) - 1)),
            one24: c(1),
            act: Default::default(),
            wt: Default::default(),
            ph: Default::default(),
            hc: Default::default(),
            sr: Default::default(),
            sync_row: Default::default(),
            sync_col: Default::default(),
            sclk_lo: Default::default(),
            wc: Default::default(),
            done_r: Default::default(),
            np: Default::default(),
            in_word: Default::default(),
        }
    }
}

impl std::fmt::Debug for CellSelect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CellSelect")
    }
}

impl Logic for CellSelect {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, act, wt, ph, hc, sr, sync_row, sync_col, sclk_lo, wc, done_r);
        self.np.next = self.ph.q.val() + self.one6.val();
        self.in_word.next = (self.np.val() <= self.row_last.val())
            | ((self.np.val() >= self.col_first.val()) & (self.np.val() <= self.col_last.val()));
        self.done_r.d.next = false;
        if !self.act.q.val() & !self.wt.q.val() & self.start.val() {
            self.act.d.next = true;
            self.ph.d.next = self.zero6.val();
            self.hc.d.next = self.div_m1.val();
            // The two words, row first: EN = 0, CS = 0, X = 0, then the address.
            self.sr.d.next =
                (bit_cast::<16, 5>(self.row.val()) << 8) | bit_cast::<16, 5>(self.col.val());
            self.sync_row.d.next = true;
        }
        if self.act.q.val() {
            if self.hc.q.val() == self.zero8.val() {
                self.hc.d.next = self.div_m1.val();
                self.ph.d.next = self.np.val();
                if self.in_word.val() {
                    if self.np.val().get_bit(0) {
                        self.sclk_lo.d.next = true;
                    } else {
                        self.sclk_lo.d.next = false;
                        self.sr.d.next = self.sr.q.val() << 1;
                    }
                }
                if self.np.val() == self.row_end.val() {
                    self.sync_row.d.next = false;
                }
                if self.np.val() == self.col_begin.val() {
                    self.sync_col.d.next = true;
                }
                if self.np.val() == self.col_end.val() {
                    self.sync_col.d.next = false;
                    self.act.d.next = false;
                    self.wt.d.next = true;
                    self.wc.d.next = self.wait_m1.val();
                }
            } else {
                self.hc.d.next = self.hc.q.val() - self.one8.val();
            }
        }
        if self.wt.q.val() {
            if self.wc.q.val() == self.zero24.val() {
                self.wt.d.next = false;
                self.done_r.d.next = true;
            } else {
                self.wc.d.next = (self.wc.q.val() - self.one24.val()) & self.wmask.val();
            }
        }
        self.busy.next = self.act.q.val() | self.wt.q.val();
        self.done.next = self.done_r.q.val();
        self.sclk.next = !self.sclk_lo.q.val();
        self.din.next = self.sr.q.val().get_bit(15);
        self.sync_row_n.next = !self.sync_row.q.val();
        self.sync_col_n.next = !self.sync_col.q.val();
    }
}
