//! [`Session`]: the host's conversation with a board over the link protocol.

use super::{Board, LinkError};
use ouro_board::{Job, Record};
use ouro_core::protocol::request::{MAX_CONFIGURE_PAIRS, MAX_PROGRAM_CELLS, MAX_TABLE_WORDS};
use ouro_core::protocol::{
    Failure, Identity, Register, Request, Response, RunState, MAX_RECORDS, VERSION_MAJOR,
    VERSION_MINOR,
};
use ouro_core::Polarity;

/// How long the host lets the board work between two polls while it programs, us.
pub const LINK_POLL_US: f64 = 2_000.0;

/// Polls without a single new record before the host gives up on a board (at
/// [`LINK_POLL_US`], 10 minutes of board time: longer than 255 pulses of the longest duration
/// a board takes, 2^24 cycles at 30 MHz).
const STALL_POLLS: u32 = 300_000;

/// The host's side of one connection: the handshake done, the board's build known.
pub struct Session<'a> {
    board: &'a mut dyn Board,
    tag: u8,
    identity: Identity,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({}, tag {})", self.board.name(), self.tag)
    }
}

fn failed(board: &str, what: &str, failure: Failure) -> LinkError {
    let why = match failure {
        Failure::BadLength => "BAD_LENGTH (the host and the board disagree on the protocol)".into(),
        Failure::UnknownOpcode => {
            "UNKNOWN_OPCODE (the board's gateware is older than the host)".into()
        }
        Failure::VersionMismatch { major, minor } => format!(
            "VERSION_MISMATCH: the board speaks protocol {major}.{minor}, this host \
             {VERSION_MAJOR}.{VERSION_MINOR} (build the board's bitstream from this version: \
             `ouro hdl synth --board ...`)"
        ),
        Failure::NoHandshake => "NO_HANDSHAKE (the board was reset; run again)".into(),
        Failure::Busy => "BUSY (the board is still programming; wait and run again)".into(),
        Failure::RefusedSafety(r) => format!("REFUSED_SAFETY ({r:?}): nothing was applied"),
        Failure::BadArgument(i) => {
            format!("BAD_ARGUMENT at argument {i} (a value the board's build does not take)")
        }
    };
    LinkError(format!("board {board}: {what} refused: {why}"))
}

impl<'a> Session<'a> {
    /// Open a session: HELLO with this host's protocol version, then IDENTIFY.
    ///
    /// # Errors
    /// [`LinkError`] when the board does not answer, answers with another protocol version,
    /// or answers nonsense.
    pub fn open(board: &'a mut dyn Board) -> Result<Self, LinkError> {
        let mut s = Self {
            board,
            tag: 0,
            identity: Identity {
                major: 0,
                minor: 0,
                clock_hz: 0,
                adc_bits: 0,
                dac_bits: 0,
                rows: 0,
                cols: 0,
                lanes: 0,
                inputs: 0,
                min_pulse_cycles: 0,
                max_pulse_cycles: 0,
                dac_set_limit: 0,
                dac_reset_limit: 0,
                queue_capacity: 0,
                result_capacity: 0,
                design_id: 0,
            },
        };
        let tag = s.next_tag();
        match s.ask_raw(&Request::Hello {
            tag,
            major: VERSION_MAJOR,
            minor: VERSION_MINOR,
        })? {
            Response::Hello { .. } => {}
            Response::Failed { failure, .. } => return Err(failed(&s.name(), "HELLO", failure)),
            r => return Err(s.unexpected("HELLO", &r)),
        }
        let tag = s.next_tag();
        match s.ask("IDENTIFY", Request::Identify { tag })? {
            Response::Identify { identity, .. } => s.identity = identity,
            r => return Err(s.unexpected("IDENTIFY", &r)),
        }
        Ok(s)
    }

    /// The board's name.
    pub fn name(&self) -> String {
        self.board.name()
    }

    /// What IDENTIFY answered.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The board.
    pub fn board(&mut self) -> &mut dyn Board {
        self.board
    }

    fn next_tag(&mut self) -> u8 {
        self.tag = self.tag.wrapping_add(1);
        self.tag
    }

