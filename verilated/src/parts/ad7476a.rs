//! The AD7476A 12-bit SAR ADC (one of the Pmod AD1's two): CS falling starts a conversion,
//! 16 SCLK cycles shift out 4 leading zeros and 12 data bits, each after an SCLK falling edge.

use super::{Pin, Violations};

/// The AD7476A's timing, ns (datasheet names).
#[derive(Debug, Clone, Copy)]
pub struct Ad7476aTiming {
    /// t_SCLK minimum: the SCLK period at 20 MHz.
    pub t_sclk: f64,
    /// t2: CS falling to the first SCLK falling edge, minimum.
    pub t2: f64,
    /// t3: CS falling to SDATA out of three-state (the first leading zero valid), maximum.
    pub t3: f64,
    /// t4: data access time after SCLK falling, maximum.
    pub t4: f64,
    /// t5, t6: SCLK low and high times, minimum, as a fraction of the SCLK period.
    pub t5_t6_fraction: f64,
    /// t_quiet: CS high between the end of one conversion and the next CS falling, minimum.
    pub t_quiet: f64,
}

impl Default for Ad7476aTiming {
    fn default() -> Self {
        Self {
            t_sclk: 50.0,
            t2: 10.0,
            t3: 22.0,
            t4: 40.0,
            t5_t6_fraction: 0.4,
            t_quiet: 50.0,
        }
    }
}

/// The AD7476A, driven from its pins; its analog input is a queue of codes, one taken at each
/// CS falling edge.
#[derive(Debug, Clone)]
pub struct Ad7476a {
    /// Its timing.
    pub timing: Ad7476aTiming,
    period: f64,
    cs_n: Pin,
    sclk: Pin,
    falls: u32,
    last_fall: f64,
    last_rise: f64,
    rose: f64,
    frame: u16,
    inputs: std::collections::VecDeque<u16>,
    converted: Vec<u16>,
    noise: u64,
    sdata: bool,
    v: Violations,
}

impl Ad7476a {
    /// An ADC on a clock of `period` ns (SDATA is valid at the next edge only if the access
    /// time fits in one period), its pins idle.
    pub fn new(timing: Ad7476aTiming, period: f64) -> Self {
        Self {
            timing,
            period,
            cs_n: Pin::new(true),
            sclk: Pin::new(true),
            falls: 0,
            last_fall: f64::NEG_INFINITY,
            last_rise: f64::NEG_INFINITY,
            rose: f64::NEG_INFINITY,
            frame: 0,
            inputs: Default::default(),
            converted: Vec::new(),
            noise: 0x9E37_79B9_7F4A_7C15,
            sdata: false,
            v: Violations::default(),
        }
    }

    /// Queue the code of a future conversion.
    pub fn push_input(&mut self, code: u16) {
        assert!(code < 4096, "a 12-bit code");
        self.inputs.push_back(code);
    }

    /// The codes converted so far (taken from the queue; 0 when it was empty).
    pub fn converted(&self) -> &[u16] {
        &self.converted
    }

    /// A three-state or changing SDATA: a pseudo-random level, so that sampling it shows.
    fn garbage(&mut self) -> bool {
        self.noise ^= self.noise << 13;
        self.noise ^= self.noise >> 7;
        self.noise ^= self.noise << 17;
        self.noise & 1 == 1
    }

    /// Bit `k` (1..=16) of the frame: 4 zeros, then the code MSB first.
    fn bit(&self, k: u32) -> bool {
        (self.frame >> (16 - k)) & 1 == 1
    }

    /// The pins after an edge at `now` ns; returns SDATA as the gateware samples it on the next
    /// edge.
    pub fn step(&mut self, now: f64, cs_n: bool, sclk: bool) -> bool {
        let t = self.timing;
        let (p, v) = ("AD7476A", &mut self.v);
        let cs_edge = self.cs_n.update(cs_n, now);
        if cs_edge == Some(false) {
            // The quiet time since the last CS rising edge (the end of the serial read).
            v.min(
                p,
                "t_quiet",
                "CS high before a conversion",
                now - self.rose,
                t.t_quiet,
                now,
            );
            self.falls = 0;
            let code = self.inputs.pop_front().unwrap_or(0);
            self.converted.push(code);
            self.frame = code;
        }
        let mut fell = false;
        match self.sclk.update(sclk, now) {
            Some(false) if !self.cs_n.level => {
                let v = &mut self.v;
                v.min(
                    p,
                    "t_SCLK",
                    "SCLK period",
                    now - self.last_fall,
                    t.t_sclk,
                    now,
                );
                let min_high = t.t5_t6_fraction * t.t_sclk;
                v.min(
                    p,
                    "t6",
                    "SCLK high time",
                    now - self.last_rise,
                    min_high,
                    now,
                );
                if self.falls == 0 {
                    v.min(
                        p,
                        "t2",
                        "CS falling to SCLK falling",
                        now - self.cs_n.changed,
                        t.t2,
                        now,
                    );
                }
                self.falls += 1;
                if self.falls > 16 {
                    v.push(
                        p,
                        now,
                        format!("{} SCLK falling edges in one conversion", self.falls),
                    );
                }
                self.last_fall = now;
                fell = true;
            }
            Some(false) => self.last_fall = now,
            Some(true) => {
                if !self.cs_n.level {
                    let min_low = t.t5_t6_fraction * t.t_sclk;
                    self.v
                        .min(p, "t5", "SCLK low time", now - self.last_fall, min_low, now);
                }
                self.last_rise = now;
            }
            None => {}
        }
        if cs_edge == Some(true) {
            self.rose = now;
            if self.falls != 16 {
                self.v.push(
                    p,
                    now,
                    format!("CS rose after {} SCLK falling edges, not 16", self.falls),
                );
            }
        }
        // SDATA before the next edge.
        self.sdata = if self.cs_n.level || self.falls >= 16 {
            self.garbage()
        } else if cs_edge == Some(false) {
            if self.period >= t.t3 {
                false
            } else {
                self.garbage()
            }
        } else if fell {
            if self.period >= t.t4 {
                self.bit(self.falls + 1)
            } else {
                self.garbage()
            }
        } else {
            self.bit(self.falls + 1)
        };
        self.sdata
    }

    /// The violations seen.
    pub fn violations(&self) -> &[String] {
        &self.v.0
    }
}
