//! The iCEBreaker's pins as data: which iCE40UP5K-SG48 package pin each port of the board top
//! is on, and the PCF (`constraints/icebreaker.pcf`) and the documentation table made from it.

/// Which way a pin goes, seen from the FPGA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Into the FPGA.
    In,
    /// Out of the FPGA.
    Out,
}

impl Dir {
    /// `in` or `out`.
    pub fn name(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }

    /// The Verilog port direction.
    pub fn verilog(self) -> &'static str {
        match self {
            Self::In => "input",
            Self::Out => "output",
        }
    }
}

/// One pin of the board top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    /// The `ouro_top` port on this pin (`clock` through the PLL when there is one).
    pub signal: &'static str,
    /// The iCE40UP5K-SG48 package pin.
    pub pin: u16,
    /// Its direction.
    pub dir: Dir,
    /// The iCEBreaker's name of the net: the name in the PCF and the port of `icebreaker_top`.
    pub net: &'static str,
    /// Where it is on the board: a Pmod header pin (`PMOD1A pin 1`) or the part it comes from.
    pub header: &'static str,
    /// What it is.
    pub what: &'static str,
}

/// The iCEBreaker's pins the board top uses: the oscillator, the USB UART (FT2232H channel B),
/// the two user LEDs on the main board, and the analog front end on PMOD1A and PMOD1B (the
/// Pmod DA3 on PMOD1A's top row, the Pmod AD1 on its bottom row, the multiplexers, the gate and
/// the polarity line on PMOD1B).
pub const ICEBREAKER_PINS: &[Pin] = &[
    Pin {
        signal: "clock",
        pin: 35,
        dir: Dir::In,
        net: "CLK",
        header: "12 MHz oscillator",
        what: "the system clock (through the PLL when `clock_hz` is not the oscillator's)",
    },
    Pin {
        signal: "uart_rx",
        pin: 6,
        dir: Dir::In,
        net: "RX",
        header: "FT2232H channel B",
        what: "host link, host to FPGA (UART 8N1, 1 Mbaud)",
    },
    Pin {
        signal: "uart_tx",
        pin: 9,
        dir: Dir::Out,
        net: "TX",
        header: "FT2232H channel B",
        what: "host link, FPGA to host",
    },
    Pin {
        signal: "led_r_n",
        pin: 11,
        dir: Dir::Out,
        net: "LEDR_N",
        header: "red LED",
        what: "red user LED, active low",
    },
    Pin {
        signal: "led_g_n",
        pin: 37,
        dir: Dir::Out,
        net: "LEDG_N",
        header: "green LED",
        what: "green user LED, active low",
    },
    Pin {
        signal: "dac_cs_n",
        pin: 4,
        dir: Dir::Out,
        net: "P1A1",
        header: "PMOD1A pin 1",
        what: "DAC CS (AD5541A, Pmod DA3), active low",
    },
    Pin {
        signal: "dac_din",
        pin: 2,
        dir: Dir::Out,
        net: "P1A2",
        header: "PMOD1A pin 2",
        what: "DAC DIN",
    },
    Pin {
        signal: "dac_ldac_n",
        pin: 47,
        dir: Dir::Out,
        net: "P1A3",
        header: "PMOD1A pin 3",
        what: "DAC LDAC, active low",
    },
    Pin {
        signal: "dac_sclk",
        pin: 45,
        dir: Dir::Out,
        net: "P1A4",
        header: "PMOD1A pin 4",
        what: "DAC SCLK",
    },
    Pin {
        signal: "adc_cs_n",
        pin: 3,
        dir: Dir::Out,
        net: "P1A7",
        header: "PMOD1A pin 7",
        what: "ADC CS (AD7476A, Pmod AD1), active low",
    },
    Pin {
        signal: "adc_sdata",
        pin: 48,
        dir: Dir::In,
        net: "P1A8",
        header: "PMOD1A pin 8",
        what: "ADC SDATA (the Pmod AD1's D0)",
    },
    Pin {
        signal: "adc_sclk",
        pin: 44,
        dir: Dir::Out,
        net: "P1A10",
        header: "PMOD1A pin 10",
        what: "ADC SCLK",
    },
    Pin {
        signal: "mux_sclk",
        pin: 43,
        dir: Dir::Out,
        net: "P1B1",
        header: "PMOD1B pin 1",
        what: "multiplexers' SCLK (both ADG731)",
    },
    Pin {
        signal: "mux_din",
        pin: 38,
        dir: Dir::Out,
        net: "P1B2",
        header: "PMOD1B pin 2",
        what: "multiplexers' DIN",
    },
    Pin {
        signal: "mux_sync_row_n",
        pin: 34,
        dir: Dir::Out,
        net: "P1B3",
        header: "PMOD1B pin 3",
        what: "row multiplexer SYNC, active low",
    },
    Pin {
        signal: "mux_sync_col_n",
        pin: 31,
        dir: Dir::Out,
        net: "P1B4",
        header: "PMOD1B pin 4",
        what: "column multiplexer SYNC, active low",
    },
    Pin {
        signal: "pulse_gate",
        pin: 42,
        dir: Dir::Out,
        net: "P1B7",
        header: "PMOD1B pin 7",
        what: "pulse gate: the cell is driven while high",
    },
    Pin {
        signal: "pulse_pol",
        pin: 36,
        dir: Dir::Out,
        net: "P1B8",
        header: "PMOD1B pin 8",
        what: "pulse polarity: low SET, high RESET",
    },
];

