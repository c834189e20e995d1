//! The front end's blocks (`ouro_hdl::frontend`), each verilated alone and driven cycle by cycle
//! against models of its parts (`ouro_verilated::parts`) that check the datasheet timing from
//! the pins: the words the parts receive equal the words sent, the conversions read equal the
//! conversions made, every latency equals its function in `ouro_hdl::frontend::timing`, and no
//! model sees a violation. Each block is built with the iCEBreaker board's timing and with a
//! slower one (`ouro_testkit::frontend`). The pulser is in `tests/pulser.rs`, the models' own
//! negative tests in `tests/parts.rs`; here, the ADC block on a too-fast clock is reported and a
//! corrupted reader input changes the reference.

mod fe_common;

use fe_common::{adc_model, dac_model, idle_cycles, mux_models, no_violations, Dut};
use ouro_hdl::frontend::timing::{adc_cycles, dac_write_cycles, read_cycles, select_cycles};
use ouro_testkit::rng::seeded;
use ouro_verilated::parts::{Ad5541a, Ad7476a};
use rand::Rng;

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
                // Idle pins (the model has nothing to see).
                idle_cycles(&mut d, gap, |d, _| {
                    assert!(d.b("cs_n") && d.b("ldac_n") && !d.b("sclk") && !d.b("din"));
                    assert!(!d.b("busy") && !d.b("done"));
                });
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
