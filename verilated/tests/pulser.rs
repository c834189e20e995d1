//! The front end's `Pulser` (`ouro_hdl::frontend::Pulser`) verilated alone, against the
//! AD5541A model on its DAC pins: the gate's width exact for random durations, the DAC at the
//! pulse's code and settled while the gate is high and back at 0 V at `done`, every latency
//! equal to `frontend::timing`, every refusal reason and their priority with every pin idle,
//! and random run-time limit writes (many trying to widen) against a reference interlock: no
//! applied pulse ever breaks a synthesized limit.

mod fe_common;

use fe_common::{dac_model, idle_cycles, no_violations, Dut};
use ouro_hdl::frontend::timing::{pulse_cycles, pulse_gate_edge, REFUSE_CYCLES};
use ouro_hdl::frontend::PulseLimits;
use ouro_testkit::rng::seeded;
use ouro_verilated::parts::Ad5541a;
use rand::Rng;

/// The interlock's reference: the synthesized limits and the run-time registers, each compare
/// separate; the refusal code (0: applied).
#[derive(Debug, Clone, Copy)]
struct Interlock {
    syn: PulseLimits,
    rt_min: u32,
    rt_max: u32,
    rt_code: [u16; 2],
}

impl Interlock {
    fn new(syn: PulseLimits) -> Self {
        Self {
            syn,
            rt_min: 0,
            rt_max: (1 << 24) - 1,
            rt_code: [0xFFFF; 2],
        }
    }

    fn write(&mut self, sel: u8, data: u32) {
        match sel {
            0 => self.rt_min = data,
            1 => self.rt_max = data,
            2 => self.rt_code[0] = data as u16,
            _ => self.rt_code[1] = data as u16,
        }
    }

    fn decide(&self, reset: bool, code: u16, cycles: u32) -> u8 {
        let syn_code = if reset {
            self.syn.max_code_reset
        } else {
            self.syn.max_code_set
        };
        if cycles > self.syn.max_cycles || cycles > self.rt_max {
            1
        } else if cycles < self.syn.min_cycles || cycles < self.rt_min {
            2
        } else if code > syn_code || code > self.rt_code[usize::from(reset)] {
            3
        } else {
            0
        }
    }
}

/// Every pulser pin at its idle level.
fn pulser_idle(d: &Dut) -> bool {
    !d.b("gate")
        && !d.b("pol")
        && d.b("dac_cs_n")
        && !d.b("dac_sclk")
        && !d.b("dac_din")
        && d.b("dac_ldac_n")
}

/// One request; returns the refusal code, after checking its latency, the pins (idle
/// throughout a refusal) and, for an applied pulse, the gate's width, the DAC's output and
/// polarity while the gate is high, and the DAC back at 0 V at `done`.
fn pulse(d: &mut Dut, dac: &mut Ad5541a, reset: bool, code: u16, cycles: u32) -> u8 {
    let words_before = dac.words().len();
    d.m.set_bool("polarity", reset);
    d.m.set("dac_code", u64::from(code));
    d.m.set("cycles", u64::from(cycles));
    d.m.set_bool("start", true);
    let (mut n, mut gate_first, mut gate_len) = (0u32, None, 0u32);
    let mut pins_idle = true;
    loop {
        let now = d.tick();
        n += 1;
        d.m.set_bool("start", false);
        d.m.set_bool("polarity", !reset);
        d.m.set("dac_code", 0xFFFF);
        d.m.set("cycles", 0);
        dac.step(
            now,
            d.b("dac_cs_n"),
            d.b("dac_sclk"),
            d.b("dac_din"),
            d.b("dac_ldac_n"),
        );
        pins_idle &= pulser_idle(d);
        if d.b("gate") {
            gate_first.get_or_insert(n);
            gate_len += 1;
            assert_eq!(d.b("pol"), reset, "polarity while the gate is high");
            assert_eq!(
                dac.output().0,
                code,
                "the DAC's code while the gate is high"
            );
            assert!(dac.settled(now), "the gate opened before the DAC settled");
        }
        if d.b("done") {
            assert!(!d.b("busy"));
            break;
        }
        assert!(d.b("busy") && n < 20_000_000);
    }
    let err = d.m.get("error") as u8;
    if err != 0 {
        assert_eq!(n, REFUSE_CYCLES, "refusal latency");
        assert!(pins_idle, "a refused request moved a pin");
        assert_eq!(
            dac.words().len(),
            words_before,
            "a refused request wrote the DAC"
        );
    } else {
        assert_eq!(
            n,
            pulse_cycles(&d.t, cycles),
            "pulse latency ({cycles} cycles)"
        );
        assert_eq!(gate_first, Some(pulse_gate_edge(&d.t)), "gate rising edge");
        assert_eq!(gate_len, cycles, "gate width");
        assert_eq!(&dac.words()[words_before..], &[code, 0], "DAC words");
        assert_eq!(dac.output().0, 0, "the DAC back at 0 V");
        assert!(dac.settled(d.now()), "done before 0 V settled");
        assert!(pulser_idle(d), "pins idle at done");
    }
    err
}

