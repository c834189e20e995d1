//! The front end's blocks (`ouro_hdl::frontend`), each verilated alone and driven cycle by cycle
//! against models of its parts (`ouro_verilated::parts`) that check the datasheet timing from
//! the pins: the words the parts receive equal the words sent, the conversions read equal the
//! conversions made, every latency equals its function in `ouro_hdl::frontend::timing`, and no
//! model sees a violation. Each block is built with the iCEBreaker board's timing and with a
//! slower one (`ouro_testkit::frontend`). Negative tests: every model reports a deliberately
//! wrong stimulus, and a corrupted expectation fails the comparison it stands for.

use ouro_core::frontend::Timing;
use ouro_hdl::frontend::timing::{
    adc_cycles, dac_write_cycles, pulse_cycles, pulse_gate_edge, read_cycles, select_cycles,
    REFUSE_CYCLES,
};
use ouro_hdl::frontend::PulseLimits;
use ouro_testkit::rng::seeded;
use ouro_verilated::parts::{Ad5541a, Ad5541aTiming, Ad7476a, Ad7476aTiming, Adg731, Adg731Timing};
use ouro_verilated::{require_verilator, BlockInfo, BlockModel};
use rand::Rng;

/// A verilated front-end block with its timing and limits, and the time of its last edge.
struct Dut {
    m: BlockModel,
    t: Timing,
    lim: PulseLimits,
    edge: u64,
    period: f64,
}

impl Dut {
    fn new(name: &str) -> Option<Self> {
        if !require_verilator(name) {
            return None;
        }
        let b = BlockInfo::get(name).unwrap_or_else(|| panic!("no block {name}"));
        let (t, lim) = ouro_testkit::frontend::block(name);
        Some(Self {
            m: b.model().expect("verilated block"),
            t,
            lim,
            edge: 0,
            period: 1e9 / t.clock_hz as f64,
        })
    }

    /// One clock cycle; returns the time of its edge, ns.
    fn tick(&mut self) -> f64 {
        self.m.tick();
        self.edge += 1;
        self.now()
    }

    fn now(&self) -> f64 {
        self.edge as f64 * self.period
    }

    fn b(&self, port: &str) -> bool {
        self.m.get_bool(port)
    }
}

/// The AD5541A; `_slow` blocks are built for a faster-settling part (150 ns, 2 cycles).
fn dac_model(name: &str) -> Ad5541a {
    let t_settle = if name.ends_with("_slow") {
        150.0
    } else {
        1000.0
    };
    Ad5541a::new(Ad5541aTiming {
        t_settle,
        ..Ad5541aTiming::default()
    })
}

fn adc_model(d: &Dut) -> Ad7476a {
    Ad7476a::new(Ad7476aTiming::default(), d.period)
}

/// The two ADG731; `_slow` blocks are built for a part that switches at once (t_ON 0).
fn mux_models(name: &str) -> (Adg731, Adg731) {
    let t_on = if name.ends_with("_slow") { 0.0 } else { 250.0 };
    let timing = Adg731Timing {
        t_on,
        ..Adg731Timing::default()
    };
    (
        Adg731::new("ADG731 row", timing),
        Adg731::new("ADG731 col", timing),
    )
}

fn no_violations(who: &str, v: &[String]) {
    assert!(
        v.is_empty(),
        "{who}: {} violations, first: {}",
        v.len(),
        v[0]
    );
}

// ---------------------------------------------------------------------------------------------
// DacSpi

fn dac_step(d: &Dut, dac: &mut Ad5541a, now: f64) {
    dac.step(now, d.b("cs_n"), d.b("sclk"), d.b("din"), d.b("ldac_n"));
}

/// One write: `start` in this cycle; returns the latency and checks `busy` and the settled
/// output at `done`.
fn dac_write(d: &mut Dut, dac: &mut Ad5541a, code: u16) -> u32 {
    d.m.set("code", u64::from(code));
    d.m.set_bool("start", true);
    let mut n = 0;
    loop {
        let now = d.tick();
        n += 1;
        d.m.set_bool("start", false);
        d.m.set("code", 0xA5A5);
        dac_step(d, dac, now);
        if d.b("done") {
            assert!(!d.b("busy"), "busy in the done cycle");
            assert_eq!(dac.output().0, code, "the DAC's output code at done");
            assert!(dac.settled(now), "done before the output settled");
            return n;
        }
        assert!(d.b("busy"), "cycle {n}: not busy before done");
        assert!(n < 100_000, "no done");
    }
}

