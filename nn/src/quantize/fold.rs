//! Folding: the input normalisation and the ADC, the power-of-two scales of the hidden units,
//! the output's de-normalisation and unit change are folded into each layer's weights and
//! biases, which are then rounded at the largest `weight_frac` that fits (the `quantize` module
//! docs say what is folded where). The scaling is chosen to minimise the error bound of
//! [`super::bound`].

use super::bound::{tile_bound, HISTORY_SEARCH_TILES, HISTORY_TILES, SEARCH_TILES, TILES};
use super::domain::{for_each_point, Domain};
use super::report::LayerInfo;
use super::ACT_HEADROOM;
use crate::network::FloatNetwork;
use crate::NnError;
use ouro_core::board::BoardConfig;
use ouro_core::qformat::{ACT_FRAC, MAX_WEIGHT_FRAC};
use ouro_core::schema::{DenseQ, Feature, MlpF, MlpQ};
use ouro_core::Polarity;

/// One quantized network and what is known about it.
pub(super) struct NetworkQ {
    pub(super) net: MlpQ,
    pub(super) info: Vec<LayerInfo>,
    /// The error bound of the output, log2 units.
    pub(super) bound: f64,
    /// Whether interval arithmetic could not exclude saturation in the input domains.
    pub(super) may_saturate: bool,
}

/// What the folding of one network needs to know.
pub(super) struct Fold<'a> {
    pub(super) board: &'a BoardConfig,
    /// Per input, its domain (the feature, its offset, its values).
    pub(super) domains: &'a [Domain],
    /// Per input, the values of the activation grid, each with its float value.
    pub(super) grid: &'a [Vec<(i64, f64)>],
    /// The window's lowest and highest codes.
    pub(super) code_range: (u16, u16),
}

