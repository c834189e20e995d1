//! What the flow's logs say: yosys's cell counts (its `stat` after `synth_ice40`), nextpnr's
//! device utilisation and maximum frequency per clock, and the report made of them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// One resource of the iCE40UP5K: how many the design uses, of how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its name (`LUT4`, `flip-flops`, `SB_MAC16`, `EBR`, `SPRAM`, ...).
    pub name: &'static str,
    /// Used by the design.
    pub used: u32,
    /// The device has.
    pub capacity: u32,
}

/// nextpnr's maximum frequency for one clock domain.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockFmax {
    /// The clock net, as nextpnr names it.
    pub clock: String,
    /// The highest frequency its paths allow after routing, MHz.
    pub fmax_mhz: f64,
    /// The target (`--freq`), MHz.
    pub target_mhz: f64,
}

/// What a run of the flow made ([`super::synth`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SynthReport {
    /// The resources used (yosys's cell counts, nextpnr's utilisation and the device's sizes).
    pub resources: Vec<Resource>,
    /// The maximum frequency per clock domain (none when no clock has a register-to-register
    /// path).
    pub clocks: Vec<ClockFmax>,
    /// The bitstream.
    pub bitstream: PathBuf,
}

impl SynthReport {
    /// The resource called `name`.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }
}

impl fmt::Display for SynthReport {
    /// One line per resource, one per clock, then the bitstream.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.resources {
            let pct = if r.capacity == 0 {
                0.0
            } else {
                f64::from(r.used) * 100.0 / f64::from(r.capacity)
            };
            writeln!(
                f,
                "{:<12} {:>5} / {:<5} ({pct:.0} %)",
                r.name, r.used, r.capacity
            )?;
        }
        for c in &self.clocks {
            writeln!(
                f,
                "fmax '{}': {:.2} MHz (target {} MHz)",
                c.clock, c.fmax_mhz, c.target_mhz
            )?;
        }
        write!(f, "bitstream: {}", self.bitstream.display())
    }
}