    fn unexpected(&self, what: &str, r: &Response) -> LinkError {
        LinkError(format!(
            "board {}: {what} answered {r:?}, which this host does not expect (is it an ouro \
             board of this version?)",
            self.name()
        ))
    }

    fn ask_raw(&mut self, r: &Request) -> Result<Response, LinkError> {
        let payload = r
            .encode()
            .map_err(|e| LinkError(format!("cannot encode {:?}: {e}", r.opcode())))?;
        let answer = self.board.exchange(&payload)?;
        let resp = Response::decode(&answer).map_err(|e| {
            LinkError(format!(
                "board {}: an answer that is not a protocol response ({e}): is this an ouro \
                 board, at the right baud rate?",
                self.name()
            ))
        })?;
        if resp != Response::BadFrame && resp.tag() != r.tag() {
            return Err(LinkError(format!(
                "board {}: the answer carries tag {}, the request {} (the link lost a frame; \
                 run again)",
                self.name(),
                resp.tag(),
                r.tag()
            )));
        }
        Ok(resp)
    }

    /// Ask, and turn a refusal into an error.
    fn ask(&mut self, what: &str, r: Request) -> Result<Response, LinkError> {
        match self.ask_raw(&r)? {
            Response::Failed { failure, .. } => Err(failed(&self.name(), what, failure)),
            Response::BadFrame => Err(LinkError(format!(
                "board {}: {what} arrived damaged twice (BAD_FRAME): check the cable and the \
                 baud rate",
                self.name()
            ))),
            resp => Ok(resp),
        }
    }

    /// Write configuration registers, in order.
    ///
    /// # Errors
    /// [`LinkError`]; a refused CONFIGURE names the argument.
    pub fn configure(&mut self, writes: &[(Register, u32)]) -> Result<(), LinkError> {
        for chunk in writes.chunks(MAX_CONFIGURE_PAIRS) {
            let tag = self.next_tag();
            self.ask(
                "CONFIGURE",
                Request::Configure {
                    tag,
                    writes: chunk.to_vec(),
                },
            )?;
        }
        Ok(())
    }

    /// Write `words` into the table memory from word `start`.
    ///
    /// # Errors
    /// [`LinkError`].
    pub fn load_table(&mut self, start: u16, words: &[u16]) -> Result<(), LinkError> {
        for (k, chunk) in words.chunks(MAX_TABLE_WORDS).enumerate() {
            let tag = self.next_tag();
            let at = usize::from(start) + k * MAX_TABLE_WORDS;
            let start = u16::try_from(at)
                .map_err(|_| LinkError(format!("table word {at} is beyond the table memory")))?;
            self.ask(
                "LOAD_TABLE",
                Request::LoadTable {
                    tag,
                    start,
                    words: chunk.to_vec(),
                },
            )?;
        }
        Ok(())
    }

    /// Write the engine's load port (`(address, data)` pairs, in order).
    ///
    /// # Errors
    /// [`LinkError`].
    pub fn load_weights(&mut self, writes: &[(u32, u32)]) -> Result<(), LinkError> {
        for chunk in writes.chunks(ouro_core::protocol::request::MAX_LOAD_PAIRS) {
            let tag = self.next_tag();
            self.ask(
                "LOAD_WEIGHTS",
                Request::LoadWeights {
                    tag,
                    writes: chunk.to_vec(),
                },
            )?;
        }
        Ok(())
    }

    /// Read one cell: the average of `2^reads_log2` conversions.
    ///
    /// # Errors
    /// [`LinkError`].
    pub fn read_cell(&mut self, row: u8, col: u8, reads_log2: u8) -> Result<u16, LinkError> {
        let tag = self.next_tag();
        match self.ask(
            "READ_CELL",
            Request::ReadCell {
                tag,
                row,
                col,
                reads_log2,
            },
        )? {
            Response::ReadCell { code, .. } => Ok(code),
            r => Err(self.unexpected("READ_CELL", &r)),
        }
    }

