//! Property tests of the loaders: random mutations of valid device, board, float and quantized
//! predictor YAML and of characterization CSV (character flips, deleted, duplicated and swapped
//! lines, numbers replaced by NaN, infinities, huge, negative or empty values, renamed keys,
//! truncation, YAML oddities) must load or be refused with an error, never panic; what loads
//! must go through the next step (a pulse, a quantization, an engine shape, a training run)
//! without a panic. A smaller number of mutations go through the `ouro` binary: exit code 0 or
//! 2, one line on stderr when 2, and no stray file. Seeded, so every run tests the same cases.

use ouro_core::board::BoardConfig;
use ouro_core::schema::{Predictor, QPredictor};
use ouro_e2e::bad::{listing, ouro_in, s, shipped, stderr};
use ouro_sim::device::DeviceConfig;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use std::sync::OnceLock;

/// A fixed seed and no failure files: the same cases on every run. For a longer search,
/// `OURO_PROPTEST_SEED` picks another seed and `OURO_PROPTEST_SCALE` multiplies the cases.
fn config(cases: u32) -> Config {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let scale = env("OURO_PROPTEST_SCALE").map_or(1, |x| u32::try_from(x).unwrap_or(1));
    Config {
        cases: cases.saturating_mul(scale),
        rng_seed: RngSeed::Fixed(env("OURO_PROPTEST_SEED").unwrap_or(0x0BAD_1A7E)),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    }
}

/// Characters a flip puts in: YAML and CSV punctuation, digits, letters, whitespace.
const CHARS: &[char] = &[
    ':', '-', '[', ']', '{', '}', ' ', '\n', '\t', '#', '0', '9', '.', 'e', '"', '\'', ',', '&',
    '*', '!', '|', '>', 'x', '%', '@', '\u{0}', '\u{e9}', '\u{feff}',
];

/// What a number becomes.
const NUMBERS: &[&str] = &[
    "NaN",
    ".nan",
    ".inf",
    "-.inf",
    "inf",
    "1e999",
    "-1e999",
    "-1",
    "0",
    "-0",
    "",
    "18446744073709551616",
    "4294967296",
    "65536",
    "1e-320",
    "3.5",
    "999999999",
    "0x10",
    "1_000",
    "~",
    "null",
    "true",
];

/// Lines a mutation inserts.
const LINES: &[&str] = &[
    "&a [1, 2]",
    "*a",
    "x: !!binary AAAA",
    "? [complex]",
    "---",
    "...",
    "key: value",
    "- item",
    "<<: *a",
    "format: ouro-predictor/1",
    "0,300,set,100,310",
    ",,,,",
    "cell,g_before_us",
];

/// One mutation: an operation and two numbers that pick where and what.
type Op = (u8, usize, usize);

/// Apply `ops` to `text`.
fn mutate(text: &str, ops: &[Op]) -> String {
    let mut t = text.to_string();
    for &(op, a, b) in ops {
        let lines: Vec<&str> = t.lines().collect();
        let n = lines.len().max(1);
        t = match op % 9 {
            0 => {
                let chars: Vec<char> = t.chars().collect();
                if chars.is_empty() {
                    continue;
                }
                let mut chars = chars;
                let i = a % chars.len();
                chars[i] = CHARS[b % CHARS.len()];
                chars.into_iter().collect()
            }
            1 => {
                let mut l = lines.clone();
                if !l.is_empty() {
                    l.remove(a % n);
                }
                l.join("\n") + "\n"
            }
            2 => {
                let mut l = lines.clone();
                if !l.is_empty() {
                    l.insert(a % n, lines[a % n]);
                }
                l.join("\n") + "\n"
            }
            3 => {
                let mut l = lines.clone();
                if !l.is_empty() {
                    l.swap(a % n, b % n);
                }
                l.join("\n") + "\n"
            }
            4 => replace_nth_number(&t, a, NUMBERS[b % NUMBERS.len()]),
            5 => rename_nth_key(&t, a, b),
            6 => {
                let cut = a % (t.len() + 1);
                let cut = (0..=cut)
                    .rev()
                    .find(|&i| t.is_char_boundary(i))
                    .unwrap_or(0);
                t[..cut].to_string()
            }
            7 => {
                let mut l = lines.clone();
                l.insert(a % (l.len() + 1), LINES[b % LINES.len()]);
                l.join("\n") + "\n"
            }
            _ => {
                let mut l: Vec<String> = lines.iter().map(|x| (*x).to_string()).collect();
                if !l.is_empty() {
                    let i = a % n;
                    l[i] = if b % 2 == 0 {
                        format!("  {}", l[i])
                    } else {
                        l[i].trim_start().to_string()
                    };
                }
                l.join("\n") + "\n"
            }
        };
    }
    t
}