fn idle_cycles(d: &mut Dut, n: usize, mut step: impl FnMut(&Dut, f64)) {
    for _ in 0..n {
        let now = d.tick();
        step(d, now);
    }
}

#[test]
fn dac_writes_every_word_with_the_ad5541a_timing() {
    for name in ["fe_dac", "fe_dac_slow"] {
        let Some(mut d) = Dut::new(name) else { return };
        let mut rng = seeded(0xDAC0);
        let mut dac = dac_model(name);
        let mut sent = Vec::new();
        let mut codes = vec![0u16, 0xFFFF, 0x8000, 0x7FFF, 0x5555, 0xAAAA, 1];
        codes.extend((0..200).map(|_| rng.random::<u16>()));
        for (i, &code) in codes.iter().enumerate() {
            let n = dac_write(&mut d, &mut dac, code);
            assert_eq!(n, dac_write_cycles(&d.t), "{name}: write {i} latency");
            sent.push(code);
            if rng.random_bool(0.5) {
                let gap = rng.random_range(1..5);
                idle_cycles(&mut d, gap, |d, now| {
                    assert!(d.b("cs_n") && d.b("ldac_n") && !d.b("sclk") && !d.b("din"));
                    assert!(!d.b("busy") && !d.b("done"));
                    let _ = now;
                });
                // The model sees idle pins: nothing to step but the time.
            }
        }
        assert_eq!(dac.words(), &sent[..], "{name}: words received");
        no_violations(name, dac.violations());
    }
}

/// `start` while busy is ignored: one write, whatever `start` does during it.
#[test]
fn dac_ignores_start_while_busy() {
    let Some(mut d) = Dut::new("fe_dac") else {
        return;
    };
    let mut dac = dac_model("fe_dac");
    d.m.set("code", 0x1234);
    d.m.set_bool("start", true);
    let mut n = 0;
    loop {
        let now = d.tick();
        n += 1;
        d.m.set("code", 0x4321);
        dac_step(&d, &mut dac, now);
        if d.b("done") {
            break;
        }
    }
    assert_eq!(n, dac_write_cycles(&d.t));
    assert_eq!(dac.words(), &[0x1234]);
    no_violations("fe_dac", dac.violations());
}

// ---------------------------------------------------------------------------------------------
// AdcSpi

/// One conversion of `code`; returns the latency and the code read.
fn adc_convert(d: &mut Dut, adc: &mut Ad7476a, code: u16, start_port: &str) -> (u32, u16) {
    adc.push_input(code);
    d.m.set_bool(start_port, true);
    let mut n = 0;
    loop {
        let now = d.tick();
        n += 1;
        d.m.set_bool(start_port, false);
        let s = adc.step(now, d.b("cs_n"), d.b("sclk"));
        d.m.set_bool("sdata", s);
        if d.b("done") {
            assert!(!d.b("busy"));
            return (n, d.m.get("code") as u16);
        }
        assert!(d.b("busy"));
        assert!(n < 100_000, "no done");
    }
}

#[test]
fn adc_reads_every_code_with_the_ad7476a_timing() {
    for name in ["fe_adc", "fe_adc_slow"] {
        let Some(mut d) = Dut::new(name) else { return };
        let mut rng = seeded(0xADC0);
        let mut adc = adc_model(&d);
        let mut codes = vec![0u16, 4095, 2048, 2047, 0x555, 0xAAA, 1];
        codes.extend((0..300).map(|_| rng.random_range(0..4096u16)));
        for (i, &code) in codes.iter().enumerate() {
            let (n, got) = adc_convert(&mut d, &mut adc, code, "start");
            assert_eq!(n, adc_cycles(&d.t), "{name}: conversion {i} latency");
            assert_eq!(got, code, "{name}: conversion {i}");
            // Back to back (start in the done cycle) or after a gap.
            if rng.random_bool(0.3) {
                let gap = rng.random_range(1..4);
                let mut sdata = false;
                for _ in 0..gap {
                    let now = d.tick();
                    assert!(d.b("cs_n") && d.b("sclk") && !d.b("busy"));
                    sdata = adc.step(now, d.b("cs_n"), d.b("sclk"));
                }
                d.m.set_bool("sdata", sdata);
            }
        }
        assert_eq!(adc.converted(), &codes[..]);
        no_violations(name, adc.violations());
    }
}

