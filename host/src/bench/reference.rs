//! The reference methods inside the sequencer's closed loop ([`ouro_board::sequencer::Chooser`]):
//! model inversion (the nominal device's equations, from the reading) and the oracle (each
//! cell's own parameters and true state). No gateware runs them; the sequencer model runs them
//! with the neural loop's reads, decisions and step costs, so that they show what a better
//! predictor would buy in the same loop.

use ouro_board::sequencer::Chooser;
use ouro_core::board::BoardConfig;
use ouro_core::Polarity;
use ouro_sim::device::{n_from_conductance_at_us, time_to_reach, Cell, DeviceConfig, DeviceParams};

/// The amplitudes a reference method may use, as DAC codes by polarity (SET, RESET): the
/// ladder's levels (level 0 the device's operating point) and the fine step.
#[derive(Debug, Clone, PartialEq)]
pub struct Amplitudes {
    /// Ladder levels, lowest first, by polarity.
    pub levels: [Vec<u16>; 2],
    /// The fine-step amplitude, by polarity.
    pub fine: [u16; 2],
    /// Durations of at most this many cycles at level 0 go at the fine amplitude instead.
    pub fine_below_cycles: u32,
}

fn pi(p: Polarity) -> usize {
    match p {
        Polarity::Set => 0,
        Polarity::Reset => 1,
    }
}

/// What inverting the device equations needs.
#[derive(Debug, Clone)]
struct Inverter {
    board: BoardConfig,
    read_v: f64,
    window: (f64, f64),
    amps: Amplitudes,
}

impl Inverter {
    fn new(device: &DeviceConfig, board: &BoardConfig, amps: Amplitudes) -> Self {
        Self {
            board: board.clone(),
            read_v: device.read_voltage_v,
            window: device.window_us(),
            amps,
        }
    }

    /// Cycles for `params` to go from state `n0` to `n1` at DAC code `dac` of polarity `p`,
    /// rounded, at least 1 (unbounded above: the loop clamps).
    fn cycles(&self, params: &DeviceParams, p: Polarity, n0: f64, n1: f64, dac: u16) -> u32 {
        let v = self.board.v_of_dac_code(dac);
        let volts = match p {
            Polarity::Set => -v,
            Polarity::Reset => v,
        };
        let t = time_to_reach(params, n0, n1, volts).unwrap_or(f64::INFINITY);
        let c = (t * self.board.clock_hz as f64).round();
        if c.is_finite() {
            c.clamp(1.0, f64::from(u32::MAX)) as u32
        } else {
            u32::MAX
        }
    }

    fn n_of(&self, g_us: f64) -> f64 {
        let (lo, hi) = self.window;
        n_from_conductance_at_us(g_us.clamp(lo, hi), self.read_v).unwrap_or(f64::NAN)
    }

    /// The pulse by the ladder: level 0, else the first level whose duration is at most
    /// `max / ESCALATE` (the top level when none is), and the fine amplitude for a short move.
    fn choose(
        &self,
        params: &DeviceParams,
        p: Polarity,
        n0: f64,
        n1: f64,
        escalate: bool,
    ) -> (u32, u16) {
        let ladder = &self.amps.levels[pi(p)];
        let above = ouro_core::probe::escalate_above(self.board.max_pulse_cycles);
        let mut pick = (self.cycles(params, p, n0, n1, ladder[0]), ladder[0]);
        if pick.0 <= self.amps.fine_below_cycles {
            let fine = self.amps.fine[pi(p)];
            return (self.cycles(params, p, n0, n1, fine), fine);
        }
        if escalate {
            for &dac in &ladder[1..] {
                if pick.0 <= above {
                    break;
                }
                pick = (self.cycles(params, p, n0, n1, dac), dac);
            }
        }
        pick
    }
}

/// Model inversion: the nominal device's time from the reading's state to the target's, at
/// level 0 (the fine amplitude for short moves); corrected per cell by the loop's gain, as the
/// network is.
#[derive(Debug, Clone)]
pub struct Inversion {
    inv: Inverter,
    nominal: DeviceParams,
}

impl Inversion {
    /// Inversion for cells of `device` read through `board`.
    pub fn new(device: &DeviceConfig, board: &BoardConfig, amps: Amplitudes) -> Self {
        Self {
            inv: Inverter::new(device, board, amps),
            nominal: DeviceParams::nominal(),
        }
    }
}

impl Chooser for Inversion {
    fn choose(&mut self, _cell: Option<&Cell>, p: Polarity, code: u16, target: u16) -> (u32, u16) {
        let n0 = self.inv.n_of(self.inv.board.us_of_code(code));
        let n1 = self.inv.n_of(self.inv.board.us_of_code(target));
        self.inv.choose(&self.nominal, p, n0, n1, false)
    }

    fn gain(&self) -> bool {
        true
    }
}

/// The oracle: the cell's own parameters and its true state (not the reading), the ladder's
/// level as probe-then-predict chooses it, the fine amplitude for short moves. What is left
/// is the cycle-to-cycle walk, the reads' noise and the clock's granularity.
#[derive(Debug, Clone)]
pub struct Oracle {
    inv: Inverter,
}

impl Oracle {
    /// The oracle for cells of `device` read through `board`.
    pub fn new(device: &DeviceConfig, board: &BoardConfig, amps: Amplitudes) -> Self {
        Self {
            inv: Inverter::new(device, board, amps),
        }
    }
}

impl Chooser for Oracle {
    fn choose(&mut self, cell: Option<&Cell>, p: Polarity, _code: u16, target: u16) -> (u32, u16) {
        let n1 = self.inv.n_of(self.inv.board.us_of_code(target));
        match cell {
            Some(c) => self.inv.choose(c.params(), p, c.state(), n1, true),
            // Without the cell the oracle knows nothing: the shortest pulse.
            None => (1, self.inv.amps.levels[pi(p)][0]),
        }
    }

    fn gain(&self) -> bool {
        false
    }
}
