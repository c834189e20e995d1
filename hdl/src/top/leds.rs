//! The status LEDs.

use rust_hdl::prelude::*;

/// Two active-low LEDs: green lights once the host has connected (a successful HELLO) and
/// blinks (about 3 Hz) while cells are being programmed; red lights after every answer that is
/// not OK, for one to two blink periods (about a third to two thirds of a second).
///
/// One free-running counter of `n` bits (`2^n` cycles, about a third of a second) gives both:
/// its top bit is the blink phase, its wrap the red LED's time base (a 2-bit count of wraps).
/// The counter is 24 bits wide in the Verilog; a mask keeps its high bits at 0, so synthesis
/// keeps only the `n` it needs.
#[derive(LogicBlock)]
pub struct Leds {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The host has connected.
    pub connected: Signal<In, bool>,
    /// The sequencer is programming.
    pub busy: Signal<In, bool>,
    /// One cycle: an error answer.
    pub error: Signal<In, bool>,
    /// Red LED, active low.
    pub red_n: Signal<Out, bool>,
    /// Green LED, active low.
    pub green_n: Signal<Out, bool>,
    count: DFF<Bits<24>>,
    hold: DFF<Bits<2>>,
    one: Constant<Bits<24>>,
    zero: Constant<Bits<24>>,
    mask: Constant<Bits<24>>,
    top: Constant<Bits<24>>,
    hold_set: Constant<Bits<2>>,
    hold_one: Constant<Bits<2>>,
    hold_zero: Constant<Bits<2>>,
}

impl Leds {
    /// The LEDs of a design clocked at `clock_hz` (the counter's period is the power of two
    /// of cycles nearest a third of a second, at most `2^24` cycles).
    pub fn new(clock_hz: u64) -> Self {
        let third = (clock_hz / 3).max(2);
        let n = (64 - third.leading_zeros()).clamp(2, 24);
        // The nearer of 2^(n-1) and 2^n.
        let n = if third - (1u64 << (n - 1)) < (1u64 << n) - third {
            (n - 1).max(2)
        } else {
            n
        };
        Self {
            clock: Default::default(),
            connected: Default::default(),
            busy: Default::default(),
            error: Default::default(),
            red_n: Default::default(),
            green_n: Default::default(),
            count: Default::default(),
            hold: Default::default(),
            one: Constant::new(1.into()),
            zero: Constant::new(0.into()),
            mask: Constant::new(((1u64 << n) - 1).into()),
            top: Constant::new((1u64 << (n - 1)).into()),
            hold_set: Constant::new(2.into()),
            hold_one: Constant::new(1.into()),
            hold_zero: Constant::new(0.into()),
        }
    }
}

impl std::fmt::Debug for Leds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Leds")
    }
}

impl Logic for Leds {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, count, hold);
        self.count.d.next = (self.count.q.val() + self.one.val()) & self.mask.val();
        if self.error.val() {
            self.hold.d.next = self.hold_set.val();
        } else if (self.count.q.val() == self.mask.val())
            & (self.hold.q.val() != self.hold_zero.val())
        {
            self.hold.d.next = self.hold.q.val() - self.hold_one.val();
        }
        self.red_n.next = self.hold.q.val() == self.hold_zero.val();
        self.green_n.next = !self.connected.val()
            | (self.busy.val() & ((self.count.q.val() & self.top.val()) != self.zero.val()));
    }
}
