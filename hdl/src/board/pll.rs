//! The iCE40 PLL's settings for an exact output frequency: the search `icepll` (IceStorm) makes,
//! in integers, for the `SB_PLL40_PAD` in its SIMPLE feedback mode.
//!
//! `f_out = f_in * (DIVF + 1) / ((DIVR + 1) * 2^DIVQ)`, with the phase detector's input
//! `f_pfd = f_in / (DIVR + 1)` in 10..=133 MHz and the oscillator `f_vco = f_pfd * (DIVF + 1)`
//! in 533..=1066 MHz; `DIVR` 0..=15, `DIVF` 0..=127, `DIVQ` 1..=6. `FILTER_RANGE` follows
//! `f_pfd` as `icepll` sets it.

use crate::HdlError;

/// The phase detector's input range, Hz.
pub const PFD_HZ: (u64, u64) = (10_000_000, 133_000_000);
/// The VCO's range, Hz.
pub const VCO_HZ: (u64, u64) = (533_000_000, 1_066_000_000);
/// `DIVR`'s largest value.
pub const DIVR_MAX: u8 = 15;
/// `DIVF`'s largest value in SIMPLE feedback mode.
pub const DIVF_MAX: u8 = 127;
/// `DIVQ`'s range.
pub const DIVQ_RANGE: (u8, u8) = (1, 6);

/// The settings of one `SB_PLL40_PAD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PllConfig {
    /// The input (oscillator), Hz.
    pub input_hz: u64,
    /// The reference divider: `f_pfd = f_in / (DIVR + 1)`.
    pub divr: u8,
    /// The feedback divider: `f_vco = f_pfd * (DIVF + 1)`.
    pub divf: u8,
    /// The output divider: `f_out = f_vco / 2^DIVQ`.
    pub divq: u8,
    /// The loop filter's range, from `f_pfd`.
    pub filter_range: u8,
}

impl PllConfig {
    /// The phase detector's input, Hz (a fraction: numerator over `DIVR + 1`).
    pub fn pfd_hz(&self) -> f64 {
        self.input_hz as f64 / f64::from(self.divr + 1)
    }

    /// The VCO's frequency, Hz.
    pub fn vco_hz(&self) -> f64 {
        self.pfd_hz() * f64::from(self.divf + 1)
    }

    /// The output frequency, Hz, as `(numerator, denominator)`.
    pub fn output_ratio(&self) -> (u64, u64) {
        (
            self.input_hz * (u64::from(self.divf) + 1),
            (u64::from(self.divr) + 1) << self.divq,
        )
    }

    /// The output frequency, Hz.
    pub fn output_hz(&self) -> f64 {
        let (n, d) = self.output_ratio();
        n as f64 / d as f64
    }
}

/// `FILTER_RANGE` for a phase-detector input of `pfd_hz`, as `icepll` chooses it.
fn filter_range(input_hz: u64, divr: u8) -> u8 {
    // f_pfd < x MHz  <=>  input < x * 1e6 * (divr + 1).
    let r = u64::from(divr) + 1;
    let below = |mhz: u64| input_hz < mhz * 1_000_000 * r;
    match () {
        () if below(17) => 1,
        () if below(26) => 2,
        () if below(44) => 3,
        () if below(66) => 4,
        () if below(101) => 5,
        () => 6,
    }
}

/// Every setting within the limits, in `icepll`'s search order (`DIVR`, then `DIVF`, then
/// `DIVQ`, each ascending).
pub fn all_settings(input_hz: u64) -> Vec<PllConfig> {
    let mut v = Vec::new();
    for divr in 0..=DIVR_MAX {
        let r = u64::from(divr) + 1;
        if input_hz < PFD_HZ.0 * r || input_hz > PFD_HZ.1 * r {
            continue;
        }
        for divf in 0..=DIVF_MAX {
            let vco_num = input_hz * (u64::from(divf) + 1);
            if vco_num < VCO_HZ.0 * r || vco_num > VCO_HZ.1 * r {
                continue;
            }
            for divq in DIVQ_RANGE.0..=DIVQ_RANGE.1 {
                v.push(PllConfig {
                    input_hz,
                    divr,
                    divf,
                    divq,
                    filter_range: filter_range(input_hz, divr),
                });
            }
        }
    }
    v
}

/// The PLL settings that make exactly `output_hz` from `input_hz`: the first exact one in
/// `icepll`'s search order (the one `icepll -i IN -o OUT` prints when it achieves OUT). An
/// input outside 10..=133 MHz, or an output no setting makes exactly, is an error naming the
/// nearest whole-hertz frequencies it can make.
pub fn pll_for(input_hz: u64, output_hz: u64) -> Result<PllConfig, HdlError> {
    let mhz = |hz: f64| format!("{} MHz", hz / 1e6);
    if !(PFD_HZ.0..=PFD_HZ.1).contains(&input_hz) {
        return Err(HdlError::Clock(format!(
            "the iCE40 PLL takes a 10 to 133 MHz input, the oscillator is {}: set oscillator_hz \
             to the board's oscillator, or clock_hz = oscillator_hz (no PLL)",
            mhz(input_hz as f64)
        )));
    }
    let all = all_settings(input_hz);
    if let Some(p) = all.iter().find(|p| {
        let (n, d) = p.output_ratio();
        n == output_hz * d
    }) {
        return Ok(*p);
    }
    // The nearest whole-hertz outputs below and above.
    let exact: Vec<u64> = all
        .iter()
        .filter_map(|p| {
            let (n, d) = p.output_ratio();
            (n % d == 0).then_some(n / d)
        })
        .collect();
    let below = exact.iter().filter(|&&f| f < output_hz).max();
    let above = exact.iter().filter(|&&f| f > output_hz).min();
    let nearest: Vec<String> = below
        .into_iter()
        .chain(above)
        .map(|&f| format!("{f} Hz ({})", mhz(f as f64)))
        .collect();
    Err(HdlError::Clock(format!(
        "the iCE40 PLL cannot make clock_hz = {output_hz} exactly from the {} oscillator \
         (PFD 10..133 MHz, VCO 533..1066 MHz): the nearest it makes are {}; set clock_hz to one of them",
        mhz(input_hz as f64),
        nearest.join(" and ")
    )))
}