/// The same gateware on a 100 MHz clock drives SCLK at 50 MHz: the AD7476A model reports its
/// SCLK period (and the data it gives is not what was converted).
#[test]
fn negative_test_adc_too_fast_for_the_part() {
    let Some(mut d) = Dut::new("fe_adc") else {
        return;
    };
    d.period = 10.0;
    let mut adc = adc_model(&d);
    let mut wrong = 0;
    for code in [0x123u16, 0xABC, 0x555] {
        let (_, got) = adc_convert(&mut d, &mut adc, code, "start");
        wrong += usize::from(got != code);
    }
    assert!(
        adc.violations().iter().any(|v| v.contains("t_SCLK")),
        "{:?}",
        adc.violations()
    );
    assert!(
        wrong > 0,
        "sampling during the access time must corrupt a code"
    );
}

// ---------------------------------------------------------------------------------------------
// CellReader

/// The reference average: the sum of the codes shifted right by `k`.
fn average(codes: &[u16], k: u32) -> u16 {
    (codes.iter().map(|&c| u32::from(c)).sum::<u32>() >> k) as u16
}

#[test]
fn reader_averages_like_the_reference() {
    for name in ["fe_reader", "fe_reader_slow"] {
        let Some(mut d) = Dut::new(name) else { return };
        let mut rng = seeded(0x4EAD);
        let mut adc = adc_model(&d);
        for i in 0..120 {
            // 5..=7 read 16 times, like 4.
            let k_in: u32 = if i < 8 {
                i % 8
            } else {
                rng.random_range(0..=7)
            };
            let k = k_in.min(4);
            let codes: Vec<u16> = (0..1 << k)
                .map(|_| match rng.random_range(0..4) {
                    0 => 4095,
                    1 => rng.random_range(4000..4096),
                    _ => rng.random_range(0..4096),
                })
                .collect();
            for &c in &codes {
                adc.push_input(c);
            }
            d.m.set("reads_log2", u64::from(k_in));
            d.m.set_bool("start", true);
            let mut n = 0u32;
            let mut first_cs = None;
            let got = loop {
                let now = d.tick();
                n += 1;
                d.m.set_bool("start", false);
                d.m.set("reads_log2", 0);
                if first_cs.is_none() && !d.b("cs_n") {
                    first_cs = Some(n);
                }
                let s = adc.step(now, d.b("cs_n"), d.b("sclk"));
                d.m.set_bool("sdata", s);
                if d.b("done") {
                    break d.m.get("code") as u16;
                }
                assert!(d.b("busy") && n < 1_000_000);
            };
            assert_eq!(n, read_cycles(&d.t, k_in), "{name}: read {i} (k {k_in})");
            // The read path settles before the first conversion samples.
            assert_eq!(first_cs, Some(d.t.read_settle + 2), "{name}: first CS");
            assert_eq!(got, average(&codes, k), "{name}: read {i} of {codes:?}");
            // Negative check: a corrupted input (one code off by one) changes the reference.
            if k == 0 {
                assert_ne!(
                    got,
                    average(&[codes[0] ^ 1], 0),
                    "the comparison must see it"
                );
            }
        }
        no_violations(name, adc.violations());
    }
}

// ---------------------------------------------------------------------------------------------
// CellSelect

