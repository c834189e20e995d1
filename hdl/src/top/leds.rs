//! The status LEDs.

use rust_hdl::prelude::*;

/// Two active-low LEDs: green lights once the host has connected (a successful HELLO) and
/// blinks (about 3 Hz) while cells are being programmed; red lights for about a third of a
/// second after every answer that is not OK.
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
    blink: DFF<Bits<24>>,
    hold: DFF<Bits<24>>,
    one: Constant<Bits<24>>,
    zero: Constant<Bits<24>>,
    stretch: Constant<Bits<24>>,
    half_period: Constant<Bits<24>>,
    phase: DFF<bool>,
}

impl Leds {
    /// The LEDs of a design clocked at `clock_hz`.
    pub fn new(clock_hz: u64) -> Self {
        Self {
            clock: Default::default(),
            connected: Default::default(),
            busy: Default::default(),
            error: Default::default(),
            red_n: Default::default(),
            green_n: Default::default(),
            blink: Default::default(),
            hold: Default::default(),
            one: Constant::new(1.into()),
            zero: Constant::new(0.into()),
            stretch: Constant::new((clock_hz / 3).into()),
            half_period: Constant::new((clock_hz / 6).into()),
            phase: Default::default(),
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
        dff_setup!(self, clock, blink, hold, phase);
        self.blink.d.next = self.blink.q.val() + self.one.val();
        if self.blink.q.val() == self.half_period.val() {
            self.blink.d.next = self.zero.val();
            self.phase.d.next = !self.phase.q.val();
        }
        if self.error.val() {
            self.hold.d.next = self.stretch.val();
        } else if self.hold.q.val() != self.zero.val() {
            self.hold.d.next = self.hold.q.val() - self.one.val();
        }
        self.red_n.next = self.hold.q.val() == self.zero.val();
        self.green_n.next = !self.connected.val() | (self.busy.val() & self.phase.q.val());
    }
}
