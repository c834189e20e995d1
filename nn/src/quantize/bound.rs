//! The interval error bound: the window's box of codes cut into tiles, and on each tile a
//! bound on |fixed - float| of every layer, propagated through the exact folded network (the
//! `quantize` module docs give the recurrence; `docs/FIXED_POINT.md` section 6 explains it).

use super::fold::{Fold, Folded, InputWords};
use ouro_core::qformat::ACT_FRAC;
use ouro_core::schema::Feature;
use ouro_core::Polarity;

/// Tiles the error bound is computed over (for two inputs, 32 x 32).
pub(super) const TILES: f64 = 1024.0;
/// Tiles used while searching the scaling (16 x 16).
pub(super) const SEARCH_TILES: f64 = 256.0;

impl Fold<'_> {
    /// The window's box of codes, in gateware input values, cut into tiles (32 x 32 for two
    /// inputs); each tile as per-input `(lo, hi)`.
    ///
    /// With input tables, a tile's interval of an input is the range of the exact (unrounded)
    /// scaled table values over the tile's codes: the words' range widened by half a word.
    ///
    /// Only tiles that hold a move of `polarity` (a target above the reading for SET, below
    /// for RESET) are kept: the network never sees the others.
    pub(super) fn tiles(
        &self,
        count: f64,
        polarity: Polarity,
        tables: Option<&InputWords>,
    ) -> Vec<(Vec<f64>, Vec<f64>)> {
        let n = self.offsets.len();
        let per_axis = (count.powf(1.0 / n as f64).floor() as usize).max(1);
        let (c0, c1) = (i64::from(self.code_range.0), i64::from(self.code_range.1));
        let cuts: Vec<i64> = (0..=per_axis)
            .map(|t| c0 + (c1 - c0) * t as i64 / per_axis as i64)
            .collect();
        // Each tile also carries its code range per input, to test the polarity.
        let mut tiles: Vec<CodeTile> = vec![(Vec::new(), Vec::new(), Vec::new())];
        let one = f64::from(1u32 << ACT_FRAC);
        for (i, &off) in self.offsets.iter().enumerate() {
            let range = |c0: i64, c1: i64| -> (f64, f64) {
                match tables {
                    None => (
                        (c0 - i64::from(off)) as f64 / one,
                        (c1 - i64::from(off)) as f64 / one,
                    ),
                    Some(t) => {
                        let words = &t.words[i][c0 as usize..=c1 as usize];
                        let lo = words.iter().copied().min().unwrap_or(0);
                        let hi = words.iter().copied().max().unwrap_or(0);
                        ((f64::from(lo) - 0.5) / one, (f64::from(hi) + 0.5) / one)
                    }
                }
            };
            let ranges: Vec<((f64, f64), (i64, i64))> = cuts
                .windows(2)
                .map(|w| (range(w[0], w[1]), (w[0], w[1])))
                .collect();
            tiles = tiles
                .into_iter()
                .flat_map(|(lo, hi, codes)| {
                    ranges.iter().map(move |&((a, b), c)| {
                        let (mut lo, mut hi, mut codes) = (lo.clone(), hi.clone(), codes.clone());
                        lo.push(a);
                        hi.push(b);
                        codes.push(c);
                        (lo, hi, codes)
                    })
                })
                .collect();
        }
        let now = self.features.iter().position(|f| *f == Feature::GNow);
        let target = self.features.iter().position(|f| *f == Feature::GTarget);
        tiles
            .into_iter()
            .filter(|(_, _, codes)| match (now, target) {
                (Some(n), Some(t)) => match polarity {
                    Polarity::Set => codes[n].0 < codes[t].1,
                    Polarity::Reset => codes[n].1 > codes[t].0,
                },
                _ => true,
            })
            .map(|(lo, hi, _)| (lo, hi))
            .collect()
    }
}

/// A tile while it is built: per input, the interval of input values and the code range.
type CodeTile = (Vec<f64>, Vec<f64>, Vec<(i64, i64)>);

