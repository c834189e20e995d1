//! What each command does once its arguments are accepted and the board is not busy.

use super::{pulser_interlock, BoardModel};
use crate::sequencer::Job;
use crate::{Frontend, SequencerModel};
use ouro_core::protocol::{
    Failure, Opcode, Request, Response, RunState, MAX_RECORDS, VERSION_MAJOR, VERSION_MINOR,
};

impl BoardModel {
    /// Execute an accepted request: OK with the command's data, or VERSION_MISMATCH for a
    /// HELLO with another major, or REFUSED_SAFETY for a pulse the interlock refuses.
    pub(super) fn execute(&mut self, request: Request) -> Response {
        let tag = request.tag();
        match request {
            Request::Hello { major, .. } => {
                if major == VERSION_MAJOR {
                    self.handshake = true;
                    Response::Hello {
                        tag,
                        major: VERSION_MAJOR,
                        minor: VERSION_MINOR,
                    }
                } else {
                    Response::Failed {
                        opcode: Opcode::Hello.code(),
                        tag,
                        failure: Failure::VersionMismatch {
                            major: VERSION_MAJOR,
                            minor: VERSION_MINOR,
                        },
                    }
                }
            }
            Request::Identify { .. } => Response::Identify {
                tag,
                identity: self.identity,
            },
            Request::Configure { writes, .. } => match self.configured(&writes) {
                Ok(config) => {
                    self.fe.set_interlock(pulser_interlock(self.synth, &config));
                    self.seq.config = config;
                    Response::Configure { tag }
                }
                // `bad_item` has refused these already.
                Err(i) => Response::Failed {
                    opcode: Opcode::Configure.code(),
                    tag,
                    failure: Failure::BadArgument(i as u8),
                },
            },
            Request::LoadWeights { writes, .. } => {
                self.load_weights(&writes);
                Response::LoadWeights { tag }
            }
            Request::LoadTable { start, words, .. } => {
                self.seq
                    .load_table(start, &words)
                    .expect("the board rules checked the table's end");
                Response::LoadTable { tag }
            }
            Request::Program { cells, .. } => {
                self.queue
                    .extend(cells.iter().map(|&(row, col, target, tolerance)| Job {
                        row,
                        col,
                        target,
                        tolerance,
                    }));
                Response::Program {
                    tag,
                    accepted: cells.len() as u16,
                }
            }
            Request::ReadCell {
                row,
                col,
                reads_log2,
                ..
            } => {
                let select = self.fe.select(row, col);
                let (code, read) = self.fe.read(reads_log2);
                self.cycles += u64::from(select) + u64::from(read);
                Response::ReadCell { tag, code }
            }
            Request::RawPulse {
                row,
                col,
                polarity,
                dac_code,
                cycles,
                ..
            } => {
                let select = self.fe.select(row, col);
                let pulse = self.fe.pulse(polarity, dac_code, cycles);
                self.cycles += u64::from(select) + u64::from(pulse.latency);
                match pulse.refused {
                    None => Response::RawPulse { tag },
                    Some(reason) => Response::Failed {
                        opcode: Opcode::RawPulse.code(),
                        tag,
                        failure: Failure::RefusedSafety(reason),
                    },
                }
            }
            Request::Fetch { max, .. } => {
                let n = usize::from(max).min(MAX_RECORDS).min(self.results.len());
                Response::Fetch {
                    tag,
                    records: self.results.drain(..n).collect(),
                }
            }
            Request::Status { .. } => Response::Status {
                tag,
                state: if self.queue.is_empty() {
                    RunState::Idle
                } else {
                    RunState::Running
                },
                queued: self.queue.len() as u16,
                results: self.results.len() as u16,
                flags: 0,
                uptime_cycles: self.cycles as u32,
            },
        }
    }

    /// Write the load-port words `writes` (every address accepted by `load_address_ok`) into
    /// the engine's image, in order, and let the engine compute the predictor the image now
    /// encodes; the settings are kept.
    fn load_weights(&mut self, writes: &[(u32, u32)]) {
        for &(addr, data) in writes {
            self.image
                .apply(&self.shape, addr, data)
                .expect("bad_item refuses every address outside the image");
        }
        // The image holds the build's shape and any 4-bit frac is valid, so the predictor it
        // encodes is valid and runs on the sequencer as the build's does.
        self.predictor = self
            .image
            .predictor(&self.shape, 0, &self.build)
            .expect("an image of the build's shape encodes a valid predictor");
        let config = self.seq.config.clone();
        let table = self.seq.table().to_vec();
        self.seq = SequencerModel::new(&self.predictor, self.shape.lanes)
            .expect("the loaded predictor differs from the build's only in its values");
        self.seq.config = config;
        self.seq
            .load_table(0, &table)
            .expect("the table memory's own contents fit it");
    }
}
