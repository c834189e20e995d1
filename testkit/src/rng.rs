//! The one seeded generator family of the fixtures: `Xoshiro256PlusPlus` (the generator the
//! device model and the trainer use), seeded from a `u64`, so a seed gives the same stream on
//! every platform.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A fixture generator from a seed.
pub fn seeded(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// A value in `lo..=hi`, uniformly.
pub fn range<R: Rng + ?Sized>(rng: &mut R, lo: i64, hi: i64) -> i64 {
    rng.random_range(lo..=hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_one_stream() {
        let a: Vec<i64> = {
            let mut r = seeded(7);
            (0..8).map(|_| range(&mut r, -5, 5)).collect()
        };
        let b: Vec<i64> = {
            let mut r = seeded(7);
            (0..8).map(|_| range(&mut r, -5, 5)).collect()
        };
        assert_eq!(a, b);
        assert!(a.iter().all(|v| (-5..=5).contains(v)));
        let mut r = seeded(8);
        assert_ne!(a, (0..8).map(|_| range(&mut r, -5, 5)).collect::<Vec<_>>());
    }
}
