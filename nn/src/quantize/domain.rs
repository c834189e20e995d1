//! The input domains: per feature, the fixed input values a predictor sees on a board and in a
//! conductance window (the `quantize` module docs, "Input domains"), with the evaluation grid,
//! the bound's tiles and the float value of each.

use ouro_core::board::BoardConfig;
use ouro_core::qformat::{log2_word, ACT_FRAC};
use ouro_core::schema::{Feature, Situation, PROBE_CHANGE_FLOOR_US};
use ouro_core::Polarity;

/// Points per reading axis of the evaluation grids of a history-aware predictor (at most; the
/// option's `grid_points` when smaller). A blind predictor uses `grid_points` itself.
pub const HISTORY_READING_POINTS: usize = 24;

/// Points of the probe-delta axis of the evaluation grids (evenly spaced over the domain, both
/// ends and 0 included).
pub const DELTA_POINTS: usize = 9;

/// The domain of one input: its fixed input values `v` (ADC code, code difference, or Q6.10
/// word), `lo, lo + step, ..., hi`; the gateware's input word is `v - offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Domain {
    /// The feature.
    pub(super) feature: Feature,
    /// Subtracted from the value to make the input word.
    pub(super) offset: i32,
    /// The lowest value.
    pub(super) lo: i64,
    /// The highest value.
    pub(super) hi: i64,
    /// 1 for codes and code differences; `1 << ACT_FRAC` for the integer-valued words
    /// (probe exponents and levels), which are taken one by one.
    pub(super) step: i64,
}

impl Domain {
    /// Whether the values are taken one by one (an exponent or a level) rather than on a grid.
    pub(super) fn discrete(&self) -> bool {
        self.step > 1
    }

    /// Every value, for a discrete domain.
    fn values(&self) -> Vec<i64> {
        (0..=(self.hi - self.lo) / self.step)
            .map(|i| self.lo + i * self.step)
            .collect()
    }

    /// `points` values evenly spaced over the domain, both ends included and rounded to the
    /// step, without repeats; every value of a discrete domain.
    pub(super) fn grid(&self, points: usize) -> Vec<i64> {
        if self.discrete() {
            return self.values();
        }
        let n = points.max(2) as i64 - 1;
        let mut v: Vec<i64> = (0..=n)
            .map(|i| self.lo + ((self.hi - self.lo) * i + n / 2).div_euclid(n))
            .collect();
        v.dedup();
        v
    }

    /// The domain cut into `per_axis` intervals of values (adjacent ones share their ends),
    /// or one point per value for a discrete domain.
    pub(super) fn cuts(&self, per_axis: usize) -> Vec<(i64, i64)> {
        if self.discrete() {
            return self.values().into_iter().map(|v| (v, v)).collect();
        }
        let n = per_axis.max(1) as i64;
        let ends: Vec<i64> = (0..=n)
            .map(|t| self.lo + (self.hi - self.lo) * t / n)
            .collect();
        ends.windows(2).map(|w| (w[0], w[1])).collect()
    }

    /// A value as the gateware's input value (the word as Q6.10).
    pub(super) fn input_value(&self, v: i64) -> f64 {
        (v - i64::from(self.offset)) as f64 / f64::from(1u32 << ACT_FRAC)
    }
}