/// Replace the `k`-th (modulo their count) number in `t` by `by`.
fn replace_nth_number(t: &str, k: usize, by: &str) -> String {
    let bytes = t.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            || (bytes[i] == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        if starts && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'_') {
            let start = i;
            i += 1;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || matches!(bytes[i], b'.' | b'e' | b'E' | b'-' | b'+'))
            {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    if spans.is_empty() {
        return t.to_string();
    }
    let (a, b) = spans[k % spans.len()];
    format!("{}{by}{}", &t[..a], &t[b..])
}

/// Rename the `k`-th (modulo their count) `key:` of `t`: a prefix, a dropped letter, or
/// upper case, as `how` picks.
fn rename_nth_key(t: &str, k: usize, how: usize) -> String {
    let keys: Vec<usize> = t
        .lines()
        .scan(0, |pos, l| {
            let start = *pos;
            *pos += l.len() + 1;
            Some((start, l))
        })
        .filter(|(_, l)| {
            let s = l.trim_start().trim_start_matches("- ");
            s.split_once(':').is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
        .map(|(start, l)| start + (l.len() - l.trim_start().trim_start_matches("- ").len()))
        .collect();
    if keys.is_empty() {
        return t.to_string();
    }
    let at = keys[k % keys.len()];
    let rest = &t[at..];
    let end = at + rest.find(':').expect("a key");
    let key = &t[at..end];
    let new = match how % 3 {
        0 => format!("x{key}"),
        1 => key[1..].to_string(),
        _ => key.to_uppercase(),
    };
    format!("{}{new}{}", &t[..at], &t[end..])
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..4)
}

/// A characterization CSV big enough to train on.
fn training_csv() -> &'static str {
    static CSV: OnceLock<String> = OnceLock::new();
    CSV.get_or_init(|| {
        let rows = ouro_host::characterize::run(
            &DeviceConfig::preset("nominal"),
            &ouro_host::characterize::CharacterizeConfig::new(30, 10, 3),
            None,
        )
        .expect("characterize");
        let mut text = String::from(ouro_core::dataset::HEADER);
        text.push('\n');
        for r in rows {
            text += &ouro_core::dataset::format_row(&r);
            text.push('\n');
        }
        text
    })
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn device_yaml_loads_or_is_refused(ops in ops()) {
        let text = mutate(&shipped("presets/realistic.yaml"), &ops);
        if let Ok(d) = DeviceConfig::from_yaml(&text, "mutated") {
            let mut cell = ouro_sim::device::Cell::new(&d, 1);
            let (lo, hi) = d.window_us();
            let _ = cell.set_conductance_us(0.5 * (lo + hi));
            cell.apply_pulse(ouro_core::Polarity::Set, 1e-6);
            cell.apply_pulse(ouro_core::Polarity::Reset, 1e-6);
        }
    }

    #[test]
    fn csv_parses_or_is_refused(ops in ops()) {
        let text = mutate(training_csv(), &ops);
        let _ = ouro_core::dataset::parse_csv(&text, "mutated");
    }
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn board_yaml_loads_or_is_refused(ops in ops()) {
        let text = mutate(&shipped("boards/icebreaker.yaml"), &ops);
        let loaded = ouro_core::yaml::from_str::<BoardConfig>(&text, "board YAML", "mutated");
        if let Ok(b) = loaded {
            if b.validate().is_ok() {
                let _ = b.code_of_us(300.0);
                // The front end's timing and limits, and the blocks built from them.
                let t = b.timing();
                let _ = ouro_hdl::frontend::timing::pulse_cycles(&t, b.max_pulse_cycles);
                let _ = ouro_hdl::frontend::timing::read_cycles(&t, 4);
                let _ = ouro_hdl::frontend::Pulser::new(&t, &ouro_hdl::frontend::PulseLimits::of_board(&b));
                let _ = ouro_nn::quantize::quantize(&ouro_nn::defaults::predictor(), &b, "default");
                // The board flow's clock: a PLL setting or a one-line refusal.
                if let Err(e) = ouro_hdl::board::ClockSource::of_board(&b) {
                    prop_assert!(!e.to_string().contains('\n'));
                }
            }
        }
    }

    #[test]
    fn predictor_yaml_loads_or_is_refused(ops in ops()) {
        let text = mutate(&shipped("predictors/default.yaml"), &ops);
        let loaded = ouro_core::yaml::from_str::<Predictor>(&text, "predictor YAML", "mutated");
        if let Ok(p) = loaded {
            if p.validate().is_ok() {
                let _ = ouro_nn::quantize::quantize(&p, &BoardConfig::default_board(), "mutated");
            }
        }
    }

    #[test]
    fn quantized_predictor_yaml_loads_or_is_refused(ops in ops()) {
        let text = mutate(&shipped("predictors/default.q.yaml"), &ops);
        if let Ok(q) = QPredictor::from_yaml_str(&text, "mutated") {
            let _ = q.fits(&BoardConfig::default_board());
            let _ = ouro_hdl::EngineShape::new(&q, 8);
        }
    }
}

proptest! {
    #![proptest_config(config(40))]

    #[test]
    fn a_csv_that_parses_trains_or_is_refused(ops in ops()) {
        let text = mutate(training_csv(), &ops);
        if let Ok(rows) = ouro_core::dataset::parse_csv(&text, "mutated") {
            let params = ouro_nn::train::TrainParams {
                epochs: 1,
                hidden: vec![4],
                ..ouro_nn::train::TrainParams::default()
            }
            .check()
            .expect("valid settings");
            let _ = ouro_nn::train::train(&rows, &params, None);
        }
    }
}

/// Run `args` (with `{}` standing for the mutated file) on `text` written as `name`: exit code 0
/// or 2, one line on stderr when 2, and nothing but the output (on success) in `out/`.
fn through_the_binary(
    name: &str,
    text: &str,
    a: &[&str],
    output: &str,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = dir.path().join(name);
    std::fs::write(&input, text).expect("write input");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out/");
    let args: Vec<String> = a
        .iter()
        .map(|x| {
            x.replace("{}", &s(&input))
                .replace("{out}", &s(&out.join(output)))
        })
        .collect();
    let o = ouro_in(dir.path(), &args);
    let e = stderr(&o);
    prop_assert!(!e.contains("panicked"), "{e}");
    match o.status.code() {
        Some(0) => prop_assert!(
            listing(&out).iter().all(|f| f == output),
            "{:?}",
            listing(&out)
        ),
        Some(2) => {
            prop_assert_eq!(e.trim_end().lines().count(), 1, "{}", e);
            prop_assert!(listing(&out).is_empty(), "{:?}", listing(&out));
        }
        c => prop_assert!(false, "exit {:?}: {}", c, e),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn the_binary_takes_mutated_device_files(ops in ops()) {
        let text = mutate(&shipped("presets/realistic.yaml"), &ops);
        through_the_binary("d.yaml", &text, &["device", "info", "--device", "{}"], "-")?;
        through_the_binary(
            "d.yaml",
            &text,
            &["characterize", "--device", "{}", "--cells", "2", "--pulses-per-cell", "2", "--out", "{out}"],
            "x.csv",
        )?;
    }

    #[test]
    fn the_binary_takes_mutated_boards_and_predictors(ops in ops()) {
        let board = mutate(&shipped("boards/icebreaker.yaml"), &ops);
        let p = shipped("predictors/default.yaml");
        let dir = tempfile::tempdir().expect("temporary directory");
        let pf = dir.path().join("p.yaml");
        std::fs::write(&pf, p).expect("write predictor");
        through_the_binary("b.yaml", &board, &["quantize", &s(&pf), "--board", "{}", "--out", "{out}"], "q.yaml")?;
        let p = mutate(&shipped("predictors/default.yaml"), &ops);
        through_the_binary("p.yaml", &p, &["eval", "--cells", "2", "--predictor", "{}", "--cells-csv", "{out}"], "c.csv")?;
        let q = mutate(&shipped("predictors/default.q.yaml"), &ops);
        through_the_binary("q.yaml", &q, &["eval", "--cells", "2", "--qpredictor", "{}", "--cells-csv", "{out}"], "c.csv")?;
        through_the_binary("q.yaml", &q, &["hdl", "generate", "--predictor", "{}", "--out", "{out}"], "gw")?;
    }

    #[test]
    fn the_binary_takes_mutated_csv(ops in ops()) {
        let text = mutate(training_csv(), &ops);
        through_the_binary("d.csv", &text, &["train", "--data", "{}", "--epochs", "1", "--hidden", "4", "--out", "{out}"], "p.yaml")?;
    }
}
