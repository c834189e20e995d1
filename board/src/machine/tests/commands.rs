//! Each command's effect.

use super::*;
use crate::frontend::Interlock;
use crate::{Frontend, SequencerModel};
use ouro_core::protocol::{Mode, Record, RefusalReason, RunState};
use ouro_core::Polarity;
use ouro_hdl::MemImage;

#[test]
fn identify_answers_the_build() {
    let mut m = shaken();
    let want = ouro_hdl::identity(&q(), &BoardConfig::default_board(), 8).unwrap();
    assert_eq!(
        send(&mut m, &Request::Identify { tag: 0x7E }),
        Response::Identify {
            tag: 0x7E,
            identity: want
        }
    );
    assert_eq!(
        (want.rows, want.cols, want.lanes, want.inputs),
        (32, 32, 8, 2)
    );
}

#[test]
fn configure_writes_every_pair_in_order_or_none() {
    let mut m = shaken();
    configure(
        &mut m,
        &[
            (Register::ReadsLog2, 1),
            (Register::Mode, Mode::FixedWriteVerify.code().into()),
            (Register::ReadsLog2, 3),
            (Register::LevelDacReset7, 1234),
            (Register::InputOffset1, 4095),
        ],
    );
    let c = m.config().clone();
    assert_eq!(c.reads_log2, 3, "the later write wins");
    assert_eq!(c.mode, Mode::FixedWriteVerify);
    assert_eq!(c.level_dac[1][7], 1234);
    assert_eq!(c.input_offsets, [2048, 4095]);
    // A refused CONFIGURE (its last pair) changes nothing at all.
    let before = snapshot(&mut m);
    let r = send(
        &mut m,
        &Request::Configure {
            tag: 2,
            writes: vec![
                (Register::ReadsLog2, 0),
                (Register::RtMaxCycles, 10),
                (Register::FixedCycles, 0),
            ],
        },
    );
    assert_eq!(r, failed(Opcode::Configure, 2, Failure::BadArgument(2)));
    assert_eq!(snapshot(&mut m), before);
}

#[test]
fn run_time_limits_reach_the_interlock() {
    let mut m = shaken();
    let synth = Interlock::of_board(&BoardConfig::default_board());
    assert_eq!(m.interlock(), synth);
    configure(
        &mut m,
        &[(Register::RtMinCycles, 20), (Register::RtMaxCycles, 1000)],
    );
    assert_eq!(
        m.interlock(),
        Interlock {
            min_cycles: 20,
            max_cycles: 1000,
            max_dac: synth.max_dac
        }
    );
    let pulse = |m: &mut BoardModel, cycles| {
        send(
            m,
            &Request::RawPulse {
                tag: 1,
                row: 0,
                col: 0,
                polarity: Polarity::Set,
                dac_code: 0,
                cycles,
            },
        )
    };
    let refused = |why| failed(Opcode::RawPulse, 1, Failure::RefusedSafety(why));
    assert_eq!(pulse(&mut m, 1001), refused(RefusalReason::DurationAbove));
    assert_eq!(pulse(&mut m, 19), refused(RefusalReason::DurationBelow));
    assert_eq!(pulse(&mut m, 1000), Response::RawPulse { tag: 1 });
    assert_eq!(pulse(&mut m, 20), Response::RawPulse { tag: 1 });
    // The run-time registers only tighten: a maximum above the synthesized one does not widen.
    configure(
        &mut m,
        &[
            (Register::RtMinCycles, 0),
            (Register::RtMaxCycles, 0xFF_FFFF),
        ],
    );
    assert_eq!(m.interlock(), synth);
    assert_eq!(
        pulse(&mut m, synth.max_cycles + 1),
        refused(RefusalReason::DurationAbove)
    );
}