/// The error bound of every layer (largest over its units, Q6.10 units) for inputs in the box
/// `lo..=hi` (the `quantize` module docs). Interval arithmetic through the exact network
/// bounds each activation; a hidden unit whose fixed and exact pre-activations are both
/// provably negative on the box is exactly 0 in both and carries no error.
///
/// Also says whether the fixed network may saturate on the box (an activation within its
/// bound of the top of Q6.10, or for the output of either end).
pub(super) fn tile_bound(
    layers: &[Folded],
    mut lo: Vec<f64>,
    mut hi: Vec<f64>,
    input_err: f64,
) -> (Vec<f64>, bool) {
    let last = layers.len() - 1;
    let one = f64::from(1u32 << ACT_FRAC);
    let mut err = vec![input_err; lo.len()];
    let mut out = Vec::with_capacity(layers.len());
    let top = f64::from(i16::MAX) / one;
    let bottom = f64::from(i16::MIN) / one;
    let mut may_saturate = false;
    for (l, Folded { w, b, q }) in layers.iter().enumerate() {
        let wf = q.weight_frac;
        let w_scale = f64::from(wf).exp2();
        let b_scale = f64::from(ACT_FRAC + wf).exp2();
        let round_err = if wf > 0 { 0.5 / one } else { 0.0 };
        let rounding = if wf > 0 { 1i64 << (wf - 1) } else { 0 };
        let amax: Vec<f64> = lo
            .iter()
            .zip(&hi)
            .map(|(a, b)| a.abs().max(b.abs()))
            .collect();
        let mut new_err = Vec::with_capacity(w.len());
        let mut new_lo = Vec::with_capacity(w.len());
        let mut new_hi = Vec::with_capacity(w.len());
        for ((w_row, q_row), (&b_j, &b_int)) in
            w.iter().zip(&q.weights).zip(b.iter().zip(&q.biases))
        {
            let bq = (i64::from(b_int) - rounding) as f64 / b_scale;
            let mut e = round_err + (bq - b_j).abs();
            let (mut zl, mut zh) = (b_j, b_j);
            for (((&w_ji, &q_ji), (&e_i, &a_i)), (&lo_i, &hi_i)) in w_row
                .iter()
                .zip(q_row)
                .zip(err.iter().zip(&amax))
                .zip(lo.iter().zip(&hi))
            {
                let wq = f64::from(q_ji) / w_scale;
                e += wq.abs() * e_i + (wq - w_ji).abs() * a_i;
                let (p, r) = (w_ji * lo_i, w_ji * hi_i);
                zl += p.min(r);
                zh += p.max(r);
            }
            // Slack for the float arithmetic of this bound itself.
            e += 1e-9;
            may_saturate |= zh + e >= top || (l == last && zl - e <= bottom);
            if l == last {
                new_lo.push(zl);
                new_hi.push(zh);
            } else {
                if zh + e < 0.0 {
                    e = 0.0;
                }
                new_lo.push(zl.max(0.0));
                new_hi.push(zh.max(0.0));
            }
            new_err.push(e);
        }
        out.push(new_err.iter().fold(0.0f64, |m, &v| m.max(v)));
        err = new_err;
        lo = new_lo;
        hi = new_hi;
    }
    (out, may_saturate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantize::input_offset;
    use ouro_core::board::BoardConfig;
    use ouro_core::schema::DenseQ;

    /// One layer `y = w x + b` with its exact quantization at `weight_frac` 14.
    fn layer(w: f64, b: f64) -> Folded {
        let s = f64::from(1u32 << 14);
        Folded {
            w: vec![vec![w]],
            b: vec![b],
            q: DenseQ {
                weight_frac: 14,
                weights: vec![vec![(w * s).round() as i16]],
                biases: vec![(b * s * 1024.0).round() as i32 + (1 << 13)],
            },
        }
    }

    const R: f64 = 0.5 / 1024.0;

    #[test]
    fn exact_weights_leave_the_requantization_step() {
        let (bounds, sat) = tile_bound(&[layer(1.0, 0.25)], vec![-1.0], vec![1.0], 0.0);
        assert!((bounds[0] - R).abs() < 1e-8, "{bounds:?}");
        assert!(!sat);
        // An input error passes through the weight.
        let (bounds, _) = tile_bound(&[layer(1.5, 0.0)], vec![-1.0], vec![1.0], R);
        assert!((bounds[0] - 2.5 * R).abs() < 1e-8, "{bounds:?}");
    }

    #[test]
    fn a_provably_negative_hidden_unit_carries_no_error() {
        let net = [layer(1.0, -4.0), layer(1.0, 0.0)];
        let (bounds, _) = tile_bound(&net, vec![0.0], vec![1.0], R);
        assert_eq!(bounds[0], 0.0);
        assert!((bounds[1] - R).abs() < 1e-8, "{bounds:?}");
        // On a box where it may be positive it keeps its error.
        let (bounds, _) = tile_bound(&net, vec![0.0], vec![5.0], R);
        assert!(bounds[0] > R, "{bounds:?}");
    }

    #[test]
    fn saturation_is_flagged_near_either_end_of_the_output() {
        let (_, sat) = tile_bound(&[layer(1.0, 31.5)], vec![0.0], vec![1.0], 0.0);
        assert!(sat);
        let (_, sat) = tile_bound(&[layer(1.0, -31.5)], vec![-1.0], vec![0.0], 0.0);
        assert!(sat);
        // A hidden layer only at the top: its bottom is zero after ReLU.
        let net = [layer(1.0, -31.5), layer(1.0, 0.0)];
        let (_, sat) = tile_bound(&net, vec![-1.0], vec![0.0], 0.0);
        assert!(!sat);
    }

    #[test]
    fn tiles_cover_the_window_and_keep_their_polarity() {
        let board = BoardConfig::default_board();
        let window = ouro_sim::device::window_conductance_us();
        let code_range = (board.code_of_us(window.0), board.code_of_us(window.1));
        let offsets = [input_offset(board.adc.bits); 2];
        let fold = Fold {
            board: &board,
            features: &[Feature::GNow, Feature::GTarget],
            offsets: &offsets,
            codes: &[],
            code_range,
        };
        let one = f64::from(1u32 << ACT_FRAC);
        let lo = (f64::from(code_range.0) - f64::from(offsets[0])) / one;
        let hi = (f64::from(code_range.1) - f64::from(offsets[0])) / one;
        for polarity in [Polarity::Set, Polarity::Reset] {
            let tiles = fold.tiles(TILES, polarity, None);
            // 32 x 32 tiles, of which the diagonal and one side hold moves of a polarity.
            assert_eq!(tiles.len(), 32 * 33 / 2);
            for i in 0..2 {
                let min = tiles.iter().map(|t| t.0[i]).fold(f64::INFINITY, f64::min);
                let max = tiles
                    .iter()
                    .map(|t| t.1[i])
                    .fold(f64::NEG_INFINITY, f64::max);
                assert_eq!((min, max), (lo, hi));
            }
            // Each tile holds a move of its polarity: a target above (SET) or below (RESET)
            // the reading.
            for (l, h) in &tiles {
                match polarity {
                    Polarity::Set => assert!(l[0] < h[1]),
                    Polarity::Reset => assert!(h[0] > l[1]),
                }
            }
        }
        assert_eq!(
            fold.tiles(SEARCH_TILES, Polarity::Set, None).len(),
            16 * 17 / 2
        );
    }
}
