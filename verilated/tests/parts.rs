//! The part models of `ouro_verilated::parts` alone: a correct stimulus passes, and each
//! deliberately wrong one (data changing on the sampling edge, 15 or 17 clocks in a frame, a
//! too-fast SCLK, t_quiet or the SYNC high time too short, LDAC during a frame, SCLK on the
//! chip-select edge) is reported, naming its datasheet parameter. No Verilator needed.

use ouro_verilated::parts::{Ad5541a, Ad5541aTiming, Ad7476a, Ad7476aTiming, Adg731, Adg731Timing};

fn dac_model(_: &str) -> Ad5541a {
    Ad5541a::new(Ad5541aTiming::default())
}

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
        v.extend(std::iter::repeat([true, true]).take(quiet));
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
    v.extend(std::iter::repeat([true, true, false]).take(high));
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
