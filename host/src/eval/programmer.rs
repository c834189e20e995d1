//! The methods of the evaluation, each programming one cell once: the float and fixed-point
//! networks, model inversion, the oracles and probe-then-predict.

use super::*;

/// Everything the methods need, prepared once.
#[derive(Debug)]
pub struct Programmer<'a> {
    pub(super) device: &'a DeviceConfig,
    pub(super) board: &'a BoardConfig,
    pub(super) float: &'a Predictor,
    pub(super) golden: GoldenPredictor,
    pub(super) levels: Levels,
    pub(super) probe: Option<crate::probe::ProbeThenPredict<'a>>,
}

impl<'a> Programmer<'a> {
    /// Prepare the methods.
    pub fn new(
        device: &'a DeviceConfig,
        board: &'a BoardConfig,
        float: &'a Predictor,
        fixed: &QPredictor,
    ) -> Result<Self, HostError> {
        fixed.fits(board).map_err(HostError::Mismatch)?;
        if board.read_voltage_v != device.read_voltage_v {
            return Err(HostError::Mismatch(format!(
                "the board reads the cell at {} V but the device `{}` is read at {} V: set read_voltage_v to the same value in the board and the device file",
                board.read_voltage_v, device.name, device.read_voltage_v
            )));
        }
        let largest = device
            .set_amplitude_v
            .abs()
            .max(device.reset_amplitude_v.abs());
        if largest > board.dac.full_scale_v {
            return Err(HostError::Mismatch(format!(
                "dac.full_scale_v = {} V cannot reach the device `{}`'s {largest} V pulses: raise the board's dac.full_scale_v or lower the device's amplitudes",
                board.dac.full_scale_v, device.name
            )));
        }
        board
            .validate_for(device.window_us())
            .map_err(|e| HostError::Mismatch(e.to_string()))?;
        Ok(Self {
            device,
            board,
            float,
            golden: GoldenPredictor::new(fixed),
            levels: device.amplitude_levels(ouro_sim::device::DEFAULT_LEVELS),
            probe: None,
        })
    }

    /// Add the probe-then-predict method with a history-aware float predictor.
    pub fn with_probe(
        mut self,
        probe: crate::probe::ProbeThenPredict<'a>,
    ) -> Result<Self, HostError> {
        probe.check(self.device, self.board)?;
        self.probe = Some(probe);
        Ok(self)
    }

    /// The methods this programmer runs, in report order.
    pub fn methods(&self) -> Vec<Method> {
        let mut m = Method::ALL.to_vec();
        if let Some(p) = &self.probe {
            m.push(Method::ProbeNeuralFloat);
            if p.fixed.is_some() {
                m.push(Method::ProbeNeural);
            }
            m.push(Method::ProbeOracle);
        }
        m
    }

    /// The device.
    pub fn device(&self) -> &DeviceConfig {
        self.device
    }

    /// The board.
    pub fn board(&self) -> &BoardConfig {
        self.board
    }

    /// The blind quantized predictor's golden model.
    pub fn golden(&self) -> &GoldenPredictor {
        &self.golden
    }

    /// Seconds to whole cycles within the board's pulse limits.
    pub fn cycles_of(&self, seconds: f64) -> u32 {
        let c = (seconds * self.board.clock_hz as f64).round();
        let (lo, hi) = (
            f64::from(self.board.min_pulse_cycles),
            f64::from(self.board.max_pulse_cycles),
        );
        if c.is_nan() {
            self.board.max_pulse_cycles
        } else {
            c.clamp(lo, hi) as u32
        }
    }

    /// Pick the pulse of `method` for `cell`, given the reading (ADC code) and the target.
    /// Returns the polarity and the duration in cycles, or `None` for no pulse.
    pub fn choose(
        &self,
        method: Method,
        cell: &Cell,
        code_now: u16,
        g_target_us: f64,
    ) -> Option<(Polarity, u32)> {
        let g_read = self.board.us_of_code(code_now);
        let code_target = self.board.code_of_us(g_target_us);
        match method {
            Method::NeuralFloat => {
                let (p, log2_s) = self.float.predict_log2_seconds(g_read, g_target_us)?;
                Some((p, self.cycles_of(log2_s.exp2())))
            }
            Method::NeuralFixed => {
                let pr = self.golden.predict(code_now, code_target)?;
                Some((pr.polarity, pr.cycles))
            }
            Method::ModelInversion => {
                let p = Polarity::towards(g_read, g_target_us)?;
                let (lo, hi) = self.device.window_us();
                let n0 = self.n_of(g_read.clamp(lo, hi))?;
                let n1 = self.n_of(g_target_us)?;
                self.invert(&DeviceParams::nominal(), p, n0, n1)
            }
            Method::Oracle => {
                let p = Polarity::towards(cell.conductance_us(), g_target_us)?;
                let n1 = self.n_of(g_target_us)?;
                self.invert(cell.params(), p, cell.state(), n1)
            }
            // These apply their own pulses ([`Self::program`]).
            Method::OracleLevels
            | Method::ProbeNeuralFloat
            | Method::ProbeNeural
            | Method::ProbeOracle => None,
        }
    }