#[test]
fn raw_pulse_applies_within_the_interlock_and_nothing_beyond() {
    let mut m = shaken();
    let b = BoardConfig::default_board();
    let set = b.dac_code_of_v(device().set_amplitude_v);
    // The iCEBreaker's RESET limit is the DAC's full scale (code 65535): only SET amplitudes
    // can be refused there.
    let (max_set, max_reset) = b.dac_limit_codes();
    assert!(max_set < u16::MAX);
    let mut fe = m.frontend().clone();
    let g0 = m.cells()[3 * 32 + 4].conductance_us();
    let cycles_before = m.cycles();
    let r = send(
        &mut m,
        &Request::RawPulse {
            tag: 4,
            row: 3,
            col: 4,
            polarity: Polarity::Set,
            dac_code: set,
            cycles: 600,
        },
    );
    assert_eq!(r, Response::RawPulse { tag: 4 });
    let g1 = m.cells()[3 * 32 + 4].conductance_us();
    assert!(g1 > g0, "a SET pulse raises the conductance: {g0} -> {g1}");
    // Exactly the front end's pulse, and its cycles counted.
    let sel = fe.select(3, 4);
    let p = fe.pulse(Polarity::Set, set, 600);
    assert_eq!(fe.cells()[3 * 32 + 4].conductance_us(), g1);
    assert_eq!(m.cycles() - cycles_before, u64::from(sel + p.latency));
    // Refused: the reason, and no cell changes.
    let cells = format!("{:?}", m.cells());
    for (pol, dac, cycles, why) in [
        (Polarity::Set, set, 131_073, RefusalReason::DurationAbove),
        (Polarity::Set, set, 1 << 24, RefusalReason::DurationAbove),
        (Polarity::Reset, 0, u32::MAX, RefusalReason::DurationAbove),
        (Polarity::Set, set, 0, RefusalReason::DurationBelow),
        (
            Polarity::Set,
            max_set + 1,
            100,
            RefusalReason::AmplitudeBeyond,
        ),
        (Polarity::Set, u16::MAX, 100, RefusalReason::AmplitudeBeyond),
        (Polarity::Set, u16::MAX, 0, RefusalReason::DurationBelow),
    ] {
        let r = send(
            &mut m,
            &Request::RawPulse {
                tag: 5,
                row: 3,
                col: 4,
                polarity: pol,
                dac_code: dac,
                cycles,
            },
        );
        assert_eq!(r, failed(Opcode::RawPulse, 5, Failure::RefusedSafety(why)));
    }
    assert_eq!(format!("{:?}", m.cells()), cells);
    // At the limits: applied.
    for (pol, dac) in [(Polarity::Set, max_set), (Polarity::Reset, max_reset)] {
        let r = send(
            &mut m,
            &Request::RawPulse {
                tag: 6,
                row: 0,
                col: 0,
                polarity: pol,
                dac_code: dac,
                cycles: 1,
            },
        );
        assert_eq!(r, Response::RawPulse { tag: 6 });
    }
}

#[test]
fn read_cell_is_the_front_ends_averaged_read() {
    let mut m = shaken();
    for (row, col, reads_log2) in [(0u8, 0u8, 0u8), (31, 31, 4), (7, 9, 2)] {
        let mut fe = m.frontend().clone();
        let sel = fe.select(row, col);
        let (code, lat) = fe.read(reads_log2);
        let before = m.cycles();
        let r = send(
            &mut m,
            &Request::ReadCell {
                tag: 2,
                row,
                col,
                reads_log2,
            },
        );
        assert_eq!(r, Response::ReadCell { tag: 2, code });
        assert_eq!(m.cycles() - before, u64::from(sel + lat));
        let g = m.cells()[usize::from(row) * 32 + usize::from(col)].conductance_us();
        let noise_free = BoardConfig::default_board().code_of_us(g);
        assert!(code.abs_diff(noise_free) < 20, "{code} vs {noise_free}");
    }
}

#[test]
fn load_table_writes_its_words() {
    let mut m = shaken();
    let words: Vec<u16> = (0..510).map(|i| (i * 31 + 7) as u16).collect();
    let r = send(
        &mut m,
        &Request::LoadTable {
            tag: 1,
            start: 16384 - 510,
            words: words.clone(),
        },
    );
    assert_eq!(r, Response::LoadTable { tag: 1 });
    assert_eq!(&m.table()[16384 - 510..], &words[..]);
    assert!(m.table()[..16384 - 510].iter().all(|&w| w == 0));
}

/// The build predictor with its output layer's biases raised by one in log2: every
/// prediction twice as long (before the clamp).
fn doubled(p: &QPredictor) -> QPredictor {
    let mut q = p.clone();
    for net in [&mut q.networks.set, &mut q.networks.reset] {
        let last = net.layers.last_mut().unwrap();
        let one = 1i32 << (ouro_core::qformat::ACT_FRAC + last.weight_frac);
        for b in &mut last.biases {
            *b += one;
        }
    }
    q
}

/// LOAD_WEIGHTS requests that load `to` over an engine holding `from` (only the words that
/// differ).
fn load_requests(m: &BoardModel, from: &QPredictor, to: &QPredictor) -> Vec<Request> {
    let old = MemImage::new(from, m.shape()).unwrap().load_writes();
    let new = MemImage::new(to, m.shape()).unwrap().load_writes();
    let writes: Vec<(u32, u32)> = new
        .into_iter()
        .zip(old)
        .filter(|(n, o)| n != o)
        .map(|(n, _)| n)
        .collect();
    assert!(!writes.is_empty());
    writes
        .chunks(127)
        .map(|c| Request::LoadWeights {
            tag: 3,
            writes: c.to_vec(),
        })
        .collect()
}

/// Program `jobs` neural one-shot on `m` and fetch their records.
fn one_shot(m: &mut BoardModel, jobs: &[Job]) -> Vec<Record> {
    let r = send(m, &program_request(1, jobs));
    assert_eq!(
        r,
        Response::Program {
            tag: 1,
            accepted: jobs.len() as u16
        }
    );
    match send(m, &Request::Fetch { tag: 2, max: 255 }) {
        Response::Fetch { records, .. } => records,
        other => panic!("{other:?}"),
    }
}