/// The cell counts of the last `stat` in a yosys log (`SB_LUT4` -> 1956, ...), or `None` when
/// the log has none. Takes both layouts of the count lines (`SB_LUT4   1956`, and the
/// `1956   SB_LUT4` of later yosys versions).
pub fn yosys_cells(log: &str) -> Option<BTreeMap<String, u32>> {
    let start = log.rfind("Printing statistics.")?;
    let mut cells = BTreeMap::new();
    let mut in_cells = false;
    for line in log[start..].lines() {
        let t = line.trim();
        if t.starts_with("Number of cells:") || t.ends_with(" cells") {
            in_cells = true;
            continue;
        }
        if !in_cells {
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        let pair = match words.as_slice() {
            [name, n] if n.parse::<u32>().is_ok() => Some((*name, *n)),
            [n, name] if n.parse::<u32>().is_ok() => Some((*name, *n)),
            _ => None,
        };
        match pair {
            Some((name, n)) => {
                *cells.entry(name.to_string()).or_insert(0) += n.parse::<u32>().unwrap_or(0);
            }
            None => break,
        }
    }
    Some(cells)
}

/// The last device utilisation table of a nextpnr-ice40 log: name -> (used, capacity), e.g.
/// `ICESTORM_LC` -> (2, 5280); `None` when the log has none.
pub fn nextpnr_utilisation(log: &str) -> Option<BTreeMap<String, (u32, u32)>> {
    let start = log.rfind("Device utilisation:")?;
    let mut out = BTreeMap::new();
    for line in log[start..].lines().skip(1) {
        let t = line.trim_start_matches("Info:").trim();
        let Some((name, rest)) = t.split_once(':') else {
            break;
        };
        let Some((used, rest)) = rest.split_once('/') else {
            break;
        };
        let cap = rest.split_whitespace().next().unwrap_or("");
        match (used.trim().parse(), cap.parse()) {
            (Ok(u), Ok(c)) => {
                out.insert(name.trim().to_string(), (u, c));
            }
            _ => break,
        }
    }
    Some(out)
}

/// nextpnr's last `Max frequency for clock 'NAME': F MHz (PASS|FAIL at T MHz)` per clock, in the
/// order the clocks first appear.
pub fn nextpnr_fmax(log: &str) -> Vec<ClockFmax> {
    let mut out: Vec<ClockFmax> = Vec::new();
    for line in log.lines() {
        let Some(rest) = line.split("Max frequency for clock '").nth(1) else {
            continue;
        };
        let Some((clock, rest)) = rest.split_once("': ") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let fmax = words.next().and_then(|w| w.parse::<f64>().ok());
        let target = rest
            .split(" at ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|w| w.parse::<f64>().ok());
        let (Some(fmax_mhz), Some(target_mhz)) = (fmax, target) else {
            continue;
        };
        let c = ClockFmax {
            clock: clock.to_string(),
            fmax_mhz,
            target_mhz,
        };
        match out.iter_mut().find(|o| o.clock == c.clock) {
            Some(o) => *o = c,
            None => out.push(c),
        }
    }
    out
}

/// The first line of `log` that reports an error (`ERROR:` in it: yosys writes
/// `file.v:1: ERROR: ...`, nextpnr `ERROR: ...`; the first is the cause, later ones follow from
/// it), trimmed.
pub fn first_error(log: &str) -> Option<&str> {
    log.lines().find(|l| l.contains("ERROR:")).map(str::trim)
}

/// The report of the flow's logs: the resources from yosys's cell counts and nextpnr's
/// utilisation (LUT4 and flip-flops of the logic cells' capacity, one of each per cell), the
/// clocks, and `bitstream`. An error names what the logs lack.
pub fn report(
    yosys_log: &str,
    nextpnr_log: &str,
    bitstream: PathBuf,
) -> Result<SynthReport, String> {
    let cells = yosys_cells(yosys_log).ok_or("the yosys log has no cell statistics")?;
    let util =
        nextpnr_utilisation(nextpnr_log).ok_or("the nextpnr log has no device utilisation")?;
    let get = |name: &str| {
        util.get(name)
            .copied()
            .ok_or(format!("the nextpnr log's utilisation lacks {name}"))
    };
    let cell = |prefix: &str| -> u32 {
        cells
            .iter()
            .filter(|(k, _)| k.as_str() == prefix || (prefix == "SB_DFF" && k.starts_with(prefix)))
            .map(|(_, v)| v)
            .sum()
    };
    let (lc, lc_cap) = get("ICESTORM_LC")?;
    let (_, dsp_cap) = get("ICESTORM_DSP")?;
    let (ram, ram_cap) = get("ICESTORM_RAM")?;
    let (spram, spram_cap) = get("ICESTORM_SPRAM")?;
    let (pll, pll_cap) = get("ICESTORM_PLL")?;
    let (io, io_cap) = get("SB_IO")?;
    let (gb, gb_cap) = get("SB_GB")?;
    let r = |name, used, capacity| Resource {
        name,
        used,
        capacity,
    };
    Ok(SynthReport {
        resources: vec![
            r("LUT4", cell("SB_LUT4"), lc_cap),
            r("flip-flops", cell("SB_DFF"), lc_cap),
            r("logic cells", lc, lc_cap),
            r("SB_MAC16", cell("SB_MAC16"), dsp_cap),
            r("EBR", ram, ram_cap),
            r("SPRAM", spram, spram_cap),
            r("PLL", pll, pll_cap),
            r("I/O", io, io_cap),
            r("globals", gb, gb_cap),
        ],
        clocks: nextpnr_fmax(nextpnr_log),
        bitstream,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// yosys 0.23's `stat` at the end of `synth_ice40 -dsp -spram` (the temporary board top,
    /// the host link echo), from its log.
    const YOSYS_STAT: &str = "3.53. Executing BLIF backend.

3.54. Printing statistics.

=== icebreaker_top ===

   Number of wires:                468
   Number of wire bits:           1567
   Number of public wires:         468
   Number of public wire bits:    1567
   Number of memories:               0
   Number of memory bits:            0
   Number of processes:              0
   Number of cells:                725
     SB_CARRY                      110
     SB_DFF                         33
     SB_DFFE                        69
     SB_DFFESR                      92
     SB_DFFESS                      51
     SB_DFFSR                        6
     SB_LUT4                       362
     SB_RAM40_4K                     2

3.55. Executing CHECK pass (checking for obvious problems).
Checking module icebreaker_top...
Found and reported 0 problems.
";

    /// nextpnr-ice40 0.4's utilisation and timing lines (others left out), from the same top at
    /// 36 MHz through the PLL: placement's estimate fails, the routed design passes.
    const NEXTPNR: &str = "Info: Packing PLLs..
Info: Device utilisation:
Info: \t         ICESTORM_LC:   493/ 5280     9%
Info: \t        ICESTORM_RAM:     2/   30     6%
Info: \t               SB_IO:    18/   96    18%
Info: \t               SB_GB:     8/    8   100%
Info: \t        ICESTORM_PLL:     1/    1   100%
Info: \t         SB_WARMBOOT:     0/    1     0%
Info: \t        ICESTORM_DSP:     0/    8     0%
Info: \t      ICESTORM_HFOSC:     0/    1     0%
Info: \t      ICESTORM_LFOSC:     0/    1     0%
Info: \t              SB_I2C:     0/    2     0%
Info: \t              SB_SPI:     0/    2     0%
Info: \t              IO_I3C:     0/    2     0%
Info: \t         SB_LEDDA_IP:     0/    1     0%
Info: \t         SB_RGBA_DRV:     0/    1     0%
Info: \t      ICESTORM_SPRAM:     0/    4     0%

Info: Placed 20 cells based on constraints.

Info: Max frequency for clock 'clock': 33.99 MHz (FAIL at 36.00 MHz)

Info: Max delay <async>       -> posedge clock: 3.60 ns

Info: Max frequency for clock 'clock': 38.12 MHz (PASS at 36.00 MHz)

Info: Max delay <async>       -> posedge clock: 3.97 ns
Info: Program finished normally.
";

    #[test]
    fn yosys_counts_are_read() {
        let c = yosys_cells(YOSYS_STAT).unwrap();
        assert_eq!(c["SB_LUT4"], 362);
        assert_eq!(c["SB_RAM40_4K"], 2);
        assert_eq!(c["SB_DFFESS"], 51);
        assert_eq!(c.len(), 8);
        // The later yosys layout, count first.
        let later = "Printing statistics.\n\n=== t ===\n\n      725 cells\n      362   SB_LUT4\n        2   SB_RAM40_4K\n\n";
        let c = yosys_cells(later).unwrap();
        assert_eq!((c["SB_LUT4"], c["SB_RAM40_4K"]), (362, 2));
        assert_eq!(yosys_cells("no statistics here"), None);
    }

    #[test]
    fn nextpnr_utilisation_and_fmax_are_read() {
        let u = nextpnr_utilisation(NEXTPNR).unwrap();
        assert_eq!(u["ICESTORM_LC"], (493, 5280));
        assert_eq!(u["ICESTORM_PLL"], (1, 1));
        assert_eq!(u["ICESTORM_SPRAM"], (0, 4));
        assert_eq!(u.len(), 15);
        // The routed figure, not the placer's estimate.
        assert_eq!(
            nextpnr_fmax(NEXTPNR),
            [ClockFmax {
                clock: "clock".into(),
                fmax_mhz: 38.12,
                target_mhz: 36.0
            }]
        );
        assert!(
            nextpnr_fmax("Info: No Fmax available; no interior timing paths found in design.")
                .is_empty()
        );
    }

    #[test]
    fn the_report_takes_each_figure_from_its_log() {
        let r = report(YOSYS_STAT, NEXTPNR, PathBuf::from("b/icebreaker.bin")).unwrap();
        let get = |n: &str| {
            let r = r.resource(n).unwrap();
            (r.used, r.capacity)
        };
        assert_eq!(get("LUT4"), (362, 5280));
        assert_eq!(get("flip-flops"), (33 + 69 + 92 + 51 + 6, 5280));
        assert_eq!(get("logic cells"), (493, 5280));
        assert_eq!(get("SB_MAC16"), (0, 8));
        assert_eq!(get("EBR"), (2, 30));
        assert_eq!(get("SPRAM"), (0, 4));
        assert_eq!(get("PLL"), (1, 1));
        let text = r.to_string();
        assert!(
            text.starts_with("LUT4           362 / 5280  (7 %)\n"),
            "{text}"
        );
        assert!(
            text.contains("\nfmax 'clock': 38.12 MHz (target 36 MHz)\n"),
            "{text}"
        );
        assert!(text.ends_with("\nbitstream: b/icebreaker.bin"), "{text}");
        // A changed count is seen; a log without its section is an error naming it.
        let changed = report(
            &YOSYS_STAT.replace(
                "SB_LUT4                       362",
                "SB_LUT4                       363",
            ),
            NEXTPNR,
            PathBuf::new(),
        )
        .unwrap();
        assert_eq!(changed.resource("LUT4").unwrap().used, 363);
        let e = report("", NEXTPNR, PathBuf::new()).unwrap_err();
        assert!(e.contains("yosys"), "{e}");
        let e = report(YOSYS_STAT, "Info: nothing\n", PathBuf::new()).unwrap_err();
        assert!(e.contains("nextpnr"), "{e}");
        let cut = NEXTPNR.replace("Info: \t      ICESTORM_SPRAM:     0/    4     0%\n", "");
        let e = report(YOSYS_STAT, &cut, PathBuf::new()).unwrap_err();
        assert!(e.contains("ICESTORM_SPRAM"), "{e}");
    }

    #[test]
    fn the_first_error_line_is_the_cause() {
        // yosys on a syntax error; nextpnr on a pin the package lacks.
        let y = "1. Executing Verilog-2005 frontend: bad.v\nParsing Verilog input from `bad.v' to AST representation.\nbad.v:1: ERROR: syntax error, unexpected TOK_ASSIGN, expecting ';'\n";
        assert_eq!(
            first_error(y),
            Some("bad.v:1: ERROR: syntax error, unexpected TOK_ASSIGN, expecting ';'")
        );
        let n = "Warning: unmatched constraint 'nosuch' (on line 3)\nERROR: package does not have a pin named '99' (on line 4)\nERROR: Loading PCF failed.\n1 warning, 2 errors\n";
        assert_eq!(
            first_error(n),
            Some("ERROR: package does not have a pin named '99' (on line 4)")
        );
        assert_eq!(first_error("Info: fine\n"), None);
    }
}
