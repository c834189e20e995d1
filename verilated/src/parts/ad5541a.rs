//! The AD5541A 16-bit DAC (Pmod DA3): SPI write with CS, DIN sampled on SCLK's rising edge,
//! LDAC.

use super::{Pin, Violations};

/// The AD5541A's timing minimums, ns (datasheet names).
#[derive(Debug, Clone, Copy)]
pub struct Ad5541aTiming {
    /// t1: SCLK cycle time (50 MHz).
    pub t1: f64,
    /// t2: SCLK high time.
    pub t2: f64,
    /// t3: SCLK low time.
    pub t3: f64,
    /// t4: CS falling to SCLK rising setup.
    pub t4: f64,
    /// t5: SCLK rising (the 16th) to CS rising hold.
    pub t5: f64,
    /// t6: minimum CS high time.
    pub t6: f64,
    /// t7: data setup to SCLK rising.
    pub t7: f64,
    /// t8: data hold after SCLK rising.
    pub t8: f64,
    /// t9: LDAC low pulse width.
    pub t9: f64,
    /// t10: CS rising to LDAC falling.
    pub t10: f64,
    /// t_settle: output settling to 1/2 LSB after LDAC falling.
    pub t_settle: f64,
}

impl Default for Ad5541aTiming {
    fn default() -> Self {
        Self {
            t1: 20.0,
            t2: 10.0,
            t3: 10.0,
            t4: 10.0,
            t5: 10.0,
            t6: 10.0,
            t7: 5.0,
            t8: 5.0,
            t9: 20.0,
            t10: 15.0,
            t_settle: 1000.0,
        }
    }
}

/// The AD5541A, driven from its pins.
#[derive(Debug, Clone)]
pub struct Ad5541a {
    /// Its timing.
    pub timing: Ad5541aTiming,
    cs_n: Pin,
    sclk: Pin,
    din: Pin,
    ldac_n: Pin,
    last_rise: f64,
    last_fall: f64,
    cs_rise: f64,
    clocks: u32,
    shift: u16,
    input: u16,
    output: u16,
    updated: f64,
    words: Vec<u16>,
    v: Violations,
}

impl Ad5541a {
    /// A DAC at power-up (output code 0), its pins idle.
    pub fn new(timing: Ad5541aTiming) -> Self {
        Self {
            timing,
            cs_n: Pin::new(true),
            sclk: Pin::new(false),
            din: Pin::new(false),
            ldac_n: Pin::new(true),
            last_rise: f64::NEG_INFINITY,
            last_fall: f64::NEG_INFINITY,
            cs_rise: f64::NEG_INFINITY,
            clocks: 0,
            shift: 0,
            input: 0,
            output: 0,
            updated: f64::NEG_INFINITY,
            words: Vec::new(),
            v: Violations::default(),
        }
    }

    /// The pins after an edge at `now` ns.
    pub fn step(&mut self, now: f64, cs_n: bool, sclk: bool, din: bool, ldac_n: bool) {
        let t = self.timing;
        let selected = !self.cs_n.level;
        let (p, v) = ("AD5541A", &mut self.v);
        // DIN: hold after the last rising edge, while selected.
        if self.din.update(din, now).is_some() && selected && self.clocks > 0 {
            v.min(
                p,
                "t8",
                "data hold after SCLK rising",
                now - self.last_rise,
                t.t8,
                now,
            );
        }
        let cs_edge = self.cs_n.update(cs_n, now);
        if cs_edge == Some(false) {
            v.min(p, "t6", "CS high time", now - self.cs_rise, t.t6, now);
            if !self.ldac_n.level {
                v.push(p, now, "CS fell while LDAC was low".into());
            }
            self.clocks = 0;
        }
        match self.sclk.update(sclk, now) {
            Some(true) => {
                if !self.cs_n.level {
                    v.min(p, "t1", "SCLK cycle time", now - self.last_rise, t.t1, now);
                    v.min(p, "t3", "SCLK low time", now - self.last_fall, t.t3, now);
                    v.min(
                        p,
                        "t7",
                        "data setup before SCLK rising",
                        now - self.din.changed,
                        t.t7,
                        now,
                    );
                    if self.clocks == 0 {
                        v.min(
                            p,
                            "t4",
                            "CS falling to SCLK rising",
                            now - self.cs_n.changed,
                            t.t4,
                            now,
                        );
                    }
                    self.clocks += 1;
                    if self.clocks > 16 {
                        v.push(
                            p,
                            now,
                            format!("{} SCLK rising edges in one frame", self.clocks),
                        );
                    }
                    self.shift = (self.shift << 1) | u16::from(self.din.level);
                }
                self.last_rise = now;
            }
            Some(false) => {
                if !self.cs_n.level {
                    v.min(p, "t2", "SCLK high time", now - self.last_rise, t.t2, now);
                }
                self.last_fall = now;
            }
            None => {}
        }
        if cs_edge == Some(true) {
            self.cs_rise = now;
            v.min(
                p,
                "t5",
                "SCLK rising to CS rising",
                now - self.last_rise,
                t.t5,
                now,
            );
            if self.clocks == 16 {
                self.input = self.shift;
                self.words.push(self.shift);
            } else {
                v.push(
                    p,
                    now,
                    format!("CS rose after {} SCLK rising edges, not 16", self.clocks),
                );
            }
        }
        let ldac_fell = self.ldac_n.changed;
        match self.ldac_n.update(ldac_n, now) {
            Some(false) => {
                if !self.cs_n.level {
                    v.push(p, now, "LDAC fell while CS was low".into());
                }
                v.min(
                    p,
                    "t10",
                    "CS rising to LDAC falling",
                    now - self.cs_rise,
                    t.t10,
                    now,
                );
                self.output = self.input;
                self.updated = now;
            }
            Some(true) => {
                v.min(p, "t9", "LDAC low pulse width", now - ldac_fell, t.t9, now);
            }
            None => {}
        }
    }

    /// The words received (one per complete frame).
    pub fn words(&self) -> &[u16] {
        &self.words
    }

    /// The DAC register (the output's code) and when it was last loaded (ns).
    pub fn output(&self) -> (u16, f64) {
        (self.output, self.updated)
    }

    /// The output has settled to its code at `now` (t_settle after the last load).
    pub fn settled(&self, now: f64) -> bool {
        now - self.updated + 1e-6 >= self.timing.t_settle
    }

    /// The violations seen.
    pub fn violations(&self) -> &[String] {
        &self.v.0
    }
}