/// The settings of `icepll`'s report (`icepll -i IN -o OUT [-p]`): its `DIVR:`, `DIVF:`,
/// `DIVQ:` and `FILTER_RANGE:` lines, with `input_hz` as given; `None` if one is missing.
pub fn parse_icepll(input_hz: u64, text: &str) -> Option<PllConfig> {
    let field = |name: &str| -> Option<u8> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    Some(PllConfig {
        input_hz,
        divr: field("DIVR:")?,
        divf: field("DIVF:")?,
        divq: field("DIVQ:")?,
        filter_range: field("FILTER_RANGE:")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `icepll -i 12 -o 48 -p` (IceStorm, Debian 12), as printed.
    const ICEPLL_12_48: &str = "
F_PLLIN:    12.000 MHz (given)
F_PLLOUT:   48.000 MHz (requested)
F_PLLOUT:   48.000 MHz (achieved)

FEEDBACK: SIMPLE
F_PFD:   12.000 MHz
F_VCO:  768.000 MHz

DIVR:  0 (4'b0000)
DIVF: 63 (7'b0111111)
DIVQ:  4 (3'b100)

FILTER_RANGE: 1 (3'b001)
";

    /// `(input MHz, output MHz, DIVR, DIVF, DIVQ, FILTER_RANGE)` as `icepll -p` printed them.
    const ICEPLL: &[(u64, u64, u8, u8, u8, u8)] = &[
        (12, 24, 0, 63, 5, 1),
        (12, 36, 0, 47, 4, 1),
        (12, 42, 0, 55, 4, 1),
        (12, 48, 0, 63, 4, 1),
    ];

    #[test]
    fn the_search_finds_what_icepll_printed() {
        for &(i, o, divr, divf, divq, filter_range) in ICEPLL {
            let p = pll_for(i * 1_000_000, o * 1_000_000).unwrap();
            let want = PllConfig {
                input_hz: i * 1_000_000,
                divr,
                divf,
                divq,
                filter_range,
            };
            assert_eq!(p, want, "{i} -> {o} MHz");
            assert_eq!(p.output_hz(), (o * 1_000_000) as f64);
        }
        assert_eq!(
            parse_icepll(12_000_000, ICEPLL_12_48),
            Some(pll_for(12_000_000, 48_000_000).unwrap())
        );
    }

    #[test]
    fn a_wrong_setting_is_told_apart() {
        // The comparison above sees one changed divider.
        let p = pll_for(12_000_000, 48_000_000).unwrap();
        let changed = ICEPLL_12_48.replace("DIVQ:  4", "DIVQ:  5");
        assert_ne!(parse_icepll(12_000_000, &changed), Some(p));
        assert_eq!(parse_icepll(12_000_000, "DIVR: 0\n"), None);
    }

    #[test]
    fn the_filter_range_follows_the_phase_detector() {
        // icepll -i X -o 48: F_PFD 16.9 -> 1, 17 -> 2 (DIVR 0); 44 MHz in -> PFD 22 MHz -> 2.
        assert_eq!(filter_range(16_900_000, 0), 1);
        assert_eq!(filter_range(17_000_000, 0), 2);
        assert_eq!(filter_range(44_000_000, 1), 2);
        assert_eq!(filter_range(30_000_000, 0), 3);
        assert_eq!(filter_range(50_000_000, 0), 4);
        assert_eq!(filter_range(80_000_000, 0), 5);
        assert_eq!(filter_range(120_000_000, 0), 6);
    }

    #[test]
    fn every_setting_is_within_the_limits() {
        for input in [10_000_000, 12_000_000, 100_000_000, 133_000_000] {
            let all = all_settings(input);
            assert!(!all.is_empty());
            for p in all {
                assert!((10e6..=133e6).contains(&p.pfd_hz()), "{p:?}");
                assert!((533e6..=1066e6).contains(&p.vco_hz()), "{p:?}");
                assert!((1..=6).contains(&p.divq));
            }
        }
    }

    #[test]
    fn an_inexact_clock_names_the_nearest() {
        // 12 MHz * (DIVF + 1) / 2^DIVQ: 24.75 (66 / 32) and 25.125 MHz (67 / 32) around 25.
        let e = pll_for(12_000_000, 25_000_000).unwrap_err().to_string();
        assert!(
            e.contains("clock_hz = 25000000")
                && e.contains("24750000 Hz (24.75 MHz)")
                && e.contains("25125000 Hz (25.125 MHz)")
                && !e.contains('\n'),
            "{e}"
        );
        // Above the highest output (VCO 1066 MHz / 2): only the one below.
        let e = pll_for(12_000_000, 600_000_000).unwrap_err().to_string();
        assert!(e.contains("528000000 Hz") && !e.contains(" and "), "{e}");
        let e = pll_for(9_000_000, 24_000_000).unwrap_err().to_string();
        assert!(e.contains("10 to 133 MHz") && e.contains("9 MHz"), "{e}");
    }
}
