//! The board's read path as the FPGA sees it: cell conductance, plus read noise, through the
//! transimpedance amplifier into the ADC, out as a code.

use ouro_core::board::BoardConfig;
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// Read a cell of conductance `g_us` once: Gaussian read noise of `board.read_noise_us`, then
/// ADC quantisation (floor, clamped to the code range).
pub fn read_code<R: Rng + ?Sized>(board: &BoardConfig, g_us: f64, rng: &mut R) -> u16 {
    let noise = if board.read_noise_us > 0.0 {
        Normal::new(0.0, board.read_noise_us)
            .expect("validated: finite, non-negative")
            .sample(rng)
    } else {
        0.0
    };
    board.code_of_us(g_us + noise)
}

/// Read a cell `reads` times and average the codes as the gateware does: the sum, divided by
/// `reads` with the remainder dropped (a shift when `reads` is a power of two). Averaging four
/// reads halves the read noise.
pub fn read_mean_code<R: Rng + ?Sized>(
    board: &BoardConfig,
    g_us: f64,
    reads: u32,
    rng: &mut R,
) -> u16 {
    let reads = reads.max(1);
    let sum: u32 = (0..reads)
        .map(|_| u32::from(read_code(board, g_us, rng)))
        .sum();
    (sum / reads) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn readings_are_noisy_codes_around_the_truth_and_reproducible() {
        let board = BoardConfig::default_board();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let codes: Vec<u16> = (0..2000)
            .map(|_| read_code(&board, 300.0, &mut rng))
            .collect();
        let mean = codes.iter().map(|&c| board.us_of_code(c)).sum::<f64>() / codes.len() as f64;
        assert!((mean - 300.0).abs() < 0.05, "{mean}");
        assert!(codes.iter().any(|&c| c != codes[0]), "noise must show");
        let mut rng2 = Xoshiro256PlusPlus::seed_from_u64(7);
        assert_eq!(read_code(&board, 300.0, &mut rng2), codes[0]);
        let quiet = BoardConfig {
            read_noise_us: 0.0,
            ..board.clone()
        };
        assert_eq!(read_code(&quiet, 300.0, &mut rng2), board.code_of_us(300.0));
    }
}