    /// Program a copy of `cell` with `method`: its pulse (or pulses) and the true conductance
    /// afterwards. `rng` is the method's own stream (the probe method's reads).
    pub fn program(
        &self,
        method: Method,
        cell: &Cell,
        code_now: u16,
        g_target_us: f64,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Shot {
        match method {
            Method::OracleLevels => self.oracle_levels(cell, g_target_us),
            // Both variants see the same reads: each runs on a copy of the stream.
            Method::ProbeNeuralFloat | Method::ProbeNeural | Method::ProbeOracle => {
                match &self.probe {
                    Some(p) => p.program(
                        self,
                        cell,
                        g_target_us,
                        match method {
                            Method::ProbeNeural => Variant::Fixed,
                            Method::ProbeOracle => Variant::Oracle,
                            _ => Variant::Float,
                        },
                        &mut rng.clone(),
                    ),
                    None => self.shoot(cell, None),
                }
            }
            m => self.shoot(cell, self.choose(m, cell, code_now, g_target_us)),
        }
    }

    /// The oracle over the ladder: the first level whose inverted duration is at most
    /// `1/ESCALATE` of the longest pulse (else the top level, clamped).
    fn oracle_levels(&self, cell: &Cell, g_target_us: f64) -> Shot {
        let (Some(p), Some(n1)) = (
            Polarity::towards(cell.conductance_us(), g_target_us),
            self.n_of(g_target_us),
        ) else {
            return self.shoot(cell, None);
        };
        let ladder = self.levels.get(p);
        let max = f64::from(self.board.max_pulse_cycles) * self.board.clock_period_s();
        for (k, &v) in ladder.iter().enumerate() {
            let t =
                device::time_to_reach(cell.params(), cell.state(), n1, v).unwrap_or(f64::INFINITY);
            if t <= max / f64::from(crate::probe::ESCALATE) || k + 1 == ladder.len() {
                return self.pulse(cell, v, self.cycles_of(t));
            }
        }
        unreachable!("the ladder has at least one level")
    }

    /// Apply one pulse of `cycles` at `amplitude_v` to a copy of `cell`.
    pub fn pulse(&self, cell: &Cell, amplitude_v: f64, cycles: u32) -> Shot {
        let mut c = cell.clone();
        let width = f64::from(cycles) * self.board.clock_period_s();
        let r = c.apply_pulse_with_amplitude(amplitude_v, width);
        Shot {
            cycles,
            g_after_us: r.g_after_us,
            g_start_us: None,
            reads: 1,
        }
    }

    /// The state that reads `g_us` at the device's read voltage.
    fn n_of(&self, g_us: f64) -> Option<f64> {
        device::n_from_conductance_at_us(g_us, self.device.read_voltage_v).ok()
    }

    fn invert(
        &self,
        params: &DeviceParams,
        p: Polarity,
        n0: f64,
        n1: f64,
    ) -> Option<(Polarity, u32)> {
        let t = device::time_to_reach(params, n0, n1, self.device.amplitude_v(p))
            .unwrap_or(f64::INFINITY);
        Some((p, self.cycles_of(t)))
    }

    /// Apply a chosen pulse to a copy of `cell`; the true conductance afterwards.
    pub fn shoot(&self, cell: &Cell, choice: Option<(Polarity, u32)>) -> Shot {
        match choice {
            None => Shot {
                cycles: 0,
                g_after_us: cell.conductance_us(),
                g_start_us: None,
                reads: 1,
            },
            Some((p, cycles)) => self.pulse(cell, self.device.amplitude_v(p), cycles),
        }
    }
}