#[test]
fn select_writes_both_multiplexers_with_the_adg731_timing() {
    for name in ["fe_select", "fe_select_slow"] {
        let Some(mut d) = Dut::new(name) else { return };
        let mut rng = seeded(0x5E1);
        let (mut row_mux, mut col_mux) = mux_models(name);
        let mut pairs = vec![(0u8, 0u8), (31, 31), (0, 31), (31, 0), (21, 10)];
        pairs.extend((0..200).map(|_| (rng.random_range(0..32), rng.random_range(0..32))));
        for (i, &(row, col)) in pairs.iter().enumerate() {
            d.m.set("row", u64::from(row));
            d.m.set("col", u64::from(col));
            d.m.set_bool("start", true);
            let mut n = 0;
            loop {
                let now = d.tick();
                n += 1;
                d.m.set_bool("start", false);
                d.m.set("row", u64::from(!row & 31));
                d.m.set("col", u64::from(!col & 31));
                let (sclk, din) = (d.b("sclk"), d.b("din"));
                row_mux.step(now, d.b("sync_row_n"), sclk, din);
                col_mux.step(now, d.b("sync_col_n"), sclk, din);
                if d.b("done") {
                    assert!(!d.b("busy"));
                    assert_eq!(row_mux.channel_at(now), Some(row), "{name}: select {i} row");
                    assert_eq!(col_mux.channel_at(now), Some(col), "{name}: select {i} col");
                    break;
                }
                assert!(d.b("busy") && n < 100_000);
            }
            assert_eq!(n, select_cycles(&d.t), "{name}: select {i} latency");
            if rng.random_bool(0.3) {
                idle_cycles(&mut d, 2, |d, _| {
                    assert!(d.b("sclk") && d.b("sync_row_n") && d.b("sync_col_n") && !d.b("din"));
                });
            }
        }
        let rows: Vec<u8> = pairs.iter().map(|p| p.0).collect();
        let cols: Vec<u8> = pairs.iter().map(|p| p.1).collect();
        assert_eq!(
            row_mux.words(),
            &rows[..],
            "{name}: row words (EN = CS = 0)"
        );
        assert_eq!(col_mux.words(), &cols[..], "{name}: column words");
        no_violations(name, row_mux.violations());
        no_violations(name, col_mux.violations());
    }
}

// ---------------------------------------------------------------------------------------------
// Pulser

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

// ---------------------------------------------------------------------------------------------
// Negative tests of the models: a deliberately wrong stimulus is reported.

/// Drive a model with a list of pin vectors, one per clock edge of `period` ns.
fn drive<const N: usize>(period: f64, vectors: &[[bool; N]], mut f: impl FnMut(f64, [bool; N])) {
    for (e, v) in vectors.iter().enumerate() {
        f((e + 1) as f64 * period, *v);
    }
}

/// An AD5541A frame as pin vectors [cs_n, sclk, din, ldac_n]: `clocks` SCLK cycles of two edges
/// each, DIN changing with SCLK falling (or with SCLK rising when `din_on_rise`), then CS high
/// and an LDAC pulse.
fn dac_frame(word: u16, clocks: u32, din_on_rise: bool) -> Vec<[bool; 4]> {
    let bit = |i: u32| i < 16 && (word >> (15 - i)) & 1 == 1;
    let mut v = vec![[false, false, bit(0), true]];
    for i in 0..clocks {
        let rise_din = if din_on_rise { bit(i) ^ true } else { bit(i) };
        v.push([false, true, rise_din, true]);
        v.push([false, false, bit(i + 1), true]);
    }
    v.push([true, false, false, true]);
    v.push([true, false, false, false]);
    v.push([true, false, false, true]);
    v
}

fn dac_violations(period: f64, vectors: &[[bool; 4]]) -> Vec<String> {
    let mut m = dac_model("negative");
    drive(period, vectors, |now, [cs, sclk, din, ldac]| {
        m.step(now, cs, sclk, din, ldac)
    });
    m.violations().to_vec()
}

#[test]
fn negative_test_dac_model_reports_violations() {
    let ok = dac_frame(0xBEEF, 16, false);
    assert!(dac_violations(83.3, &ok).is_empty());
    let mut m = dac_model("negative");
    drive(83.3, &ok, |now, [a, b, c, e]| m.step(now, a, b, c, e));
    assert_eq!(m.words(), &[0xBEEF]);
    let has = |v: Vec<String>, what: &str| {
        assert!(
            v.iter().any(|s| s.contains(what)),
            "{what} not reported: {v:?}"
        )
    };
    // DIN changing on the SCLK rising edge: no setup time.
    has(dac_violations(83.3, &dac_frame(0xBEEF, 16, true)), "t7");
    // 15 clocks in a frame.
    has(
        dac_violations(83.3, &dac_frame(0xBEEF, 15, false)),
        "not 16",
    );
    // A 100 MHz SCLK (two 5 ns edges per cycle).
    has(dac_violations(5.0, &ok), "t1");
    // LDAC low while CS is low.
    let mut early = ok.clone();
    early[5][3] = false;
    has(dac_violations(83.3, &early), "LDAC fell while CS was low");
    // SCLK rising on the edge where CS falls.
    let mut v = ok.clone();
    v[0][1] = true;
    v[1][1] = false;
    has(dac_violations(83.3, &v), "t4");
}

