//! The board's rules for a request's arguments (BAD_ARGUMENT with the first bad item's index)
//! and for BUSY, on top of the protocol's own rules (`Request::decode`).

use super::BoardModel;
use crate::sequencer::SeqConfig;
use ouro_core::protocol::request::{
    CONFIGURE_PAIR_BYTES, HEADER, LOAD_PAIR_BYTES, PROGRAM_ENTRY_BYTES,
};
use ouro_core::protocol::{Opcode, Register, Request};
use ouro_hdl::identity::{load_address_ok, QUEUE_CAPACITY, TABLE_WORDS};

impl BoardModel {
    /// The index of the first item of a decoded request that breaks a board rule:
    /// - CONFIGURE: the first pair `SeqConfig::write` refuses;
    /// - LOAD_WEIGHTS: the first address `load_address_ok` refuses;
    /// - LOAD_TABLE: 0 when the words run past the table memory;
    /// - PROGRAM: the first entry whose row or column is outside the crossbar or whose target
    ///   is not an ADC code;
    /// - READ_CELL and RAW_PULSE: the row (0), else the column (1), outside the crossbar.
    pub(super) fn bad_item(&self, request: &Request) -> Option<u8> {
        let (rows, cols) = (self.identity.rows, self.identity.cols);
        let index = match request {
            Request::Configure { writes, .. } => self.configured(writes).err(),
            Request::LoadWeights { writes, .. } => writes
                .iter()
                .position(|&(a, _)| !load_address_ok(&self.shape, a)),
            Request::LoadTable { start, words, .. } => {
                (usize::from(*start) + words.len() > TABLE_WORDS).then_some(0)
            }
            Request::Program { cells, .. } => cells.iter().position(|&(r, c, target, _)| {
                r >= rows || c >= cols || u32::from(target) >> self.adc_bits != 0
            }),
            Request::ReadCell { row, col, .. } | Request::RawPulse { row, col, .. } => {
                if *row >= rows {
                    Some(0)
                } else if *col >= cols {
                    Some(1)
                } else {
                    None
                }
            }
            Request::Hello { .. }
            | Request::Identify { .. }
            | Request::Fetch { .. }
            | Request::Status { .. } => None,
        };
        // Items are at most 204 per frame; the fixed commands' fields fewer still.
        index.map(|i| i as u8)
    }

    /// The index BAD_ARGUMENT reports for a payload the protocol refuses at item `protocol`:
    /// the items are checked in order, each against the protocol's rules and the board's, so
    /// an earlier item that breaks a board rule wins. The items before `protocol` are what
    /// the protocol accepts: for a list command the request cut after them; for READ_CELL and
    /// RAW_PULSE (whose bad protocol field is the byte `reads_log2` or `polarity`, index 2)
    /// the request with that byte set to 0, valid for both, so that the row and column are
    /// judged.
    pub(super) fn first_bad_item(&self, payload: &[u8], protocol: usize) -> u8 {
        if protocol == 0 {
            return 0;
        }
        let valid_part = match Opcode::from_code(payload[0]) {
            Some(Opcode::Configure) => payload.get(..HEADER + protocol * CONFIGURE_PAIR_BYTES),
            Some(Opcode::LoadWeights) => payload.get(..HEADER + protocol * LOAD_PAIR_BYTES),
            Some(Opcode::Program) => payload.get(..HEADER + protocol * PROGRAM_ENTRY_BYTES),
            _ => None,
        }
        .map(<[u8]>::to_vec)
        .or_else(|| {
            let mut patched = payload.to_vec();
            *patched.get_mut(HEADER + protocol)? = 0;
            Some(patched)
        });
        let earlier = valid_part
            .and_then(|p| Request::decode(&p).ok())
            .and_then(|r| self.bad_item(&r))
            .filter(|&i| usize::from(i) < protocol);
        earlier.unwrap_or(protocol as u8)
    }

    /// The settings after CONFIGURE's `writes`, each pair checked as `SeqConfig::write` checks
    /// it; `Err` with the first refused pair's index.
    pub(super) fn configured(&self, writes: &[(Register, u32)]) -> Result<SeqConfig, usize> {
        let mut config = self.seq.config.clone();
        for (i, &(r, v)) in writes.iter().enumerate() {
            config.write(r.code(), v, self.adc_bits).map_err(|_| i)?;
        }
        Ok(config)
    }

    /// Whether the board answers BUSY: a command that changes the settings, the engine, the
    /// table or a cell while the sequencer works or jobs are queued; a PROGRAM whose entries do
    /// not all fit in the queue.
    pub(super) fn busy_for(&self, request: &Request) -> bool {
        // Between requests the model's sequencer is idle: it works only while jobs are queued.
        let working = !self.queue.is_empty();
        match request {
            Request::Configure { .. }
            | Request::LoadWeights { .. }
            | Request::LoadTable { .. }
            | Request::ReadCell { .. }
            | Request::RawPulse { .. } => working,
            Request::Program { cells, .. } => self.queue.len() + cells.len() > QUEUE_CAPACITY,
            Request::Hello { .. }
            | Request::Identify { .. }
            | Request::Fetch { .. }
            | Request::Status { .. } => false,
        }
    }
}
