//! The whole board at the level of the host link protocol (`docs/PROTOCOL.md`, "What the board
//! does"): [`BoardModel`] answers each request payload as the board's gateware does, byte for
//! byte. It holds the sequencer's transaction-level model ([`SequencerModel`]), a simulated
//! crossbar ([`SimFrontend`]), the job queue, the result store, the handshake, the table memory
//! and the engine's load-port image.
//!
//! The model has no clock: before it handles a frame it programs the queued cells (as if the
//! host had waited long enough), as far as the result store has room, and it counts the cycles
//! it has simulated (STATUS's `uptime_cycles`).
//!
//! - `rules.rs`: the board's rules for arguments (BAD_ARGUMENT) and for BUSY;
//! - `execute.rs`: what each command does once it is accepted.

mod execute;
mod rules;

use crate::frontend::Interlock;
use crate::sequencer::{Job, Record, SeqConfig};
use crate::{BoardError, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::protocol::{
    Failure, Identity, Opcode, ProtocolError, Request, Response, RESPONSE_BIT,
};
use ouro_core::schema::QPredictor;
use ouro_hdl::identity::RESULT_CAPACITY;
use ouro_hdl::{EngineShape, MemImage};
use ouro_sim::device::{Cell, DeviceConfig};
use std::collections::VecDeque;

/// The board as the host sees it over the link: request payloads in, response payloads out
/// ([`BoardModel::handle`]).
#[derive(Debug, Clone)]
pub struct BoardModel {
    seq: SequencerModel,
    fe: SimFrontend,
    /// The interlock's synthesized limits (the board file's).
    synth: Interlock,
    /// The predictor the board was built with: everything but the loadable values.
    build: QPredictor,
    /// The predictor the engine computes now (the build's, or what LOAD_WEIGHTS loaded).
    predictor: QPredictor,
    shape: EngineShape,
    image: MemImage,
    identity: Identity,
    adc_bits: u32,
    handshake: bool,
    queue: VecDeque<Job>,
    results: VecDeque<Record>,
    cycles: u64,
}

impl BoardModel {
    /// The board built from `board` with the predictor `q` on an engine of `lanes` lanes, its
    /// crossbar (`mux.rows` x `mux.cols`) made of cells of `device` seeded from `seed`, as it is
    /// after configuration: no handshake, queue and result store empty, the table memory zero,
    /// the sequencer at its power-up settings, the engine holding `q`.
    ///
    /// # Errors
    /// [`BoardError::Predictor`] when `q` was made for another clock or ADC, cannot run on the
    /// sequencer or the engine cannot be built; [`BoardError::Setting`] for a crossbar that
    /// does not fit the protocol's byte-wide rows and columns.
    pub fn new(
        q: &QPredictor,
        board: &BoardConfig,
        device: &DeviceConfig,
        lanes: usize,
        seed: u64,
    ) -> Result<Self, BoardError> {
        let identity = ouro_hdl::identity(q, board, lanes)
            .map_err(|e| BoardError::Predictor(e.to_string()))?;
        let seq = SequencerModel::new(q, lanes)?;
        let shape = EngineShape::new(q, lanes).map_err(|e| BoardError::Predictor(e.to_string()))?;
        let image = MemImage::new(q, &shape).map_err(|e| BoardError::Predictor(e.to_string()))?;
        let synth = Interlock::of_board(board);
        let mut fe = SimFrontend::new(board, device, synth, identity.rows, identity.cols, seed, 0)?;
        fe.set_interlock(pulser_interlock(synth, &seq.config));
        Ok(Self {
            seq,
            fe,
            synth,
            build: q.clone(),
            predictor: q.clone(),
            shape,
            image,
            identity,
            adc_bits: board.adc.bits,
            handshake: false,
            queue: VecDeque::new(),
            results: VecDeque::new(),
            cycles: 0,
        })
    }

    /// The response payload to the request payload `payload` (a frame that passed framing and
    /// its CRC). Queued cells are programmed first ([`BoardModel::run_queue`]).
    pub fn handle(&mut self, payload: &[u8]) -> Vec<u8> {
        encode(&self.respond(payload))
    }

    /// The response to a frame that failed framing or its CRC: `FF 00 01`. Queued cells are
    /// programmed first, as for every frame.
    pub fn bad_frame(&mut self) -> Vec<u8> {
        self.run_queue();
        encode(&Response::BadFrame)
    }

    /// [`BoardModel::handle`]'s response, not yet encoded. The checks, the first that applies
    /// wins: a payload shorter than opcode and tag (BAD_FRAME), an unknown opcode, no handshake
    /// yet (anything but HELLO and IDENTIFY), the arguments' length, their values (the
    /// protocol's rules and the board's, item by item), BUSY; then the command is executed.
    pub fn respond(&mut self, payload: &[u8]) -> Response {
        self.run_queue();
        let [op, tag, ..] = *payload else {
            return Response::BadFrame;
        };
        let fail = |failure| Response::Failed {
            opcode: op & !RESPONSE_BIT,
            tag,
            failure,
        };
        let Some(opcode) = Opcode::from_code(op) else {
            return fail(Failure::UnknownOpcode);
        };
        if !self.handshake && !matches!(opcode, Opcode::Hello | Opcode::Identify) {
            return fail(Failure::NoHandshake);
        }
        let request = match Request::decode(payload) {
            Ok(r) => r,
            Err(ProtocolError::BadArgument { index, .. }) => {
                return fail(Failure::BadArgument(
                    self.first_bad_item(payload, usize::from(index)),
                ))
            }
            Err(e) => return Failure::of(&e).map_or(Response::BadFrame, fail),
        };
        if let Some(index) = self.bad_item(&request) {
            return fail(Failure::BadArgument(index));
        }
        if self.busy_for(&request) {
            return fail(Failure::Busy);
        }
        self.execute(request)
    }

    /// Program queued cells, oldest first, until the queue is empty or the result store is
    /// full (the sequencer starts a job only when the store has room for its record); returns
    /// how many were programmed. [`BoardModel::handle`] calls it before each request.
    pub fn run_queue(&mut self) -> usize {
        let mut n = 0;
        while self.results.len() < RESULT_CAPACITY {
            let Some(job) = self.queue.pop_front() else {
                break;
            };
            let record = self.seq.program(&mut self.fe, job);
            self.cycles += u64::from(record.total_cycles);
            self.results.push_back(record);
            n += 1;
        }
        n
    }

    /// What IDENTIFY answers.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Whether a HELLO has succeeded.
    pub fn handshake(&self) -> bool {
        self.handshake
    }

    /// The sequencer's settings (CONFIGURE's registers).
    pub fn config(&self) -> &SeqConfig {
        &self.seq.config
    }

    /// The sequencer model (its engine computes [`BoardModel::predictor`]).
    pub fn sequencer(&self) -> &SequencerModel {
        &self.seq
    }

    /// The simulated front end.
    pub fn frontend(&self) -> &SimFrontend {
        &self.fe
    }

    /// The simulated front end, to set up its cells.
    pub fn frontend_mut(&mut self) -> &mut SimFrontend {
        &mut self.fe
    }

    /// The crossbar's cells, row by row.
    pub fn cells(&self) -> &[Cell] {
        self.fe.cells()
    }

    /// Jobs waiting in the queue, oldest first.
    pub fn queue(&self) -> &VecDeque<Job> {
        &self.queue
    }

    /// Records waiting to be fetched, oldest first.
    pub fn records(&self) -> &VecDeque<Record> {
        &self.results
    }

    /// The table memory (LOAD_TABLE).
    pub fn table(&self) -> &[u16] {
        self.seq.table()
    }

    /// The engine's memories as loaded (LOAD_WEIGHTS).
    pub fn image(&self) -> &MemImage {
        &self.image
    }

    /// The engine's shape.
    pub fn shape(&self) -> &EngineShape {
        &self.shape
    }

    /// The predictor the engine computes now: the build's, with what LOAD_WEIGHTS loaded.
    pub fn predictor(&self) -> &QPredictor {
        &self.predictor
    }

    /// The interlock pulses are checked against now: the synthesized limits tightened by the
    /// run-time ones (`RT_MIN_CYCLES`, `RT_MAX_CYCLES`).
    pub fn interlock(&self) -> Interlock {
        self.fe.interlock()
    }

    /// Cycles simulated so far: every programmed cell's `total_cycles`, and the select, read
    /// and pulse latencies of READ_CELL and RAW_PULSE. STATUS reports them modulo 2^32.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }
}

/// The interlock of the pulser: it compares a request with the synthesized limits and the
/// run-time registers separately (above either maximum: refused as too long; else below
/// either minimum: too short), which is a check against the tighter of each pair.
pub fn pulser_interlock(synth: Interlock, config: &SeqConfig) -> Interlock {
    Interlock {
        min_cycles: synth.min_cycles.max(config.runtime_min_cycles),
        max_cycles: synth.max_cycles.min(config.runtime_max_cycles),
        max_dac: synth.max_dac,
    }
}

fn encode(r: &Response) -> Vec<u8> {
    r.encode()
        .expect("the model answers at most MAX_RECORDS records and only protocol opcodes")
}

#[cfg(test)]
mod tests;