    /// One pulse. `Ok(false)` when the interlock refused it (nothing was applied).
    ///
    /// # Errors
    /// [`LinkError`].
    pub fn raw_pulse(
        &mut self,
        row: u8,
        col: u8,
        polarity: Polarity,
        dac_code: u16,
        cycles: u32,
    ) -> Result<bool, LinkError> {
        let tag = self.next_tag();
        match self.ask_raw(&Request::RawPulse {
            tag,
            row,
            col,
            polarity,
            dac_code,
            cycles,
        })? {
            Response::RawPulse { .. } => Ok(true),
            Response::Failed {
                failure: Failure::RefusedSafety(_),
                ..
            } => Ok(false),
            Response::Failed { failure, .. } => Err(failed(&self.name(), "RAW_PULSE", failure)),
            r => Err(self.unexpected("RAW_PULSE", &r)),
        }
    }

    /// The board's state: (running, queued, results waiting, uptime cycles).
    ///
    /// # Errors
    /// [`LinkError`].
    pub fn status(&mut self) -> Result<(bool, u16, u16, u32), LinkError> {
        let tag = self.next_tag();
        match self.ask("STATUS", Request::Status { tag })? {
            Response::Status {
                state,
                queued,
                results,
                uptime_cycles,
                ..
            } => Ok((state == RunState::Running, queued, results, uptime_cycles)),
            r => Err(self.unexpected("STATUS", &r)),
        }
    }

    /// Program `jobs`: queue them (as far as the queue takes them), fetch records as the board
    /// finishes them and hand each to `on_record` in the order the board finished them (the
    /// order of the jobs). Returns when every job's record has arrived.
    ///
    /// # Errors
    /// [`LinkError`], or when the board stops delivering records.
    pub fn program(
        &mut self,
        jobs: &[Job],
        mut on_record: impl FnMut(Record) -> Result<(), LinkError>,
    ) -> Result<(), LinkError> {
        let capacity = usize::from(self.identity.queue_capacity).max(1);
        let mut sent = 0usize;
        let mut got = 0usize;
        let mut idle_polls = 0u32;
        while got < jobs.len() {
            // Keep the queue topped up (records not yet fetched are not in the queue).
            let in_flight = sent - got;
            if sent < jobs.len() && in_flight < capacity {
                let n = (jobs.len() - sent)
                    .min(MAX_PROGRAM_CELLS)
                    .min(capacity - in_flight);
                let cells = jobs[sent..sent + n]
                    .iter()
                    .map(|j| (j.row, j.col, j.target, j.tolerance))
                    .collect();
                let tag = self.next_tag();
                match self.ask_raw(&Request::Program { tag, cells })? {
                    Response::Program { accepted, .. } if usize::from(accepted) == n => sent += n,
                    Response::Failed {
                        failure: Failure::Busy,
                        ..
                    } => {}
                    Response::Failed { failure, .. } => {
                        return Err(failed(&self.name(), "PROGRAM", failure))
                    }
                    r => return Err(self.unexpected("PROGRAM", &r)),
                }
            }
            let tag = self.next_tag();
            let records = match self.ask(
                "FETCH",
                Request::Fetch {
                    tag,
                    max: MAX_RECORDS as u8,
                },
            )? {
                Response::Fetch { records, .. } => records,
                r => return Err(self.unexpected("FETCH", &r)),
            };
            if records.is_empty() {
                idle_polls += 1;
                if idle_polls > STALL_POLLS {
                    return Err(LinkError(format!(
                        "board {}: no record for {:.0} s of board time with {} cells queued: \
                         the board has stopped (reset it and run again)",
                        self.name(),
                        f64::from(STALL_POLLS) * LINK_POLL_US / 1e6,
                        sent - got
                    )));
                }
                self.board.wait_us(LINK_POLL_US);
                continue;
            }
            idle_polls = 0;
            for r in records {
                if got >= sent {
                    return Err(LinkError(format!(
                        "board {}: a record for a cell that was not queued in this run (the \
                         board held records of an earlier run: reset it)",
                        self.name()
                    )));
                }
                got += 1;
                on_record(r)?;
            }
        }
        Ok(())
    }
}