fn write_limit(d: &mut Dut, dac: &mut Ad5541a, sel: u8, data: u32) {
    d.m.set_bool("lim_we", true);
    d.m.set("lim_sel", u64::from(sel));
    d.m.set("lim_data", u64::from(data));
    let now = d.tick();
    d.m.set_bool("lim_we", false);
    d.m.set("lim_data", 0xFFFFFF);
    dac.step(
        now,
        d.b("dac_cs_n"),
        d.b("dac_sclk"),
        d.b("dac_din"),
        d.b("dac_ldac_n"),
    );
    assert!(pulser_idle(d));
}

/// A random request near the limits of `r`: durations and codes around every bound.
fn request<R: Rng>(rng: &mut R, r: &Interlock) -> (bool, u16, u32) {
    let reset = rng.random_bool(0.5);
    let lim_code = if reset {
        r.syn.max_code_reset
    } else {
        r.syn.max_code_set
    };
    let near = |rng: &mut R, v: u32| v.saturating_add(rng.random_range(0..3)).saturating_sub(1);
    let cycles = match rng.random_range(0..6) {
        0 => near(rng, r.syn.min_cycles),
        1 => near(rng, r.syn.max_cycles),
        2 => near(rng, r.rt_min.min(1 << 23)),
        3 => near(rng, r.rt_max.min(1 << 23)),
        4 => rng.random_range(0..=r.syn.max_cycles.min(20_000) + 10),
        _ => rng.random_range(r.syn.min_cycles..=r.syn.max_cycles.min(3000)),
    };
    let code = match rng.random_range(0..4) {
        0 => near(rng, u32::from(lim_code)).min(0xFFFF) as u16,
        1 => near(rng, u32::from(r.rt_code[usize::from(reset)])).min(0xFFFF) as u16,
        2 => rng.random(),
        _ => rng.random_range(0..=lim_code),
    };
    (reset, code, cycles)
}

#[test]
fn pulser_applies_exact_pulses_and_refuses_by_reason() {
    for name in ["fe_pulser", "fe_pulser_slow", "fe_pulser_board"] {
        let Some(mut d) = Dut::new(name) else { return };
        let mut rng = seeded(0x9015E);
        let mut dac = dac_model(name);
        let r = Interlock::new(d.lim);
        let l = d.lim;
        // Every bound, every refusal reason and the priority between them.
        let mut cases = vec![
            (false, 0, l.min_cycles, 0),
            (true, l.max_code_reset, l.max_cycles, 0),
            (false, l.max_code_set, l.min_cycles, 0),
            (false, 100, l.max_cycles + 1, 1),
            (true, 100, (1 << 24) - 1, 1),
            (false, 100, l.min_cycles - 1, 2),
            (false, 100, 0, 2),
            (false, l.max_code_set + 1, l.min_cycles, 3),
            (true, l.max_code_reset.saturating_add(1), l.min_cycles, 3),
            (false, 0xFFFF, l.max_cycles + 1, 1),
            (true, 0xFFFF, 0, 2),
        ];
        if l.max_code_reset == 0xFFFF {
            cases.retain(|c| !(c.0 && c.3 == 3 && c.1 == 0xFFFF));
        }
        for (reset, code, cycles, want) in cases {
            assert_eq!(r.decide(reset, code, cycles), want);
            let got = pulse(&mut d, &mut dac, reset, code, cycles);
            assert_eq!(got, want, "{name}: {reset} {code} {cycles}");
        }
        // Random requests (gate width exact for random durations), back to back or apart.
        let mut seen = [0usize; 4];
        for i in 0..150 {
            let (reset, code, cycles) = request(&mut rng, &r);
            let want = r.decide(reset, code, cycles);
            let got = pulse(&mut d, &mut dac, reset, code, cycles);
            assert_eq!(got, want, "{name}: request {i}: {reset} {code} {cycles}");
            seen[usize::from(got)] += 1;
            if rng.random_bool(0.3) {
                idle_cycles(&mut d, 3, |d, _| assert!(pulser_idle(d)));
            }
        }
        assert!(seen.iter().all(|&s| s > 0), "{name}: outcomes {seen:?}");
        no_violations(name, dac.violations());
    }
}

