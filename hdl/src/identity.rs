//! The board's build constants, one source for the gateware's command decoder and the board's
//! Rust model (`ouro_board::BoardModel`): the queue, result and table capacities, what IDENTIFY
//! answers ([`identity`]), and which LOAD_WEIGHTS addresses the board takes
//! ([`load_address_ok`]).

use crate::layout::EngineShape;
use crate::{load_image_text, HdlError};
use ouro_core::board::BoardConfig;
use ouro_core::protocol::{Identity, VERSION_MAJOR, VERSION_MINOR};
use ouro_core::schema::QPredictor;

/// Jobs the programming queue holds (one 16K x 16 SPRAM, 4 words a job).
pub const QUEUE_CAPACITY: usize = 4096;
/// Records the result store holds (one 16K x 16 SPRAM, a 16-word slot a record).
pub const RESULT_CAPACITY: usize = 1024;
/// Words of the table memory that LOAD_TABLE writes (one 16K x 16 SPRAM): addresses
/// `0..TABLE_WORDS`.
pub const TABLE_WORDS: usize = 16384;
// IDENTIFY carries the capacities as u16.
const _: () = assert!(QUEUE_CAPACITY <= u16::MAX as usize);
const _: () = assert!(RESULT_CAPACITY <= u16::MAX as usize);

/// The design id: CRC-32/ISO-HDLC (the `crc` crate's `CRC_32_ISO_HDLC`, the zip and Ethernet
/// CRC) over the bytes of `load_image_text(q, lanes)` followed by
/// `"{board name}\n{clock_hz}\n"`. A board built with other weights, another lane count or
/// for another board file name or clock has another id.
pub fn design_id(q: &QPredictor, board: &BoardConfig, lanes: usize) -> Result<u32, HdlError> {
    const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let mut digest = CRC32.digest();
    digest.update(load_image_text(q, lanes)?.as_bytes());
    digest.update(format!("{}\n{}\n", board.name, board.clock_hz).as_bytes());
    Ok(digest.finalize())
}

/// What IDENTIFY answers on a board built from `board` with the predictor `q` on an engine of
/// `lanes` lanes: version 1.0, the board's clock and ADC and DAC resolutions, the crossbar's
/// rows and columns (`mux.rows`, `mux.cols`), the lanes, the engine's inputs, the interlock's
/// synthesized pulse limits (`crate::frontend::PulseLimits::of_board`: the board file's
/// `min_pulse_cycles`, `max_pulse_cycles` and the DAC codes of its amplitude limits), the
/// capacities above and [`design_id`].
///
/// # Errors
/// [`HdlError::Predictor`] when `q` was made for another clock or ADC
/// (`QPredictor::fits`); [`HdlError::Unsupported`] when the engine cannot be built (see
/// [`EngineShape::new`]) or a field does not fit its byte (clock, rows, columns).
pub fn identity(q: &QPredictor, board: &BoardConfig, lanes: usize) -> Result<Identity, HdlError> {
    q.fits(board).map_err(HdlError::Predictor)?;
    let shape = EngineShape::new(q, lanes)?;
    let limits = crate::frontend::PulseLimits::of_board(board);
    let byte = |what: &str, v: u64| {
        u8::try_from(v)
            .map_err(|_| HdlError::Unsupported(format!("{what} = {v} does not fit a byte")))
    };
    Ok(Identity {
        major: VERSION_MAJOR,
        minor: VERSION_MINOR,
        clock_hz: u32::try_from(board.clock_hz).map_err(|_| {
            HdlError::Unsupported(format!(
                "clock_hz = {} does not fit 32 bits",
                board.clock_hz
            ))
        })?,
        adc_bits: byte("adc.bits", board.adc.bits.into())?,
        dac_bits: byte("dac.bits", board.dac.bits.into())?,
        rows: byte("mux.rows", board.mux.rows.into())?,
        cols: byte("mux.cols", board.mux.cols.into())?,
        lanes: byte("lanes", lanes as u64)?,
        inputs: byte("inputs", shape.inputs as u64)?,
        min_pulse_cycles: limits.min_cycles,
        max_pulse_cycles: limits.max_cycles,
        dac_set_limit: limits.max_code_set,
        dac_reset_limit: limits.max_code_reset,
        queue_capacity: QUEUE_CAPACITY as u16,
        result_capacity: RESULT_CAPACITY as u16,
        design_id: design_id(q, board, lanes)?,
    })
}

