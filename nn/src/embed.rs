//! Embedding a predictor into a wider one: the blind predictor (2 inputs) as a second weight set
//! of the history-aware predictor's shape (5 inputs), for an engine that holds both
//! (`docs/HDL.md`, "Two weight sets").
//!
//! A network with `m` inputs is exactly a network with `n > m` inputs whose first-layer weights
//! from inputs `m..n` are zero: each zero product adds nothing to the 40-bit sum, and everything
//! after the sum (requantization, saturation, ReLU, the later layers) is unchanged. So the
//! embedded predictor's golden model gives the original's result whatever the extra inputs hold.

use ouro_core::schema::{MlpQ, QPredictor};

/// Why a predictor cannot be embedded into another's shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbedError {
    /// One of the two predictors is not a valid quantized predictor.
    #[error("invalid quantized predictor ({which}): {message}")]
    Invalid {
        /// `"embedded"` or `"host"`.
        which: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The host has fewer inputs than the embedded predictor.
    #[error("cannot embed a {from}-input predictor into {to} inputs: the host must have at least as many")]
    Narrower {
        /// Inputs of the embedded predictor.
        from: usize,
        /// Inputs of the host.
        to: usize,
    },
    /// The embedded predictor's inputs are not the host's first inputs (same feature, same
    /// offset, in the same order).
    #[error("input {index}: the embedded predictor's {what} differs from the host's (its inputs must be the host's first ones)")]
    Inputs {
        /// The input.
        index: usize,
        /// `"feature"` or `"input offset"`.
        what: &'static str,
    },
    /// The layers after the first differ (sizes), or the layer counts do.
    #[error("layer sizes differ: embedded {embedded:?}, host {host:?} (outputs per layer must be the same)")]
    Shape {
        /// Outputs per layer of the embedded predictor.
        embedded: Vec<usize>,
        /// Outputs per layer of the host.
        host: Vec<usize>,
    },
    /// The embedded or the host predictor reads its readings through input tables (their
    /// words are not the code minus an offset, so the two cannot share input words).
    #[error("a predictor with input tables cannot share input words with another (the two-set engine takes none): use a history-aware predictor trained without --input-knots")]
    InputTables,
    /// A board parameter differs (ADC resolution or clock).
    #[error("{what} differs: embedded {embedded}, host {host}")]
    Board {
        /// `"adc_bits"` or `"clock_hz"`.
        what: &'static str,
        /// The embedded predictor's value.
        embedded: u64,
        /// The host's value.
        host: u64,
    },
}

/// Widen the first layer of both networks of `q` to the `n = host.features.len()` inputs of
/// `host`, with zero weights from inputs `q.features.len()..n`. The result has the host's
/// features, input offsets, `levels` and `probe_floor_codes` (so it validates with the host's
/// input words), `q`'s layers otherwise, and `q`'s clamp limits; it has no quantization report
/// (its weights were not measured against a float predictor in this shape).
///
/// Refused: a host with fewer inputs; inputs of `q` that are not the host's first ones (feature
/// and offset); different layer counts or sizes; input tables in `q` or in the host; another
/// ADC resolution or clock.
pub fn embed(q: &QPredictor, host: &QPredictor) -> Result<QPredictor, EmbedError> {
    let invalid = |which| {
        move |e: ouro_core::CoreError| EmbedError::Invalid {
            which,
            message: e.detail(),
        }
    };
    q.validate().map_err(invalid("embedded"))?;
    host.validate().map_err(invalid("host"))?;
    let (m, n) = (q.features.len(), host.features.len());
    if n < m {
        return Err(EmbedError::Narrower { from: m, to: n });
    }
    for i in 0..m {
        if q.features[i] != host.features[i] {
            return Err(EmbedError::Inputs {
                index: i,
                what: "feature",
            });
        }
        if q.input_offsets[i] != host.input_offsets[i] {
            return Err(EmbedError::Inputs {
                index: i,
                what: "input offset",
            });
        }
    }
    if !q.networks.set.input_tables.is_empty() || !host.networks.set.input_tables.is_empty() {
        return Err(EmbedError::InputTables);
    }
    let outs = |p: &QPredictor| -> Vec<usize> { p.shapes().iter().map(|s| s.0).collect() };
    if outs(q) != outs(host) {
        return Err(EmbedError::Shape {
            embedded: outs(q),
            host: outs(host),
        });
    }
    for (what, a, b) in [
        ("adc_bits", u64::from(q.adc_bits), u64::from(host.adc_bits)),
        ("clock_hz", q.clock_hz, host.clock_hz),
    ] {
        if a != b {
            return Err(EmbedError::Board {
                what,
                embedded: a,
                host: b,
            });
        }
    }
    let widen = |net: &MlpQ| {
        let mut net = net.clone();
        for row in &mut net.layers[0].weights {
            row.resize(n, 0);
        }
        net
    };
    let mut out = q.clone();
    out.features = host.features.clone();
    out.input_offsets = host.input_offsets.clone();
    out.levels = host.levels.clone();
    out.probe_floor_codes = host.probe_floor_codes;
    out.networks.set = widen(&q.networks.set);
    out.networks.reset = widen(&q.networks.reset);
    out.quantization = None;
    out.validate().map_err(invalid("embedded"))?;
    Ok(out)
}