/// The pin of the `ouro_top` port `signal`.
pub fn pin_of(signal: &str) -> Option<&'static Pin> {
    ICEBREAKER_PINS.iter().find(|p| p.signal == signal)
}

/// The PCF of `pins` for nextpnr-ice40: one `set_io NET PIN` a line, with a comment saying what
/// it is, under a header naming the board.
pub fn pcf(pins: &[Pin]) -> String {
    let mut s = String::from(
        "# iCEBreaker (iCE40UP5K-SG48): the pins of icebreaker_top. Generated by ouro-hdl\n\
         # (ouro_hdl::board::pins) from its pin table; docs/HDL.md, \"Pin map\", documents it.\n\
         # Do not edit: change the table and rerun\n\
         # OURO_UPDATE_SNAPSHOTS=1 cargo test -p ouro-hdl --test board\n",
    );
    let w = pins.iter().map(|p| p.net.len()).max().unwrap_or(0);
    for p in pins {
        let set = format!("set_io {:<w$} {}", p.net, p.pin);
        s.push_str(&format!(
            "{set:<w2$} # {:<3} {}: {}\n",
            p.dir.name(),
            p.signal,
            p.what,
            w2 = w + 11
        ));
    }
    s
}

/// The documentation's table of `pins` (Markdown; `docs/HDL.md`, "Pin map", holds it verbatim).
pub fn markdown_table(pins: &[Pin]) -> String {
    let mut s = String::from(
        "| signal (`ouro_top`) | iCE40 pin | dir | net (PCF, `icebreaker_top`) | header pin | what it is |\n\
         |---|---|---|---|---|---|\n",
    );
    for p in pins {
        s.push_str(&format!(
            "| `{}` | {} | {} | `{}` | {} | {} |\n",
            p.signal,
            p.pin,
            p.dir.name(),
            p.net,
            p.header,
            p.what
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_and_name_is_used_once() {
        let pins = ICEBREAKER_PINS;
        for (i, a) in pins.iter().enumerate() {
            for b in &pins[i + 1..] {
                assert_ne!(a.pin, b.pin, "{} and {}", a.signal, b.signal);
                assert_ne!(a.signal, b.signal);
                assert_ne!(a.net, b.net);
            }
        }
        // The SG48 package has 48 pins.
        assert!(pins.iter().all(|p| (1..=48).contains(&p.pin)));
        assert_eq!(pin_of("uart_rx").map(|p| p.pin), Some(6));
        assert_eq!(pin_of("nosuch"), None);
    }

    #[test]
    fn the_pcf_sets_each_pin_once() {
        let text = pcf(ICEBREAKER_PINS);
        let sets: Vec<Vec<&str>> = text
            .lines()
            .filter(|l| l.starts_with("set_io"))
            .map(|l| l.split('#').next().unwrap().split_whitespace().collect())
            .collect();
        assert_eq!(sets.len(), ICEBREAKER_PINS.len());
        for (s, p) in sets.iter().zip(ICEBREAKER_PINS) {
            assert_eq!(s, &["set_io", p.net, &p.pin.to_string()]);
        }
        assert!(text.contains("set_io CLK    35"), "{text}");
        assert!(text
            .lines()
            .all(|l| l.starts_with('#') || l.starts_with("set_io")));
    }
}