impl Fold<'_> {
    /// The positions of the two readings among the inputs (validation guarantees both).
    pub(super) fn readings(&self) -> (usize, usize) {
        let pos = |f: Feature| {
            self.domains
                .iter()
                .position(|d| d.feature == f)
                .expect("validated features include both readings")
        };
        (pos(Feature::GNow), pos(Feature::GTarget))
    }

    /// Quantize one network: the fixed network, per-layer facts and the output's error bound.
    pub(super) fn network(&self, polarity: Polarity, net: &MlpF) -> Result<NetworkQ, NnError> {
        let n_layers = net.layers.len();
        let last = n_layers - 1;
        let log2_clock = (self.board.clock_hz as f64).log2();

        // Largest float activation of each hidden unit, and largest |log2(cycles)| of the
        // output, over every point of the grid (for two readings, every ordered pair of grid
        // codes) that is a move of this polarity.
        let mut max_act: Vec<Vec<f64>> = net
            .layers
            .iter()
            .map(|l| vec![0.0; l.weights.len()])
            .collect();
        let (now, target) = self.readings();
        let mut inputs = vec![0.0; self.domains.len()];
        for_each_point(self.grid, |point| {
            // The network only ever sees the moves of its own polarity.
            if Polarity::towards(point[now].0, point[target].0) != Some(polarity) {
                return;
            }
            for (x, &(_, f)) in inputs.iter_mut().zip(point) {
                *x = f;
            }
            let outs = net.layer_outputs(&inputs);
            for (m, outs) in max_act.iter_mut().zip(&outs[..last]) {
                for (m, v) in m.iter_mut().zip(outs) {
                    *m = m.max(*v);
                }
            }
            let y = outs[last][0] * net.output_std + net.output_mean + log2_clock;
            max_act[last][0] = max_act[last][0].max(y.abs());
        });
        // Power-of-two scale of each hidden unit: the largest that keeps it within the
        // headroom, but at most `2^extra[l]` above the layer's common scale (the scale of its
        // largest unit), so that a nearly dead unit does not cost the layer's other weights
        // their fraction bits. The extras are searched for the smallest error bound.
        let hidden = last;
        let extras: Vec<Vec<i32>> = if hidden <= 3 {
            (0..(MAX_EXTRA + 1).pow(hidden as u32))
                .map(|mut n| {
                    (0..hidden)
                        .map(|_| {
                            let e = (n % (MAX_EXTRA + 1)) as i32;
                            n /= MAX_EXTRA + 1;
                            e
                        })
                        .collect()
                })
                .collect()
        } else {
            (0..=MAX_EXTRA as i32).map(|e| vec![e; hidden]).collect()
        };
        let tables = self.input_tables(net);
        let in_err = if tables.is_some() {
            0.5 / f64::from(1u32 << ACT_FRAC)
        } else {
            0.0
        };
        let (tiles, search_tiles) =
            if self.domains.iter().any(Domain::discrete) || self.domains.len() > 2 {
                (HISTORY_TILES, HISTORY_SEARCH_TILES)
            } else {
                (TILES, SEARCH_TILES)
            };
        let coarse = self.tiles(search_tiles, polarity, tables.as_ref());
        let mut best: Option<(f64, Vec<Vec<i32>>)> = None;
        for (n, extra) in extras.iter().enumerate() {
            let exps = unit_exponents(&max_act[..last], extra);
            let folded = match self.fold(polarity, net, &exps, tables.as_ref()) {
                Ok(f) => f,
                // The plain per-layer scaling must work; a finer one may not.
                Err(e) if n == 0 => return Err(e),
                Err(_) => continue,
            };
            let bound = coarse
                .iter()
                .map(|(lo, hi)| tile_bound(&folded, lo.clone(), hi.clone(), in_err).0[last])
                .fold(0.0f64, f64::max);
            if best.as_ref().map_or(true, |(b, _)| bound < *b) {
                best = Some((bound, exps));
            }
        }
        let (_, exps) = best.expect("the first candidate succeeded");
        let folded = self.fold(polarity, net, &exps, tables.as_ref())?;

        // The error bound: the worst over tiles of the inputs' domains.
        let mut layer_bound = vec![0.0f64; n_layers];
        let mut may_saturate = false;
        for (lo, hi) in self.tiles(tiles, polarity, tables.as_ref()) {
            let (bounds, sat) = tile_bound(&folded, lo, hi, in_err);
            may_saturate |= sat;
            for (m, e) in layer_bound.iter_mut().zip(bounds) {
                *m = m.max(e);
            }
        }
        let info = (0..n_layers)
            .map(|l| LayerInfo {
                weight_frac: folded[l].q.weight_frac,
                act_exp: exps.get(l).cloned().unwrap_or_default(),
                max_activation: if l == last {
                    max_act[l][0]
                } else {
                    max_act[l]
                        .iter()
                        .zip(&exps[l])
                        .map(|(m, &e)| m * f64::from(e).exp2())
                        .fold(0.0, f64::max)
                },
                bound: layer_bound[l],
            })
            .collect();
        let layers = folded.into_iter().map(|f| f.q).collect();
        Ok(NetworkQ {
            net: MlpQ {
                layers,
                input_tables: tables.map_or_else(Vec::new, |t| t.words),
            },
            info,
            bound: layer_bound[last],
            may_saturate,
        })
    }

    /// Fold normalisation, scaling and units into the layers (`exps`: the power-of-two scale
    /// of every hidden unit) and quantize them.
    fn fold(
        &self,
        polarity: Polarity,
        net: &MlpF,
        exps: &[Vec<i32>],
        tables: Option<&InputWords>,
    ) -> Result<Vec<Folded>, NnError> {
        let last = net.layers.len() - 1;
        let one = f64::from(1u32 << ACT_FRAC);
        let log2_clock = (self.board.clock_hz as f64).log2();
        // The float input as an affine function of the gateware's input value x_i (the word
        // over 1024): the feature's float value is `a_i (1024 x_i + offset_i) + s_i`
        // (`Feature::affine`), normalised, so h_0,i = x_i * c_i + d_i with
        // c_i = 1024 a_i / std_i and d_i = (a_i offset_i + s_i - mean_i) / std_i.
        let mut c: Vec<f64> = Vec::with_capacity(self.domains.len());
        let mut d: Vec<f64> = Vec::with_capacity(self.domains.len());
        for ((dom, m), s) in self.domains.iter().zip(&net.input_mean).zip(&net.input_std) {
            let (a, shift) = dom.feature.affine(self.board);
            c.push(one * a / s);
            d.push((a * f64::from(dom.offset) + shift - m) / s);
        }
        if let Some(t) = tables {
            // A tabled input's word is the table's value scaled by 2^e: h_0,i = x_i * 2^-e_i
            // (the tables are the leading inputs'; the others stay as above).
            for (i, &e) in t.exps.iter().enumerate() {
                c[i] = f64::from(-e).exp2();
                d[i] = 0.0;
            }
        }
        let mut folded = Vec::with_capacity(net.layers.len());
        for (l, layer) in net.layers.iter().enumerate() {
            // Output scale of unit j: a_j = alpha_j * z_j + beta, z the float pre-activation.
            let (alpha, beta): (Vec<f64>, f64) = if l == last {
                (vec![net.output_std], net.output_mean + log2_clock)
            } else {
                (exps[l].iter().map(|&e| f64::from(e).exp2()).collect(), 0.0)
            };
            let w: Vec<Vec<f64>> = layer
                .weights
                .iter()
                .zip(&alpha)
                .map(|(row, a)| row.iter().zip(&c).map(|(w, ci)| a * w * ci).collect())
                .collect();
            let b: Vec<f64> = layer
                .weights
                .iter()
                .zip(&layer.biases)
                .zip(&alpha)
                .map(|((row, bj), a)| {
                    a * (bj + row.iter().zip(&d).map(|(w, di)| w * di).sum::<f64>()) + beta
                })
                .collect();
            let q = quantize_layer(polarity, l, &w, &b)?;
            c = alpha.iter().map(|a| a.recip()).collect();
            d = vec![0.0; w.len()];
            folded.push(Folded { w, b, q });
        }
        Ok(folded)
    }
}

