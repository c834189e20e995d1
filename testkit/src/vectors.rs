//! Input vectors for co-simulation: random words of several kinds, corner cases, and inputs
//! that drive the output layer into saturation, all from one seeded generator
//! ([`crate::rng`]).

use crate::rng::range;
use ouro_core::schema::QPredictor;
use ouro_core::Polarity;
use ouro_nn::golden::GoldenPredictor;
use rand::Rng;

/// Random inputs of `n` words: ADC-like codes (the golden model's own input mapping), full-scale
/// words, or small values, a quarter each.
pub fn random_inputs<R: Rng + ?Sized>(rng: &mut R, g: &GoldenPredictor, n: usize) -> Vec<i16> {
    match rng.random_range(0..4u8) {
        0 => {
            let r = range(rng, 0, 4095) as u16;
            let t = range(rng, 0, 4095) as u16;
            let mut v = g.inputs(Polarity::towards(r, t).unwrap_or(Polarity::Set), r, t);
            v.resize(n, 0);
            for x in v.iter_mut().skip(2) {
                *x = range(rng, -2048, 2047) as i16;
            }
            v
        }
        1 => (0..n).map(|_| rng.random::<i16>()).collect(),
        2 => (0..n).map(|_| range(rng, -64, 64) as i16).collect(),
        _ => (0..n).map(|_| range(rng, -4096, 4096) as i16).collect(),
    }
}

/// Corner vectors of `n` inputs: all zero, all full scale either way, ones, and each input
/// alone at the rails and at ADC full scale, against the others at the opposite rail.
pub fn corner_inputs(n: usize) -> Vec<Vec<i16>> {
    let mut v = vec![
        vec![0; n],
        vec![i16::MAX; n],
        vec![i16::MIN; n],
        vec![1; n],
        vec![-1; n],
    ];
    for i in 0..n {
        for val in [i16::MAX, i16::MIN, 2047, -2048] {
            let mut x = vec![0; n];
            x[i] = val;
            v.push(x);
            let mut y = vec![if val > 0 { i16::MIN } else { i16::MAX }; n];
            y[i] = val;
            v.push(y);
        }
    }
    v
}

/// Up to 8 (polarity, inputs) pairs per polarity and direction whose output saturates, from a
/// grid of 9 words per input over the whole 16-bit range (at most 9^4 points).
pub fn output_saturating_inputs(g: &GoldenPredictor, n: usize) -> Vec<(Polarity, Vec<i16>)> {
    let words: Vec<i16> = (0..9)
        .map(|k| (k * 8192 - 32768).min(32767) as i16)
        .collect();
    let dims = n.min(4);
    let mut found = Vec::new();
    for pol in [Polarity::Set, Polarity::Reset] {
        let (mut hi, mut lo) = (0, 0);
        for idx in 0..9usize.pow(dims as u32) {
            let mut x = vec![0i16; n];
            let mut r = idx;
            for v in x.iter_mut().take(dims) {
                *v = words[r % 9];
                r /= 9;
            }
            let out = g.trace(pol, &x).layers.last().unwrap()[0];
            if (out == i16::MAX && hi < 8) || (out == i16::MIN && lo < 8) {
                hi += usize::from(out == i16::MAX);
                lo += usize::from(out == i16::MIN);
                found.push((pol, x));
            }
        }
    }
    found
}

/// Whether any input words can drive either network's output beyond Q6.10: interval
/// arithmetic over the whole input box, layer by layer, in the engine's integer arithmetic (floor
/// shift, saturation, ReLU on hidden layers). `false` proves the output cannot saturate.
pub fn output_can_saturate(q: &QPredictor) -> bool {
    [&q.networks.set, &q.networks.reset].iter().any(|net| {
        let n = q.features.len();
        let mut lo = vec![i64::from(i16::MIN); n];
        let mut hi = vec![i64::from(i16::MAX); n];
        let last = net.layers.len() - 1;
        for (k, l) in net.layers.iter().enumerate() {
            let (mut nlo, mut nhi) = (Vec::new(), Vec::new());
            for (row, &b) in l.weights.iter().zip(&l.biases) {
                let (mut a, mut z) = (i64::from(b), i64::from(b));
                for ((&w, &xl), &xh) in row.iter().zip(&lo).zip(&hi) {
                    let (p, r) = (i64::from(w) * xl, i64::from(w) * xh);
                    a += p.min(r);
                    z += p.max(r);
                }
                if k == last {
                    return (z >> l.weight_frac) > i64::from(i16::MAX)
                        || (a >> l.weight_frac) < i64::from(i16::MIN);
                }
                let sat = |v: i64| (v >> l.weight_frac).clamp(0, i64::from(i16::MAX));
                nlo.push(sat(a));
                nhi.push(sat(z));
            }
            lo = nlo;
            hi = nhi;
        }
        unreachable!("the last layer returns")
    })
}
