//! Embedding a predictor into a wider one: the blind predictor (2 inputs) as a second weight set
//! of the history-aware predictor's shape (5 inputs, as many or more hidden units and layers),
//! for an engine that holds both (`docs/HDL.md`, "Two weight sets").
//!
//! A network with `m` inputs is exactly a network with `n > m` inputs whose first-layer weights
//! from inputs `m..n` are zero: each zero product adds nothing to the 40-bit sum, and everything
//! after the sum (requantization, saturation, ReLU, the later layers) is unchanged. Likewise a
//! hidden layer with more units, the new ones with zero weights and bias and zero weights into
//! the next layer: whatever they output, the next layer multiplies it by zero. And a deeper
//! host: identity layers (weight 1 on the diagonal, no fraction bits, zero biases) repeat the
//! last hidden layer's outputs, which its ReLU left non-negative, so the next ReLU and the
//! saturation leave them alone. So the embedded predictor's golden model gives the original's
//! result whatever the extra inputs hold.

use ouro_core::schema::{DenseQ, MlpQ, QPredictor};

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
    /// The host has fewer layers (or more, and the embedded predictor has no hidden layer to
    /// repeat), a hidden layer of the embedded predictor is wider than the host's (its last
    /// one counts for each layer the host has more), or the outputs differ.
    #[error("layer sizes differ: embedded {embedded:?}, host {host:?} (the host needs at least as many layers, each at least as wide; its extra hidden layers repeat the embedded predictor's last one)")]
    Shape {
        /// Outputs per layer of the embedded predictor.
        embedded: Vec<usize>,
        /// Outputs per layer of the host.
        host: Vec<usize>,
    },
    /// The embedded predictor reads its readings through input tables: in a two-set engine it
    /// takes the codes minus their offsets.
    #[error("a blind predictor with input tables cannot be the two-set engine's set 0 (its input words are the codes minus their offsets): use one trained without --input-knots")]
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
/// `host`, with zero weights from inputs `q.features.len()..n`, and each hidden layer to the
/// host's units, with zero weights and biases for the new units and zero weights from them;
/// when the host has more layers, identity layers in front of the output layer repeat `q`'s
/// last hidden layer (the module docs).
/// The result has the host's features, input offsets, `levels` and `probe_floor_codes` (so it
/// validates with the host's input words), `q`'s weights otherwise, no input tables (the
/// host's, if it has any, are its own: the engine's set 0 takes the codes minus the offsets),
/// and `q`'s clamp limits; it has no quantization report (its weights were not measured
/// against a float predictor in this shape).
///
/// Refused: a host with fewer inputs; inputs of `q` that are not the host's first ones (feature
/// and offset); a host with fewer layers (or more, when `q` has no hidden layer), a hidden
/// layer of `q` (its last one repeated) wider than the host's, or other outputs; input tables
/// in `q`; another ADC resolution or clock.
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
    if !q.networks.set.input_tables.is_empty() {
        return Err(EmbedError::InputTables);
    }
    let outs = |p: &QPredictor| -> Vec<usize> { p.shapes().iter().map(|s| s.0).collect() };
    let (qo, ho) = (outs(q), outs(host));
    // The embedded layers' widths once identity layers repeat its last hidden layer.
    let deepened: Vec<usize> = match qo.split_last() {
        Some((&out, hidden)) if ho.len() > qo.len() && !hidden.is_empty() => {
            let mut d = hidden.to_vec();
            d.resize(ho.len() - 1, hidden[hidden.len() - 1]);
            d.push(out);
            d
        }
        _ => qo.clone(),
    };
    if deepened.len() != ho.len()
        || deepened.last() != ho.last()
        || deepened.iter().zip(&ho).any(|(a, b)| a > b)
    {
        return Err(EmbedError::Shape {
            embedded: qo,
            host: ho,
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
        net.input_tables.clear();
        let last = net.layers.len() - 1;
        let width = net.layers[last].weights[0].len();
        for _ in net.layers.len()..ho.len() {
            net.layers.insert(last, identity(width));
        }
        let mut inputs = n;
        for (layer, &units) in net.layers.iter_mut().zip(&ho) {
            for row in &mut layer.weights {
                row.resize(inputs, 0);
            }
            layer.weights.resize(units, vec![0; inputs]);
            layer.biases.resize(units, 0);
            inputs = units;
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

/// A layer that passes `units` activations through unchanged: weight 1 on the diagonal with no
/// fraction bits, zero biases. Exact on a hidden layer's outputs: `x * 1 >> 0` is `x`, a Q6.10
/// word saturates to itself, and ReLU leaves the non-negative outputs of a ReLU alone.
fn identity(units: usize) -> DenseQ {
    DenseQ {
        weight_frac: 0,
        weights: (0..units)
            .map(|o| (0..units).map(|i| i16::from(i == o)).collect())
            .collect(),
        biases: vec![0; units],
    }
}