/// Whether the board takes LOAD_WEIGHTS address `addr` for an engine of `shape`: region
/// (`addr[19:16]`) 0, 1 or 2; for regions 0 and 1 a lane (`addr[15:12]`) below the lane
/// count; a word (`addr[11:0]`) below its bank's depth (the weight bank
/// [`EngineShape::weight_depth`], the bias bank [`EngineShape::bias_depth`], the frac table
/// [`EngineShape::frac_depth`]). Region 3, the run-time limits, is not loadable over the link:
/// CONFIGURE's `RT_MIN_CYCLES` and `RT_MAX_CYCLES` set them.
pub fn load_address_ok(shape: &EngineShape, addr: u32) -> bool {
    shape.image_word(addr).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{load_addr, region};

    fn q() -> QPredictor {
        ouro_nn::defaults::qpredictor()
    }

    #[test]
    fn identify_reports_the_build() {
        let board = BoardConfig::default_board();
        let id = identity(&q(), &board, 8).unwrap();
        let want = Identity {
            major: 1,
            minor: 0,
            clock_hz: 12_000_000,
            adc_bits: 12,
            dac_bits: 16,
            rows: 32,
            cols: 32,
            lanes: 8,
            inputs: 2,
            min_pulse_cycles: 1,
            max_pulse_cycles: 131_072,
            dac_set_limit: board.dac_limit_codes().0,
            dac_reset_limit: board.dac_limit_codes().1,
            queue_capacity: 4096,
            result_capacity: 1024,
            design_id: id.design_id,
        };
        assert_eq!(id, want);
        // The id is the CRC-32 of the image text, the name and the clock, computed here by
        // hand (the CRC-32 check value of "123456789" is 0xCBF43926).
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        assert_eq!(crc.checksum(b"123456789"), 0xCBF4_3926);
        let text = load_image_text(&q(), 8).unwrap() + "icebreaker\n12000000\n";
        assert_eq!(id.design_id, crc.checksum(text.as_bytes()));
    }

    #[test]
    fn design_id_changes_with_weights_lanes_name_and_clock() {
        let board = BoardConfig::default_board();
        let id = design_id(&q(), &board, 8).unwrap();
        assert_eq!(id, design_id(&q(), &board, 8).unwrap(), "deterministic");
        let mut other = q();
        other.networks.set.layers[0].weights[0][0] ^= 1;
        assert_ne!(id, design_id(&other, &board, 8).unwrap());
        assert_ne!(id, design_id(&q(), &board, 4).unwrap());
        let mut renamed = board.clone();
        renamed.name.push('2');
        assert_ne!(id, design_id(&q(), &renamed, 8).unwrap());
        let mut faster = board.clone();
        faster.clock_hz = 24_000_000;
        assert_ne!(id, design_id(&q(), &faster, 8).unwrap());
    }

    #[test]
    fn identity_refuses_a_predictor_for_another_clock() {
        let mut board = BoardConfig::default_board();
        board.clock_hz = 24_000_000;
        assert!(matches!(
            identity(&q(), &board, 8),
            Err(HdlError::Predictor(_))
        ));
        assert!(identity(&q(), &BoardConfig::default_board(), 0).is_err());
    }

    #[test]
    fn load_addresses_follow_the_board_rule() {
        let shape = EngineShape::new(&q(), 8).unwrap();
        let (wd, bd, fd) = (shape.weight_depth(), shape.bias_depth(), shape.frac_depth());
        for (a, ok) in [
            (load_addr(region::WEIGHTS, 0, 0), true),
            (load_addr(region::WEIGHTS, 7, wd - 1), true),
            (load_addr(region::WEIGHTS, 7, wd), false),
            (load_addr(region::WEIGHTS, 8, 0), false),
            (load_addr(region::BIASES, 7, bd - 1), true),
            (load_addr(region::BIASES, 0, bd), false),
            (load_addr(region::BIASES, 15, 0), false),
            (load_addr(region::FRACS, 0, fd - 1), true),
            (load_addr(region::FRACS, 0, fd), false),
            (load_addr(region::LIMITS, 0, 0), false),
            (load_addr(region::LIMITS, 0, 1), false),
            (load_addr(5, 0, 0), false),
            (1 << 20, false),
        ] {
            assert_eq!(load_address_ok(&shape, a), ok, "{a:#07x}");
        }
        // The frac table of a one-set engine: 2 * layers words.
        assert_eq!(fd, 2 * shape.layers.len());
    }
}