/// AD7476A pin vectors [cs_n, sclk] of `frames` conversions of `clocks` SCLK cycles, CS high
/// for `quiet` edges between them.
fn adc_frames(frames: usize, clocks: u32, quiet: usize) -> Vec<[bool; 2]> {
    let mut v = Vec::new();
    for _ in 0..frames {
        v.push([false, true]);
        for _ in 0..clocks {
            v.push([false, false]);
            v.push([false, true]);
        }
        v.extend(std::iter::repeat_n([true, true], quiet));
    }
    v
}

fn adc_violations(period: f64, vectors: &[[bool; 2]]) -> Vec<String> {
    let mut m = Ad7476a::new(Ad7476aTiming::default(), period);
    drive(period, vectors, |now, [cs, sclk]| {
        m.step(now, cs, sclk);
    });
    m.violations().to_vec()
}

#[test]
fn negative_test_adc_model_reports_violations() {
    assert!(adc_violations(83.3, &adc_frames(3, 16, 1)).is_empty());
    let has = |v: Vec<String>, what: &str| {
        assert!(
            v.iter().any(|s| s.contains(what)),
            "{what} not reported: {v:?}"
        )
    };
    // One 30 ns cycle of CS high between conversions: below t_quiet (50 ns).
    has(adc_violations(30.0, &adc_frames(2, 16, 1)), "t_quiet");
    has(adc_violations(83.3, &adc_frames(2, 15, 2)), "not 16");
    has(
        adc_violations(83.3, &adc_frames(1, 17, 2)),
        "17 SCLK falling edges",
    );
    // A 50 MHz SCLK.
    has(adc_violations(10.0, &adc_frames(1, 16, 5)), "t_SCLK");
}

fn mux_violations(period: f64, vectors: &[[bool; 3]]) -> Vec<String> {
    let mut m = Adg731::new("ADG731", Adg731Timing::default());
    drive(period, vectors, |now, [sync, sclk, din]| {
        m.step(now, sync, sclk, din)
    });
    m.violations().to_vec()
}

/// ADG731 pin vectors [sync_n, sclk, din] of one word of `clocks` SCLK cycles, DIN changing
/// with SCLK rising; SYNC high for `high` edges after it.
fn mux_frame(word: u8, clocks: u32, high: usize) -> Vec<[bool; 3]> {
    let bit = |i: u32| i < 8 && (word >> (7 - i)) & 1 == 1;
    let mut v = vec![[false, true, bit(0)]];
    for i in 0..clocks {
        v.push([false, false, bit(i)]);
        v.push([false, true, bit(i + 1)]);
    }
    v.extend(std::iter::repeat_n([true, true, false], high));
    v
}

#[test]
fn negative_test_mux_model_reports_violations() {
    let mut ok = mux_frame(0x13, 8, 1);
    ok.extend(mux_frame(0x05, 8, 1));
    assert!(mux_violations(83.3, &ok).is_empty());
    let mut m = Adg731::new("ADG731", Adg731Timing::default());
    drive(83.3, &ok, |now, [a, b, c]| m.step(now, a, b, c));
    assert_eq!(m.words(), &[0x13, 0x05]);
    assert_eq!(m.channel_at(1e6), Some(5));
    let has = |v: Vec<String>, what: &str| {
        assert!(
            v.iter().any(|s| s.contains(what)),
            "{what} not reported: {v:?}"
        )
    };
    has(mux_violations(83.3, &mux_frame(0x13, 7, 1)), "not 8");
    // SYNC high for one 20 ns cycle between two words: below t8 (33 ns).
    let mut short = mux_frame(0x13, 8, 1);
    short.extend(mux_frame(0x05, 8, 1));
    has(mux_violations(20.0, &short), "t8");
    // A 60 MHz SCLK.
    has(mux_violations(8.0, &ok), "t1");
    // The switch is not on before t_ON.
    let mut m = Adg731::new("ADG731", Adg731Timing::default());
    drive(83.3, &ok, |now, [a, b, c]| m.step(now, a, b, c));
    let rose = ok.len() as f64 * 83.3;
    assert_eq!(m.channel_at(rose), None);
}
