//! The ADG731 32:1 multiplexer: an 8-bit word (EN, CS, a don't-care bit, A4..A0), MSB first,
//! DIN sampled on SCLK's falling edge, framed by SYNC; the word is taken when SYNC rises.

use super::{Pin, Violations};

/// The ADG731's timing minimums, ns (datasheet names).
#[derive(Debug, Clone, Copy)]
pub struct Adg731Timing {
    /// t1: SCLK cycle time (30 MHz).
    pub t1: f64,
    /// t2: SCLK high time.
    pub t2: f64,
    /// t3: SCLK low time.
    pub t3: f64,
    /// t4: SYNC falling to SCLK falling setup.
    pub t4: f64,
    /// t5: data setup before SCLK falling.
    pub t5: f64,
    /// t6: data hold after SCLK falling.
    pub t6: f64,
    /// t7: SCLK falling (the 8th) to SYNC rising.
    pub t7: f64,
    /// t8: minimum SYNC high time.
    pub t8: f64,
    /// t_ON: the new channel is on this long after SYNC rises (the board's `mux.switch_ns`).
    pub t_on: f64,
}

impl Default for Adg731Timing {
    fn default() -> Self {
        Self {
            t1: 33.0,
            t2: 13.0,
            t3: 13.0,
            t4: 13.0,
            t5: 5.0,
            t6: 4.5,
            t7: 0.0,
            t8: 33.0,
            t_on: 250.0,
        }
    }
}

/// One ADG731, driven from its pins (SCLK and DIN may be shared with other parts: they are
/// ignored while this part's SYNC is high).
#[derive(Debug, Clone)]
pub struct Adg731 {
    /// Its timing.
    pub timing: Adg731Timing,
    name: &'static str,
    sync_n: Pin,
    sclk: Pin,
    din: Pin,
    last_fall: f64,
    last_rise: f64,
    clocks: u32,
    shift: u8,
    channel: Option<u8>,
    switched: f64,
    words: Vec<u8>,
    v: Violations,
}

impl Adg731 {
    /// A multiplexer called `name` in its messages, all switches off at power-up.
    pub fn new(name: &'static str, timing: Adg731Timing) -> Self {
        Self {
            timing,
            name,
            sync_n: Pin::new(true),
            sclk: Pin::new(true),
            din: Pin::new(false),
            last_fall: f64::NEG_INFINITY,
            last_rise: f64::NEG_INFINITY,
            clocks: 0,
            shift: 0,
            channel: None,
            switched: f64::NEG_INFINITY,
            words: Vec::new(),
            v: Violations::default(),
        }
    }

    /// The pins after an edge at `now` ns.
    pub fn step(&mut self, now: f64, sync_n: bool, sclk: bool, din: bool) {
        let t = self.timing;
        let p = self.name;
        let selected = !self.sync_n.level;
        if self.din.update(din, now).is_some() && selected && self.clocks > 0 {
            self.v.min(
                p,
                "t6",
                "data hold after SCLK falling",
                now - self.last_fall,
                t.t6,
                now,
            );
        }
        let sync_rose = self.sync_n.changed;
        let sync_edge = self.sync_n.update(sync_n, now);
        if sync_edge == Some(false) {
            self.v
                .min(p, "t8", "SYNC high time", now - sync_rose, t.t8, now);
            self.clocks = 0;
        }
        match self.sclk.update(sclk, now) {
            Some(false) => {
                if !self.sync_n.level {
                    let v = &mut self.v;
                    v.min(p, "t1", "SCLK cycle time", now - self.last_fall, t.t1, now);
                    v.min(p, "t2", "SCLK high time", now - self.last_rise, t.t2, now);
                    v.min(
                        p,
                        "t5",
                        "data setup before SCLK falling",
                        now - self.din.changed,
                        t.t5,
                        now,
                    );
                    if self.clocks == 0 {
                        v.min(
                            p,
                            "t4",
                            "SYNC falling to SCLK falling",
                            now - self.sync_n.changed,
                            t.t4,
                            now,
                        );
                    }
                    self.clocks += 1;
                    if self.clocks > 8 {
                        v.push(
                            p,
                            now,
                            format!("{} SCLK falling edges in one word", self.clocks),
                        );
                    }
                    self.shift = (self.shift << 1) | u8::from(self.din.level);
                }
                self.last_fall = now;
            }
            Some(true) => {
                if !self.sync_n.level {
                    self.v
                        .min(p, "t3", "SCLK low time", now - self.last_fall, t.t3, now);
                }
                self.last_rise = now;
            }
            None => {}
        }
        if sync_edge == Some(true) {
            self.v.min(
                p,
                "t7",
                "SCLK falling to SYNC rising",
                now - self.last_fall,
                t.t7,
                now,
            );
            if self.clocks == 8 {
                let w = self.shift;
                self.words.push(w);
                // CS (bit 6) low: take the word; EN (bit 7) high switches everything off.
                if w & 0x40 == 0 {
                    self.channel = if w & 0x80 == 0 { Some(w & 0x1F) } else { None };
                    self.switched = now;
                }
            } else {
                self.v.push(
                    p,
                    now,
                    format!("SYNC rose after {} SCLK falling edges, not 8", self.clocks),
                );
            }
        }
    }

    /// The words received.
    pub fn words(&self) -> &[u8] {
        &self.words
    }

    /// The channel that is on at `now` (`None`: all off, or still switching: t_ON not over).
    pub fn channel_at(&self, now: f64) -> Option<u8> {
        if now - self.switched + 1e-6 >= self.timing.t_on {
            self.channel
        } else {
            None
        }
    }

    /// The violations seen.
    pub fn violations(&self) -> &[String] {
        &self.v.0
    }
}