/// A network's quantized input tables: per input, the word of every ADC code, and the
/// power-of-two scale `2^e` of the table's values in the words.
pub(super) struct InputWords {
    pub(super) words: Vec<Vec<i16>>,
    pub(super) exps: Vec<i32>,
}

impl Fold<'_> {
    /// Quantize the float network's input tables, if it has any: every ADC code's reading is
    /// normalised and looked up, and the value scaled by the largest `2^e` that keeps the
    /// window's values within [`ACT_HEADROOM`], then rounded to Q6.10.
    fn input_tables(&self, net: &MlpF) -> Option<InputWords> {
        if net.input_tables.is_empty() {
            return None;
        }
        let one = f64::from(1u32 << ACT_FRAC);
        let codes = 1usize << self.board.adc.bits;
        let (w0, w1) = (
            usize::from(self.code_range.0),
            usize::from(self.code_range.1),
        );
        let mut words = Vec::new();
        let mut exps = Vec::new();
        for (i, t) in net.input_tables.iter().enumerate() {
            let values: Vec<f64> = (0..codes)
                .map(|c| {
                    let g = self.board.us_of_code(c as u16);
                    t.eval((g - net.input_mean[i]) / net.input_std[i])
                })
                .collect();
            let max = values[w0..=w1]
                .iter()
                .fold(0.0f64, |m, v| m.max(v.abs()))
                .max(1e-6);
            let mut e = ((ACT_HEADROOM / max).log2().floor() as i32).clamp(-8, 14);
            while max * f64::from(e).exp2() > ACT_HEADROOM {
                e -= 1;
            }
            let scale = f64::from(e).exp2() * one;
            words.push(
                values
                    .iter()
                    .map(|v| (v * scale).round().clamp(-32768.0, 32767.0) as i16)
                    .collect(),
            );
            exps.push(e);
        }
        Some(InputWords { words, exps })
    }
}

/// A hidden unit's scale may exceed its layer's common scale by up to `2^MAX_EXTRA`.
const MAX_EXTRA: usize = 3;

/// The power-of-two scale of every hidden unit (the `quantize` module docs): the largest with
/// `max * 2^e <= ACT_HEADROOM`, at most `extra[l]` above the layer's smallest such exponent.
fn unit_exponents(max_act: &[Vec<f64>], extra: &[i32]) -> Vec<Vec<i32>> {
    max_act
        .iter()
        .zip(extra)
        .map(|(units, &extra)| {
            let fit = |m: f64| {
                let mut e = (ACT_HEADROOM / m).log2().floor() as i32;
                while m * f64::from(e).exp2() > ACT_HEADROOM {
                    e -= 1;
                }
                e.clamp(-64, 64)
            };
            let live: Vec<i32> = units
                .iter()
                .filter(|&&m| m > 0.0)
                .map(|&m| fit(m))
                .collect();
            let common = live.iter().copied().min().unwrap_or(0);
            units
                .iter()
                .map(|&m| {
                    if m > 0.0 {
                        fit(m).min(common + extra)
                    } else {
                        common
                    }
                })
                .collect()
        })
        .collect()
}

/// One layer: the exact folded weights and biases and their quantization.
pub(super) struct Folded {
    pub(super) w: Vec<Vec<f64>>,
    pub(super) b: Vec<f64>,
    pub(super) q: DenseQ,
}

