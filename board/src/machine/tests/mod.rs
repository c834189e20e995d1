//! The board model against the board's command behaviour (docs/PROTOCOL.md, "What the board
//! does"): every command and status, the order of the checks, all-or-nothing, the queue and the
//! result store, and random payloads.

mod checks;
mod commands;
mod props;
mod queue;

use super::BoardModel;
use crate::sequencer::Job;
use ouro_core::board::BoardConfig;
use ouro_core::protocol::{Failure, Opcode, Register, Request, Response};
use ouro_core::schema::QPredictor;
use ouro_sim::device::DeviceConfig;

fn q() -> QPredictor {
    ouro_nn::defaults::qpredictor()
}

fn device() -> DeviceConfig {
    DeviceConfig::preset("realistic")
}

/// A fresh board (no handshake), its cells spread across the device window.
fn fresh() -> BoardModel {
    let mut m = BoardModel::new(&q(), &BoardConfig::default_board(), &device(), 8, 7).unwrap();
    for (i, cell) in m.frontend_mut().cells_mut().iter_mut().enumerate() {
        cell.set_conductance_us(150.0 + (i * 37 % 300) as f64)
            .unwrap();
    }
    m
}

/// A board after a successful HELLO.
fn shaken() -> BoardModel {
    let mut m = fresh();
    assert_eq!(
        m.handle(&[0x01, 0x01, 0x01, 0x00]),
        [0x81, 0x01, 0x00, 0x01, 0x00]
    );
    m
}

/// Send `r` (encoded by the protocol module) and decode the answer.
fn send(m: &mut BoardModel, r: &Request) -> Response {
    raw(m, &r.encode().unwrap())
}

/// Send a payload as it is and decode the answer (which must decode).
fn raw(m: &mut BoardModel, payload: &[u8]) -> Response {
    let bytes = m.handle(payload);
    let r = Response::decode(&bytes).unwrap_or_else(|e| panic!("{bytes:02x?}: {e}"));
    assert_eq!(r.encode().unwrap(), bytes, "one encoding");
    r
}

fn failed(op: Opcode, tag: u8, failure: Failure) -> Response {
    Response::Failed {
        opcode: op.code(),
        tag,
        failure,
    }
}

fn configure(m: &mut BoardModel, writes: &[(Register, u32)]) {
    let r = send(
        m,
        &Request::Configure {
            tag: 9,
            writes: writes.to_vec(),
        },
    );
    assert_eq!(r, Response::Configure { tag: 9 });
}

/// The amplitudes of the device for every mode: the ladder's level 0, the fixed and fine ones.
fn amplitudes(m: &mut BoardModel) {
    let b = BoardConfig::default_board();
    let d = device();
    let set = u32::from(b.dac_code_of_v(d.set_amplitude_v));
    let reset = u32::from(b.dac_code_of_v(d.reset_amplitude_v));
    configure(
        m,
        &[
            (Register::LevelDacSet0, set),
            (Register::LevelDacReset0, reset),
            (Register::FixedDacSet, set),
            (Register::FixedDacReset, reset),
            (Register::FineDacSet, set),
            (Register::FineDacReset, reset),
        ],
    );
}

/// Jobs `first..first + n`: cell `i % 1024` row by row, a target across the window and a 2 %
/// tolerance.
fn jobs(first: usize, n: usize) -> Vec<Job> {
    let b = BoardConfig::default_board();
    let (lo, hi) = (b.code_of_us(120.0), b.code_of_us(520.0));
    (first..first + n)
        .map(|i| {
            let target = lo + ((i * 7919) % usize::from(hi - lo)) as u16;
            Job {
                row: (i / 32 % 32) as u8,
                col: (i % 32) as u8,
                target,
                tolerance: target / 50,
            }
        })
        .collect()
}

fn program_request(tag: u8, jobs: &[Job]) -> Request {
    Request::Program {
        tag,
        cells: jobs
            .iter()
            .map(|j| (j.row, j.col, j.target, j.tolerance))
            .collect(),
    }
}

/// Everything the model holds, for before/after comparisons (queued cells programmed first,
/// as the next request would).
fn snapshot(m: &mut BoardModel) -> String {
    m.run_queue();
    format!("{m:?}")
}