/// The domain of every feature of a predictor: readings the window's codes `codes`
/// (offset `reading_offset`), the probe's change `-(hi - lo)..=hi - lo`, the probe's log2
/// duration every `k << 10` with `2^k` cycles within the board's pulse limits, the level every
/// `level << 10` below `levels`.
pub(super) fn domains(
    features: &[Feature],
    board: &BoardConfig,
    codes: (u16, u16),
    reading_offset: i32,
    levels: usize,
) -> Vec<Domain> {
    let (lo, hi) = (i64::from(codes.0), i64::from(codes.1));
    let word = 1i64 << ACT_FRAC;
    let (k0, k1) = exponent_range(board);
    features
        .iter()
        .map(|&feature| {
            let (offset, lo, hi, step) = match feature {
                Feature::GNow | Feature::GTarget => (reading_offset, lo, hi, 1),
                Feature::ProbeDelta => (0, lo - hi, hi - lo, 1),
                // Words of log2 of the change in codes, from the floor to the window's span.
                Feature::ProbeLog2Change => (
                    0,
                    i64::from(log2_word(probe_floor_codes(board))),
                    i64::from(log2_word((hi - lo).max(1) as u32)),
                    1,
                ),
                Feature::ProbeLog2 => (0, i64::from(k0) * word, i64::from(k1) * word, word),
                Feature::Level => (0, 0, (levels.max(1) as i64 - 1) * word, word),
            };
            Domain {
                feature,
                offset,
                lo,
                hi,
                step,
            }
        })
        .collect()
}

/// The floor of [`Feature::ProbeLog2Change`] in this board's ADC codes: the codes nearest
/// [`PROBE_CHANGE_FLOOR_US`], at least one.
pub fn probe_floor_codes(board: &BoardConfig) -> u32 {
    ((PROBE_CHANGE_FLOOR_US * board.codes_per_us()).round() as u32).max(1)
}

/// The probe exponents `k` of a board: `2^k` cycles within `[min_pulse_cycles,
/// max_pulse_cycles]`.
pub fn exponent_range(board: &BoardConfig) -> (u32, u32) {
    let k0 = board
        .min_pulse_cycles
        .max(1)
        .next_power_of_two()
        .trailing_zeros();
    let k1 = 31 - board.max_pulse_cycles.max(1).leading_zeros();
    (k0, k1.max(k0))
}

/// The float value of a feature whose fixed input value is `v` (the gateware word plus the
/// offset): for a reading the centre of the code's bin ([`BoardConfig::us_of_code`]), else
/// [`Feature::affine`].
pub fn float_value(board: &BoardConfig, feature: Feature, v: i64) -> f64 {
    if feature.is_reading() {
        board.us_of_code(v.clamp(0, i64::from(u16::MAX)) as u16)
    } else {
        let (a, b) = feature.affine(board);
        a * v as f64 + b
    }
}

/// Set a feature's value in a situation.
pub(super) fn set<T>(s: &mut Situation<T>, feature: Feature, v: T) {
    match feature {
        Feature::GNow => s.now = v,
        Feature::GTarget => s.target = v,
        Feature::ProbeDelta => s.probe_delta = v,
        Feature::ProbeLog2Change => s.probe_log2_change = v,
        Feature::ProbeLog2 => s.probe_log2 = v,
        Feature::Level => s.level = v,
    }
}

/// The float situation of a fixed one (every value through [`float_value`]).
pub fn float_situation(board: &BoardConfig, s: &Situation<i32>) -> Situation<f64> {
    let mut f = Situation::default();
    for feature in Feature::ALL {
        set(
            &mut f,
            feature,
            float_value(board, feature, i64::from(feature.of(s))),
        );
    }
    f
}

/// Call `f` with every point of the product of `axes` (one value per axis), the last axis
/// fastest.
pub(super) fn for_each_point<T: Copy>(axes: &[Vec<T>], mut f: impl FnMut(&[T])) {
    if axes.iter().any(Vec::is_empty) {
        return;
    }
    let mut idx = vec![0usize; axes.len()];
    let mut point: Vec<T> = axes.iter().map(|a| a[0]).collect();
    loop {
        f(&point);
        let mut k = axes.len();
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < axes[k].len() {
                point[k] = axes[k][idx[k]];
                break;
            }
            idx[k] = 0;
            point[k] = axes[k][0];
        }
    }
}