#[test]
fn load_weights_changes_the_predictions_as_the_engine_would() {
    let mut m = shaken();
    amplitudes(&mut m);
    configure(
        &mut m,
        &[(Register::Mode, Mode::NeuralOneShot.code().into())],
    );
    let config = m.config().clone();
    let p = q();
    let d = doubled(&p);
    for r in load_requests(&m, &p, &d) {
        assert_eq!(send(&mut m, &r), Response::LoadWeights { tag: 3 });
    }
    assert_eq!(m.predictor(), &d);
    assert_eq!(m.image(), &MemImage::new(&d, m.shape()).unwrap());
    assert_eq!(m.config(), &config, "loading keeps the settings");
    // The records are those of a sequencer whose engine holds the loaded predictor ...
    let jobs = jobs(0, 40);
    let mut fe = m.frontend().clone();
    let mut with_d = SequencerModel::new(&d, 8).unwrap();
    with_d.config = config.clone();
    let want: Vec<Record> = jobs.iter().map(|&j| with_d.program(&mut fe, j)).collect();
    // ... and not those of the build's (the negative: the comparison sees the weights).
    let mut fe = m.frontend().clone();
    let mut with_p = SequencerModel::new(&p, 8).unwrap();
    with_p.config = config;
    let stale: Vec<Record> = jobs.iter().map(|&j| with_p.program(&mut fe, j)).collect();
    let got = one_shot(&mut m, &jobs);
    assert_eq!(got, want);
    assert_ne!(got, stale);
    let sum = |r: &[Record]| r.iter().map(|r| u64::from(r.pulse_cycles)).sum::<u64>();
    assert!(
        sum(&got) > sum(&stale) * 3 / 2,
        "longer pulses: {} vs {}",
        sum(&got),
        sum(&stale)
    );
    // Loading the build's image back restores the build's predictor.
    for r in load_requests(&m, &d, &p) {
        assert_eq!(send(&mut m, &r), Response::LoadWeights { tag: 3 });
    }
    assert_eq!(m.predictor(), &p);
}

#[test]
fn a_refused_load_weights_loads_nothing() {
    let mut m = shaken();
    let before = snapshot(&mut m);
    let mut reqs = load_requests(&m, &q(), &doubled(&q()));
    let Request::LoadWeights { writes, .. } = &mut reqs[0] else {
        unreachable!()
    };
    writes.push(ouro_hdl::layout::limit_write(1, 100));
    let n = writes.len() - 1;
    assert_eq!(
        send(&mut m, &reqs[0]),
        failed(Opcode::LoadWeights, 3, Failure::BadArgument(n as u8))
    );
    assert_eq!(snapshot(&mut m), before);
}

#[test]
fn programmed_records_are_the_sequencers_and_fetch_takes_the_oldest_first() {
    let mut m = shaken();
    amplitudes(&mut m);
    let jobs = jobs(0, 120);
    let mut fe = m.frontend().clone();
    let seq = m.sequencer().clone();
    let want: Vec<Record> = jobs.iter().map(|&j| seq.program(&mut fe, j)).collect();
    assert_eq!(
        send(&mut m, &program_request(1, &jobs[..100])),
        Response::Program {
            tag: 1,
            accepted: 100
        }
    );
    assert_eq!(
        send(&mut m, &program_request(2, &jobs[100..])),
        Response::Program {
            tag: 2,
            accepted: 20
        }
    );
    let st = send(&mut m, &Request::Status { tag: 3 });
    let total: u64 = want.iter().map(|r| u64::from(r.total_cycles)).sum();
    assert_eq!(
        st,
        Response::Status {
            tag: 3,
            state: RunState::Idle,
            queued: 0,
            results: 120,
            flags: 0,
            uptime_cycles: total as u32,
        }
    );
    assert_eq!(m.cycles(), total);
    let mut got = Vec::new();
    for (max, n) in [
        (0u8, 0usize),
        (10, 10),
        (255, 51),
        (52, 51),
        (255, 8),
        (255, 0),
    ] {
        match send(&mut m, &Request::Fetch { tag: 4, max }) {
            Response::Fetch { records, .. } => {
                assert_eq!(records.len(), n, "FETCH {max}");
                got.extend(records);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(got, want);
    assert!(
        got.iter().any(|r| r.pulses > 1),
        "real programming happened"
    );
    // The negative: the same jobs on another crossbar seed give other records.
    let mut other = BoardModel::new(&q(), &BoardConfig::default_board(), &device(), 8, 8).unwrap();
    for (i, cell) in other.frontend_mut().cells_mut().iter_mut().enumerate() {
        cell.set_conductance_us(150.0 + (i * 37 % 300) as f64)
            .unwrap();
    }
    let mut fe = other.frontend().clone();
    let seq = m.sequencer().clone();
    let elsewhere: Vec<Record> = jobs.iter().map(|&j| seq.program(&mut fe, j)).collect();
    assert_ne!(elsewhere, want);
}
