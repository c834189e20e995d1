//! The top module's ports, read from rust-hdl's non-ANSI port list, and their Rust types.

#[derive(Debug, Clone)]
pub(crate) struct Port {
    pub(crate) name: String,
    pub(crate) width: usize,
    pub(crate) input: bool,
}

/// The ports of the top module, in declaration order, from rust-hdl's non-ANSI port list.
pub(crate) fn parse_ports(verilog: &str, top: &str) -> Vec<Port> {
    let mut ports = Vec::new();
    let mut inside = false;
    for line in verilog.lines() {
        let t = line.trim();
        if t.starts_with(&format!("module {top}(")) {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if t.starts_with("endmodule") {
            break;
        }
        let input = t.starts_with("input ");
        if !(input || t.starts_with("output ")) {
            continue;
        }
        let width = match (t.find('['), t.find(":0]")) {
            (Some(a), Some(b)) => t[a + 1..b].parse::<usize>().expect("port width") + 1,
            _ => 1,
        };
        let name = t
            .trim_end_matches(';')
            .split_whitespace()
            .last()
            .expect("port name")
            .to_string();
        ports.push(Port { name, width, input });
    }
    assert!(!ports.is_empty(), "no ports found in module {top}");
    ports
}

pub(crate) fn rust_type(width: usize) -> &'static str {
    match width {
        1 => "bool",
        2..=8 => "u8",
        9..=16 => "u16",
        17..=32 => "u32",
        _ => "u64",
    }
}