/// Random run-time limit writes, many of them trying to widen the synthesized limits: the
/// pulser decides as the reference does, and no applied pulse ever breaks a synthesized limit.
#[test]
fn pulser_run_time_limits_only_tighten() {
    for name in ["fe_pulser", "fe_pulser_slow"] {
        let Some(mut d) = Dut::new(name) else { return };
        let mut rng = seeded(0x11A175);
        let mut dac = dac_model(name);
        let mut r = Interlock::new(d.lim);
        let l = d.lim;
        let mut applied = 0;
        let mut widened = 0;
        for i in 0..300 {
            for _ in 0..rng.random_range(0..3) {
                let sel = rng.random_range(0..4u8);
                let data = match rng.random_range(0..4) {
                    // Wider than the synthesized limits.
                    0 => match sel {
                        0 => rng.random_range(0..l.min_cycles),
                        1 => rng.random_range(l.max_cycles..1 << 24),
                        _ => 0xFF_FFFF,
                    },
                    1 => rng.random_range(0..1 << 24),
                    2 => rng.random_range(l.min_cycles..=l.max_cycles),
                    _ => rng.random_range(0..=u32::from(l.max_code_reset)),
                };
                widened += usize::from(match sel {
                    0 => data < l.min_cycles,
                    1 => data > l.max_cycles,
                    2 => data & 0xFFFF > u32::from(l.max_code_set),
                    _ => data & 0xFFFF > u32::from(l.max_code_reset),
                });
                r.write(sel, data);
                write_limit(&mut d, &mut dac, sel, data);
            }
            let (reset, code, cycles) = request(&mut rng, &r);
            let want = r.decide(reset, code, cycles);
            let got = pulse(&mut d, &mut dac, reset, code, cycles);
            assert_eq!(
                got, want,
                "{name}: request {i} with {r:?}: {reset} {code} {cycles}"
            );
            if got == 0 {
                applied += 1;
                let max_code = if reset {
                    l.max_code_reset
                } else {
                    l.max_code_set
                };
                assert!(
                    (l.min_cycles..=l.max_cycles).contains(&cycles) && code <= max_code,
                    "{name}: applied beyond the synthesized limits"
                );
            }
            // Now and then back to no tightening, so that pulses keep being applied.
            if i % 25 == 24 {
                for (sel, data) in [(0u8, 0u32), (1, 0xFF_FFFF), (2, 0xFFFF), (3, 0xFFFF)] {
                    r.write(sel, data);
                    write_limit(&mut d, &mut dac, sel, data);
                }
            }
        }
        assert!(
            applied > 30 && widened > 10,
            "{name}: {applied} applied, {widened} widening writes"
        );
        no_violations(name, dac.violations());
    }
}

/// A limit written in the cycle that samples `start` applies to that request.
#[test]
fn pulser_limit_written_with_start_applies() {
    let Some(mut d) = Dut::new("fe_pulser") else {
        return;
    };
    let mut dac = dac_model("fe_pulser");
    d.m.set_bool("lim_we", true);
    d.m.set("lim_sel", 1);
    d.m.set("lim_data", 10);
    let got = {
        d.m.set_bool("polarity", false);
        d.m.set("dac_code", 5);
        d.m.set("cycles", 11);
        d.m.set_bool("start", true);
        let mut n = 0;
        loop {
            let now = d.tick();
            n += 1;
            d.m.set_bool("start", false);
            d.m.set_bool("lim_we", false);
            dac.step(
                now,
                d.b("dac_cs_n"),
                d.b("dac_sclk"),
                d.b("dac_din"),
                d.b("dac_ldac_n"),
            );
            if d.b("done") {
                break (n, d.m.get("error"));
            }
        }
    };
    assert_eq!(got, (REFUSE_CYCLES, 1));
    assert_eq!(pulse(&mut d, &mut dac, false, 5, 10), 0);
}