/// Round a folded layer at the largest weight_frac that fits; biases carry the rounding
/// constant `2^(weight_frac - 1)`.
fn quantize_layer(
    network: Polarity,
    layer: usize,
    w: &[Vec<f64>],
    b: &[f64],
) -> Result<DenseQ, NnError> {
    let max_w = w.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    let max_b = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let fits_w = |wf: u32| {
        let s = f64::from(wf).exp2();
        w.iter()
            .flatten()
            .all(|v| (i16::MIN as f64..=i16::MAX as f64).contains(&(v * s).round()))
    };
    let fits_b = |wf: u32| {
        let s = f64::from(ACT_FRAC + wf).exp2();
        let rounding = if wf > 0 {
            f64::from(wf - 1).exp2()
        } else {
            0.0
        };
        b.iter()
            .all(|v| (i32::MIN as f64..=i32::MAX as f64).contains(&((v * s).round() + rounding)))
    };
    let Some(wf) = (0..=MAX_WEIGHT_FRAC)
        .rev()
        .find(|&wf| fits_w(wf) && fits_b(wf))
    else {
        return Err(if !fits_w(0) {
            NnError::WeightRange {
                network,
                layer,
                value: max_w,
            }
        } else {
            NnError::BiasRange {
                network,
                layer,
                value: max_b,
            }
        });
    };
    let ws = f64::from(wf).exp2();
    let bs = f64::from(ACT_FRAC + wf).exp2();
    let rounding = if wf > 0 { 1i64 << (wf - 1) } else { 0 };
    Ok(DenseQ {
        weight_frac: wf,
        weights: w
            .iter()
            .map(|row| row.iter().map(|v| (v * ws).round() as i16).collect())
            .collect(),
        biases: b
            .iter()
            .map(|v| ((v * bs).round() as i64 + rounding) as i32)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_takes_the_largest_weight_frac_that_fits() {
        let q = quantize_layer(Polarity::Set, 0, &[vec![0.5, -0.25]], &[0.125]).unwrap();
        assert_eq!(q.weight_frac, MAX_WEIGHT_FRAC);
        assert_eq!(q.weights, vec![vec![16384, -8192]]);
        // 0.125 at 10 + 15 fraction bits, plus the rounding constant 2^14.
        assert_eq!(q.biases, vec![(1 << 22) + (1 << 14)]);
        // 1.0 needs 2^15 at 15 fraction bits, one more than i16 holds.
        let q = quantize_layer(Polarity::Set, 0, &[vec![1.0]], &[0.0]).unwrap();
        assert_eq!((q.weight_frac, q.weights[0][0]), (14, 16384));
        // Rounding is to nearest, half away from zero: -1.5 LSB becomes -2.
        let q = quantize_layer(Polarity::Set, 0, &[vec![-3.0 / 65536.0]], &[0.0]).unwrap();
        assert_eq!((q.weight_frac, q.weights[0][0]), (15, -2));
    }

    #[test]
    fn with_no_fraction_bits_the_bias_carries_no_rounding_constant() {
        let q = quantize_layer(Polarity::Set, 0, &[vec![20000.0]], &[1.0]).unwrap();
        assert_eq!(q.weight_frac, 0);
        assert_eq!((q.weights[0][0], q.biases[0]), (20000, 1024));
    }

    #[test]
    fn unrepresentable_weights_and_biases_are_errors() {
        let e = quantize_layer(Polarity::Reset, 2, &[vec![40000.0]], &[0.0]).unwrap_err();
        assert!(
            matches!(e, NnError::WeightRange { network: Polarity::Reset, layer: 2, value }
                if value == 40000.0),
            "{e}"
        );
        // Any bias beyond 2^31 / 2^10 overflows i32 even with no weight fraction bits.
        let e = quantize_layer(Polarity::Set, 1, &[vec![0.5]], &[3e6]).unwrap_err();
        assert!(
            matches!(e, NnError::BiasRange { network: Polarity::Set, layer: 1, value }
                if value == 3e6),
            "{e}"
        );
    }

    #[test]
    fn unit_scales_keep_the_headroom_and_their_extra() {
        // 4 fits 2^2 (16 = ACT_HEADROOM), 1 fits 2^4, 5 fits 2^1; a dead unit takes the
        // layer's common exponent.
        let max_act = [vec![4.0, 1.0, 0.0, 5.0]];
        assert_eq!(unit_exponents(&max_act, &[0]), vec![vec![1, 1, 1, 1]]);
        assert_eq!(unit_exponents(&max_act, &[1]), vec![vec![2, 2, 1, 1]]);
        assert_eq!(unit_exponents(&max_act, &[3]), vec![vec![2, 4, 1, 1]]);
        // A layer with no live unit is not scaled.
        assert_eq!(unit_exponents(&[vec![0.0, 0.0]], &[3]), vec![vec![0, 0]]);
        // Every unit stays within the headroom.
        for (m, e) in max_act[0].iter().zip(&unit_exponents(&max_act, &[3])[0]) {
            assert!(m * f64::from(*e).exp2() <= ACT_HEADROOM);
        }
    }
}
