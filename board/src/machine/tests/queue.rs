//! The queue and the result store: BUSY, a full store stopping the sequencer, STATUS.

use super::*;
use ouro_core::protocol::{RunState, Status};
use ouro_core::Polarity;
use ouro_hdl::identity::{QUEUE_CAPACITY, RESULT_CAPACITY};

/// Quick jobs: every reading is within the tolerance, so a cell is a select and a read.
fn quick(first: usize, n: usize) -> Vec<Job> {
    jobs(first, n)
        .into_iter()
        .map(|j| Job {
            tolerance: u16::MAX,
            ..j
        })
        .collect()
}

fn status(m: &mut BoardModel) -> (RunState, u16, u16) {
    match send(m, &Request::Status { tag: 0 }) {
        Response::Status {
            state,
            queued,
            results,
            flags: 0,
            uptime_cycles,
            ..
        } => {
            assert_eq!(uptime_cycles, m.cycles() as u32);
            (state, queued, results)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_full_result_store_stops_the_sequencer_and_the_board_is_busy() {
    let mut m = shaken();
    // 7 x 170 cells: the store takes 1024 records, 166 jobs stay queued.
    for k in 0..7 {
        let r = send(
            &mut m,
            &program_request(k, &quick(170 * usize::from(k), 170)),
        );
        assert_eq!(
            r,
            Response::Program {
                tag: k,
                accepted: 170
            }
        );
    }
    assert_eq!(
        status(&mut m),
        (RunState::Running, 166, RESULT_CAPACITY as u16)
    );
    // Everything that changes settings, engine, table or a cell is BUSY and changes nothing;
    // an argument error is still reported first.
    let before = snapshot(&mut m);
    let busy = [
        Request::Configure {
            tag: 1,
            writes: vec![(Register::ReadsLog2, 1)],
        },
        Request::LoadWeights {
            tag: 1,
            writes: vec![(0, 1)],
        },
        Request::LoadTable {
            tag: 1,
            start: 0,
            words: vec![1],
        },
        Request::ReadCell {
            tag: 1,
            row: 0,
            col: 0,
            reads_log2: 0,
        },
        Request::RawPulse {
            tag: 1,
            row: 0,
            col: 0,
            polarity: Polarity::Set,
            dac_code: 0,
            cycles: 1,
        },
    ];
    for r in &busy {
        assert_eq!(
            send(&mut m, r),
            failed(r.opcode(), 1, Failure::Busy),
            "{r:?}"
        );
    }
    assert_eq!(
        send(
            &mut m,
            &Request::Configure {
                tag: 1,
                writes: vec![(Register::FixedCycles, 0)]
            }
        ),
        failed(Opcode::Configure, 1, Failure::BadArgument(0))
    );
    assert_eq!(
        send(
            &mut m,
            &Request::ReadCell {
                tag: 1,
                row: 32,
                col: 0,
                reads_log2: 0
            }
        ),
        failed(Opcode::ReadCell, 1, Failure::BadArgument(0))
    );
    assert_eq!(snapshot(&mut m), before);
    // HELLO, IDENTIFY, STATUS are never busy.
    assert_eq!(
        send(
            &mut m,
            &Request::Hello {
                tag: 1,
                major: 1,
                minor: 0
            }
        )
        .status(),
        Status::Ok
    );
    assert_eq!(
        send(&mut m, &Request::Identify { tag: 1 }).status(),
        Status::Ok
    );

    // Fill the queue to exactly its capacity; one more cell is BUSY and queues none.
    let mut queued = 166;
    let mut next = 7 * 170;
    while queued < QUEUE_CAPACITY {
        let n = (QUEUE_CAPACITY - queued).min(170);
        let r = send(&mut m, &program_request(2, &quick(next, n)));
        assert_eq!(
            r,
            Response::Program {
                tag: 2,
                accepted: n as u16
            }
        );
        queued += n;
        next += n;
    }
    assert_eq!(
        status(&mut m),
        (RunState::Running, QUEUE_CAPACITY as u16, 1024)
    );
    let before = snapshot(&mut m);
    assert_eq!(
        send(&mut m, &program_request(3, &quick(next, 1))),
        failed(Opcode::Program, 3, Failure::Busy)
    );
    assert_eq!(snapshot(&mut m), before);

    // FETCH makes room: the sequencer takes that many jobs before the next request.
    let first = match send(&mut m, &Request::Fetch { tag: 4, max: 200 }) {
        Response::Fetch { records, .. } => records,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.len(), 51);
    let targets: Vec<u16> = quick(0, 51).iter().map(|j| j.target).collect();
    assert_eq!(first.iter().map(|r| r.target).collect::<Vec<_>>(), targets);
    assert_eq!(
        status(&mut m),
        (RunState::Running, QUEUE_CAPACITY as u16 - 51, 1024)
    );
    // 51 free places again: a PROGRAM of 51 fits, 52 does not.
    assert_eq!(
        send(&mut m, &program_request(5, &quick(next, 52))),
        failed(Opcode::Program, 5, Failure::Busy)
    );
    assert_eq!(
        send(&mut m, &program_request(5, &quick(next, 51))),
        Response::Program {
            tag: 5,
            accepted: 51
        }
    );
}

#[test]
fn status_counts_the_cycles_simulated() {
    let mut m = shaken();
    assert_eq!(status(&mut m), (RunState::Idle, 0, 0));
    assert_eq!(m.cycles(), 0);
    let r = send(&mut m, &program_request(1, &quick(0, 3)));
    assert_eq!(
        r,
        Response::Program {
            tag: 1,
            accepted: 3
        }
    );
    assert_eq!(status(&mut m), (RunState::Idle, 0, 3));
    let sum: u64 = m.records().iter().map(|r| u64::from(r.total_cycles)).sum();
    assert!(sum > 0);
    assert_eq!(m.cycles(), sum);
}