/// Whether a box of readings (per input, a range of values) holds a move of `polarity`, given
/// the positions of the two readings among the inputs.
pub(super) fn holds_move(ranges: &[(i64, i64)], now: usize, target: usize, p: Polarity) -> bool {
    match p {
        Polarity::Set => ranges[now].0 < ranges[target].1,
        Polarity::Reset => ranges[now].1 > ranges[target].0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> BoardConfig {
        BoardConfig::default_board()
    }

    #[test]
    fn every_feature_has_its_domain() {
        let b = board();
        let f = [
            Feature::GNow,
            Feature::GTarget,
            Feature::ProbeDelta,
            Feature::ProbeLog2,
            Feature::Level,
        ];
        let d = domains(&f, &b, (586, 3471), 2048, 4);
        assert_eq!(
            (d[0].lo, d[0].hi, d[0].offset, d[0].step),
            (586, 3471, 2048, 1)
        );
        assert_eq!(
            d[1],
            Domain {
                feature: Feature::GTarget,
                ..d[0]
            }
        );
        assert_eq!((d[2].lo, d[2].hi, d[2].offset), (-2885, 2885, 0));
        // iCEBreaker: 1 .. 131072 cycles, so k = 0 ..= 17.
        assert_eq!(exponent_range(&b), (0, 17));
        assert_eq!((d[3].lo, d[3].hi, d[3].step), (0, 17 << 10, 1024));
        assert_eq!(d[3].grid(5).len(), 18);
        assert_eq!(
            d[4].cuts(7),
            vec![(0, 0), (1024, 1024), (2048, 2048), (3072, 3072)]
        );
        // A continuous axis: both ends and 0 on an odd grid; cuts that tile it.
        let g = d[2].grid(DELTA_POINTS);
        assert_eq!((g[0], g[4], g[8], g.len()), (-2885, 0, 2885, 9));
        let c = d[2].cuts(4);
        assert_eq!((c[0].0, c[3].1, c.len()), (-2885, 2885, 4));
        assert!(c.windows(2).all(|w| w[0].1 == w[1].0));
        // Values as gateware inputs: the word over 1024.
        assert_eq!(d[0].input_value(2048 + 512), 0.5);
        assert_eq!(d[3].input_value(7 << 10), 7.0);
    }

    #[test]
    fn exponents_stay_within_the_pulse_limits() {
        let mut b = board();
        b.min_pulse_cycles = 3;
        b.max_pulse_cycles = 100_000;
        // 4 .. 65536 cycles.
        assert_eq!(exponent_range(&b), (2, 16));
        b.min_pulse_cycles = 4;
        assert_eq!(exponent_range(&b).0, 2);
    }

    #[test]
    fn float_values_follow_the_affine_maps() {
        let b = board();
        assert_eq!(float_value(&b, Feature::GNow, 1000), b.us_of_code(1000));
        let d = float_value(&b, Feature::ProbeDelta, -31);
        assert!((d + 31.0 / b.codes_per_us()).abs() < 1e-12);
        let s = float_situation(
            &b,
            &Situation {
                now: 700,
                target: 900,
                probe_delta: 12,
                probe_log2_change: 3 << 10,
                probe_log2: 5 << 10,
                level: 2 << 10,
            },
        );
        assert_eq!(s.level, 2.0);
        assert!((s.probe_log2 - (32.0f64 / 12e6).log2()).abs() < 1e-12);
        assert!((s.target - s.now - 200.0 / b.codes_per_us()).abs() < 1e-9);
    }

    #[test]
    fn the_product_visits_every_point_once() {
        let mut seen = Vec::new();
        for_each_point(&[vec![1, 2], vec![10, 20, 30]], |p| seen.push(p.to_vec()));
        assert_eq!(seen.len(), 6);
        assert_eq!(
            (seen[0].clone(), seen[1].clone()),
            (vec![1, 10], vec![1, 20])
        );
        assert_eq!(seen[5], vec![2, 30]);
        let mut n = 0;
        for_each_point::<i64>(&[vec![1], vec![]], |_| n += 1);
        assert_eq!(n, 0);
    }
}
