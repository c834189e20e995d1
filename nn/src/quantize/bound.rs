//! The interval error bound: the product of the inputs' domains (for a blind predictor the
//! window's box of codes) cut into tiles, and on each tile a
//! bound on |fixed - float| of every layer, propagated through the exact folded network (the
//! `quantize` module docs give the recurrence; `docs/FIXED_POINT.md` section 6 explains it).

use super::domain::{for_each_point, holds_move};
use super::fold::{Fold, Folded, InputWords};
use ouro_core::qformat::ACT_FRAC;
use ouro_core::Polarity;

/// Tiles the error bound of a blind predictor is computed over (32 x 32).
pub(super) const TILES: u64 = 1024;
/// Tiles used while searching the scaling of a blind predictor (16 x 16).
pub(super) const SEARCH_TILES: u64 = 256;
/// Tiles of the continuous axes (readings and the probe's change) of a history-aware
/// predictor: 16 per axis for three such axes. The probe's log2 duration and the level are
/// taken value by value on top (one tile per exponent and level).
pub(super) const HISTORY_TILES: u64 = 4096;
/// [`HISTORY_TILES`] while searching the scaling (8 per axis for three axes).
pub(super) const HISTORY_SEARCH_TILES: u64 = 512;

/// The largest `m` with `m^n <= count` (at least 1).
fn per_axis(count: u64, n: u32) -> usize {
    let mut m = 1u64;
    while (m + 1).checked_pow(n).is_some_and(|p| p <= count) {
        m += 1;
    }
    m as usize
}

impl Fold<'_> {
    /// The product of the inputs' domains, in gateware input values, cut into tiles: each
    /// continuous axis (readings, the probe's change) into `m` intervals with `m^n <= count`
    /// for `n` such axes (32 x 32 for a blind predictor and 1024), each discrete one (probe
    /// exponent, level) into its values; each tile as per-input `(lo, hi)`.
    ///
    /// With input tables, a tile's interval of an input is the range of the exact (unrounded)
    /// scaled table values over the tile's codes: the words' range widened by half a word.
    ///
    /// Only tiles that hold a move of `polarity` (a target above the reading for SET, below
    /// for RESET) are kept: the network never sees the others.
    pub(super) fn tiles(
        &self,
        count: u64,
        polarity: Polarity,
        tables: Option<&InputWords>,
    ) -> Vec<(Vec<f64>, Vec<f64>)> {
        let continuous = self.domains.iter().filter(|d| !d.discrete()).count() as u32;
        let per_axis = per_axis(count, continuous.max(1));
        let one = f64::from(1u32 << ACT_FRAC);
        // Per input, its intervals: of input values, and of the domain's values.
        let axes: Vec<Vec<TileAxis>> = self
            .domains
            .iter()
            .enumerate()
            .map(|(i, dom)| {
                dom.cuts(per_axis)
                    .into_iter()
                    .map(|(c0, c1)| {
                        let values = match tables.filter(|t| i < t.words.len()) {
                            None => (dom.input_value(c0), dom.input_value(c1)),
                            Some(t) => {
                                let words = &t.words[i][c0 as usize..=c1 as usize];
                                let lo = words.iter().copied().min().unwrap_or(0);
                                let hi = words.iter().copied().max().unwrap_or(0);
                                ((f64::from(lo) - 0.5) / one, (f64::from(hi) + 0.5) / one)
                            }
                        };
                        (values, (c0, c1))
                    })
                    .collect()
            })
            .collect();
        let (now, target) = self.readings();
        let mut tiles = Vec::new();
        let mut ranges = vec![(0i64, 0i64); axes.len()];
        for_each_point(&axes, |point| {
            for (r, (_, c)) in ranges.iter_mut().zip(point) {
                *r = *c;
            }
            if holds_move(&ranges, now, target, polarity) {
                tiles.push((
                    point.iter().map(|(v, _)| v.0).collect(),
                    point.iter().map(|(v, _)| v.1).collect(),
                ));
            }
        });
        tiles
    }
}

/// One interval of an input while tiles are built: of input values, and of the domain's
/// values (codes, to test the polarity).
type TileAxis = ((f64, f64), (i64, i64));

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
    use crate::quantize::domain::domains;
    use crate::quantize::input_offset;
    use ouro_core::board::BoardConfig;
    use ouro_core::schema::{DenseQ, Feature};

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
        let domains = domains(
            &[Feature::GNow, Feature::GTarget],
            &board,
            code_range,
            offsets[0],
            1,
        );
        let fold = Fold {
            board: &board,
            domains: &domains,
            grid: &[],
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

    #[test]
    fn history_tiles_take_exponents_and_levels_one_by_one() {
        assert_eq!((per_axis(1024, 2), per_axis(256, 2)), (32, 16));
        assert_eq!(
            (per_axis(4096, 3), per_axis(512, 3), per_axis(3, 7)),
            (16, 8, 1)
        );
        let board = BoardConfig::default_board();
        let code_range = (600u16, 3400u16);
        let features = [
            Feature::GNow,
            Feature::GTarget,
            Feature::ProbeDelta,
            Feature::ProbeLog2,
            Feature::Level,
        ];
        let domains = domains(&features, &board, code_range, 2048, 3);
        let fold = Fold {
            board: &board,
            domains: &domains,
            grid: &[],
            code_range,
        };
        let one = f64::from(1u32 << ACT_FRAC);
        let tiles = fold.tiles(HISTORY_TILES, Polarity::Reset, None);
        // 16 x 17 / 2 reading tiles, 16 of the delta, 18 exponents (k = 0..=17), 3 levels.
        assert_eq!(tiles.len(), 16 * 17 / 2 * 16 * 18 * 3);
        let span = f64::from(code_range.1 - code_range.0) / one;
        let min = |i: usize| tiles.iter().map(|t| t.0[i]).fold(f64::INFINITY, f64::min);
        let max = |i: usize| {
            tiles
                .iter()
                .map(|t| t.1[i])
                .fold(f64::NEG_INFINITY, f64::max)
        };
        assert_eq!((min(2), max(2)), (-span, span));
        assert_eq!((min(3), max(3)), (0.0, 17.0));
        assert_eq!((min(4), max(4)), (0.0, 2.0));
        // Exponents and levels are points: integers in Q6.10.
        for t in &tiles {
            for i in [3, 4] {
                assert_eq!(t.0[i], t.1[i]);
                assert_eq!(t.0[i].fract(), 0.0);
            }
            // A RESET move: the reading above the target somewhere in the tile.
            assert!(t.1[0] > t.0[1]);
        }
    }
}
