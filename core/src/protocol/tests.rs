//! Round trips of every request and response, the limits of what one frame carries, and the
//! status a board answers for each decode error.

use super::request::{MAX_CONFIGURE_PAIRS, MAX_LOAD_PAIRS, MAX_PROGRAM_CELLS, MAX_TABLE_WORDS};
use super::*;
use crate::Polarity;
use proptest::prelude::*;
use proptest::sample::select;

fn register() -> impl Strategy<Value = (Register, u32)> {
    select(Register::ALL).prop_flat_map(|r| (Just(r), r.range()))
}

fn request() -> impl Strategy<Value = Request> {
    use proptest::collection::vec;
    let t = any::<u8>();
    prop_oneof![
        (t, any::<u8>(), any::<u8>()).prop_map(|(tag, major, minor)| Request::Hello {
            tag,
            major,
            minor
        }),
        t.prop_map(|tag| Request::Identify { tag }),
        (t, vec(register(), 1..=MAX_CONFIGURE_PAIRS))
            .prop_map(|(tag, writes)| Request::Configure { tag, writes }),
        (
            t,
            vec(
                (0..request::LOAD_ADDRESS_LIMIT, any::<u32>()),
                1..=MAX_LOAD_PAIRS
            )
        )
            .prop_map(|(tag, writes)| Request::LoadWeights { tag, writes }),
        (t, vec(any::<u16>(), 1..=MAX_TABLE_WORDS)).prop_flat_map(|(tag, words)| {
            let last = 0x1_0000 - words.len() as u32;
            (0..=last).prop_map(move |start| Request::LoadTable {
                tag,
                start: start as u16,
                words: words.clone(),
            })
        }),
        (
            t,
            vec(
                (any::<u8>(), any::<u8>(), any::<u16>(), any::<u16>()),
                1..=MAX_PROGRAM_CELLS
            )
        )
            .prop_map(|(tag, cells)| Request::Program { tag, cells }),
        (t, any::<u8>(), any::<u8>(), 0..=4u8).prop_map(|(tag, row, col, reads_log2)| {
            Request::ReadCell {
                tag,
                row,
                col,
                reads_log2,
            }
        }),
        (
            t,
            any::<u8>(),
            any::<u8>(),
            any::<bool>(),
            any::<u16>(),
            any::<u32>()
        )
            .prop_map(
                |(tag, row, col, reset, dac_code, cycles)| Request::RawPulse {
                    tag,
                    row,
                    col,
                    polarity: if reset {
                        Polarity::Reset
                    } else {
                        Polarity::Set
                    },
                    dac_code,
                    cycles,
                }
            ),
        (t, any::<u8>()).prop_map(|(tag, max)| Request::Fetch { tag, max }),
        t.prop_map(|tag| Request::Status { tag }),
    ]
}

prop_compose! {
    fn identity()(
        v in any::<(u8, u8, u32, u8, u8, u8, u8)>(),
        w in any::<(u8, u8, u32, u32, u16, u16)>(),
        x in any::<(u16, u16, u32)>(),
    ) -> Identity {
        Identity {
            major: v.0, minor: v.1, clock_hz: v.2, adc_bits: v.3, dac_bits: v.4, rows: v.5,
            cols: v.6, lanes: w.0, inputs: w.1, min_pulse_cycles: w.2, max_pulse_cycles: w.3,
            dac_set_limit: w.4, dac_reset_limit: w.5, queue_capacity: x.0,
            result_capacity: x.1, design_id: x.2,
        }
    }
}

prop_compose! {
    fn record()(
        a in any::<(u8, u8, u16, u16)>(),
        outcome in select(Outcome::ALL),
        b in any::<(u16, u32, u32, u16)>(),
        refusal in proptest::option::of(select(RefusalReason::ALL)),
    ) -> Record {
        Record {
            row: a.0, col: a.1, target: a.2, final_code: a.3, outcome, pulses: b.0,
            pulse_cycles: b.1, total_cycles: b.2, reads: b.3, refusal,
        }
    }
}

fn failure() -> impl Strategy<Value = Failure> {
    prop_oneof![
        Just(Failure::BadLength),
        Just(Failure::UnknownOpcode),
        any::<(u8, u8)>().prop_map(|(major, minor)| Failure::VersionMismatch { major, minor }),
        Just(Failure::NoHandshake),
        Just(Failure::Busy),
        select(RefusalReason::ALL).prop_map(Failure::RefusedSafety),
        any::<u8>().prop_map(Failure::BadArgument),
    ]
}

fn response() -> impl Strategy<Value = Response> {
    let t = any::<u8>();
    prop_oneof![
        (t, any::<u8>(), any::<u8>()).prop_map(|(tag, major, minor)| Response::Hello {
            tag,
            major,
            minor
        }),
        (t, identity()).prop_map(|(tag, identity)| Response::Identify { tag, identity }),
        t.prop_map(|tag| Response::Configure { tag }),
        t.prop_map(|tag| Response::LoadWeights { tag }),
        t.prop_map(|tag| Response::LoadTable { tag }),
        (t, any::<u16>()).prop_map(|(tag, accepted)| Response::Program { tag, accepted }),
        (t, any::<u16>()).prop_map(|(tag, code)| Response::ReadCell { tag, code }),
        t.prop_map(|tag| Response::RawPulse { tag }),
        (t, proptest::collection::vec(record(), 0..=MAX_RECORDS))
            .prop_map(|(tag, records)| Response::Fetch { tag, records }),
        (t, select(RunState::ALL), any::<(u16, u16, u8, u32)>()).prop_map(|(tag, state, c)| {
            Response::Status {
                tag,
                state,
                queued: c.0,
                results: c.1,
                flags: c.2,
                uptime_cycles: c.3,
            }
        }),
        (t, 0..0x80u8, failure()).prop_map(|(tag, opcode, failure)| Response::Failed {
            opcode,
            tag,
            failure,
        }),
        Just(Response::BadFrame),
    ]
}

fn is_list(r: &Request) -> bool {
    matches!(
        r,
        Request::Configure { .. }
            | Request::LoadWeights { .. }
            | Request::LoadTable { .. }
            | Request::Program { .. }
    )
}

proptest! {
    #[test]
    fn requests_round_trip_through_frames(r in request()) {
        let p = r.encode().unwrap();
        prop_assert!(p.len() <= MAX_PAYLOAD);
        prop_assert_eq!(p[0], r.opcode().code());
        prop_assert_eq!(p[1], r.tag());
        prop_assert_eq!(Request::decode(&p).unwrap(), r.clone());
        let got = Deframer::new().feed(&frame(&p).unwrap());
        prop_assert_eq!(got, vec![Ok(p)]);
    }

    #[test]
    fn responses_round_trip_through_frames(r in response()) {
        let p = r.encode().unwrap();
        prop_assert!(p.len() <= MAX_PAYLOAD);
        prop_assert_eq!(p[1], r.tag());
        prop_assert_eq!(p[2], r.status().code());
        prop_assert_eq!(Response::decode(&p).unwrap(), r.clone());
        let got = Deframer::new().feed(&frame(&p).unwrap());
        prop_assert_eq!(got, vec![Ok(p)]);
    }

    #[test]
    fn a_request_cut_short_or_extended_is_refused(r in request(), extra in 1usize..6) {
        let p = r.encode().unwrap();
        for n in 0..p.len() {
            let e = Request::decode(&p[..n]);
            // Lists of several items cut at an item boundary are shorter valid lists.
            if let Ok(d) = &e {
                prop_assert!(is_list(d), "{:?}", d);
                continue;
            }
            let status = e.unwrap_err().status();
            prop_assert!(
                status == Some(Status::BadLength) || status == Some(Status::BadFrame),
                "{:?}", status
            );
        }
        let mut long = p.clone();
        long.extend(std::iter::repeat(0u8).take(extra));
        if let Ok(d) = Request::decode(&long) {
            // Only lists grow by whole items (zeros are valid items of some lists).
            prop_assert!(is_list(&d), "{:?}", d);
        }
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Request::decode(&bytes);
        let _ = Response::decode(&bytes);
    }
}

#[test]
fn each_command_has_its_documented_bytes() {
    let cases: Vec<(Request, Vec<u8>)> = vec![
        (
            Request::Hello {
                tag: 1,
                major: 1,
                minor: 0,
            },
            vec![0x01, 0x01, 0x01, 0x00],
        ),
        (Request::Identify { tag: 2 }, vec![0x02, 0x02]),
        (
            Request::Configure {
                tag: 3,
                writes: vec![(Register::Mode, 5), (Register::RtMaxCycles, 0x0102_0304)],
            },
            vec![0x03, 0x03, 0x01, 5, 0, 0, 0, 0x21, 0x04, 0x03, 0x02, 0x01],
        ),
        (
            Request::LoadWeights {
                tag: 4,
                writes: vec![(0x2_0001, 0xDEAD_BEEF)],
            },
            vec![0x04, 0x04, 0x01, 0x00, 0x02, 0x00, 0xEF, 0xBE, 0xAD, 0xDE],
        ),
        (
            Request::LoadTable {
                tag: 5,
                start: 0x1234,
                words: vec![0xABCD, 0x0001],
            },
            vec![0x05, 0x05, 0x34, 0x12, 0xCD, 0xAB, 0x01, 0x00],
        ),
        (
            Request::Program {
                tag: 6,
                cells: vec![(1, 2, 0x0800, 0x0029)],
            },
            vec![0x06, 0x06, 1, 2, 0x00, 0x08, 0x29, 0x00],
        ),
        (
            Request::ReadCell {
                tag: 7,
                row: 3,
                col: 4,
                reads_log2: 4,
            },
            vec![0x07, 0x07, 3, 4, 4],
        ),
        (
            Request::RawPulse {
                tag: 8,
                row: 5,
                col: 6,
                polarity: Polarity::Reset,
                dac_code: 0x0300,
                cycles: 120,
            },
            vec![0x08, 0x08, 5, 6, 1, 0x00, 0x03, 120, 0, 0, 0],
        ),
        (Request::Fetch { tag: 9, max: 51 }, vec![0x09, 0x09, 51]),
        (Request::Status { tag: 10 }, vec![0x0A, 0x0A]),
    ];
    for (r, bytes) in cases {
        assert_eq!(r.encode().unwrap(), bytes, "{r:?}");
        assert_eq!(Request::decode(&bytes).unwrap(), r);
    }
}

#[test]
fn limits_of_one_frame() {
    assert_eq!(
        (
            MAX_CONFIGURE_PAIRS,
            MAX_LOAD_PAIRS,
            MAX_TABLE_WORDS,
            MAX_PROGRAM_CELLS,
            MAX_RECORDS
        ),
        (204, 127, 510, 170, 51)
    );
    let full = Response::Fetch {
        tag: 0,
        records: vec![
            Record {
                row: 0,
                col: 0,
                target: 0,
                final_code: 0,
                outcome: Outcome::Stuck,
                pulses: 0,
                pulse_cycles: 0,
                total_cycles: 0,
                reads: 0,
                refusal: None,
            };
            MAX_RECORDS
        ],
    };
    assert_eq!(full.encode().unwrap().len(), MAX_PAYLOAD);
    let Response::Fetch { mut records, .. } = full else {
        unreachable!()
    };
    records.push(records[0]);
    assert!(matches!(
        Response::Fetch { tag: 0, records }.encode(),
        Err(ProtocolError::Count { count: 52, .. })
    ));
    let too_many = Request::Program {
        tag: 0,
        cells: vec![(0, 0, 0, 0); MAX_PROGRAM_CELLS + 1],
    };
    assert!(matches!(
        too_many.encode(),
        Err(ProtocolError::Count { count: 171, .. })
    ));
    let words = Request::LoadTable {
        tag: 0,
        start: 0,
        words: vec![0; MAX_TABLE_WORDS + 1],
    };
    assert!(matches!(words.encode(), Err(ProtocolError::Count { .. })));
    let past_end = Request::LoadTable {
        tag: 0,
        start: 0xFFFF,
        words: vec![0; 2],
    };
    assert!(matches!(
        past_end.encode(),
        Err(ProtocolError::BadArgument { index: 0, .. })
    ));
    let address = Request::LoadWeights {
        tag: 0,
        writes: vec![(0, 0), (1 << 20, 0)],
    };
    assert!(matches!(
        address.encode(),
        Err(ProtocolError::BadArgument { index: 1, .. })
    ));
    let value = Request::Configure {
        tag: 0,
        writes: vec![(Register::Mode, 0), (Register::MaxAttempts, 0)],
    };
    assert!(matches!(
        value.encode(),
        Err(ProtocolError::BadArgument { index: 1, .. })
    ));
    let failed = Response::Failed {
        opcode: 0x80,
        tag: 0,
        failure: Failure::Busy,
    };
    assert!(failed.encode().is_err());
}

#[test]
fn decode_errors_map_to_the_board_s_status() {
    let st = |p: &[u8]| Request::decode(p).unwrap_err().status();
    assert_eq!(st(&[0x01]), Some(Status::BadFrame));
    assert_eq!(st(&[0x0B, 0x01]), Some(Status::UnknownOpcode));
    assert_eq!(st(&[0x81, 0x01]), Some(Status::UnknownOpcode));
    assert_eq!(st(&[0x01, 0x01, 0x01]), Some(Status::BadLength));
    assert_eq!(st(&[0x03, 0x01]), Some(Status::BadLength));
    assert_eq!(st(&[0x09, 0x01]), Some(Status::BadLength));
    // The second pair's register (0x02, unused) is unknown: BAD_ARGUMENT with index 1.
    let e = Request::decode(&[0x03, 0, 0x03, 1, 0, 0, 0, 0x02, 0, 0, 0, 0]).unwrap_err();
    assert!(
        matches!(e, ProtocolError::BadArgument { index: 1, .. }),
        "{e}"
    );
    assert_eq!(Failure::of(&e), Some(Failure::BadArgument(1)));
    let e = Request::decode(&[0x08, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(Failure::of(&e), Some(Failure::BadArgument(2)));
    // Responses: BAD_FRAME only as [0xFF, 0x00, 0x01].
    assert_eq!(Response::decode(&[0xFF, 0, 1]).unwrap(), Response::BadFrame);
    assert!(Response::decode(&[0x81, 0, 1]).is_err());
    assert!(Response::decode(&[0xFF, 3, 1]).is_err());
    assert!(Response::decode(&[0xFF, 0, 1, 0]).is_err());
    assert_eq!(
        Response::decode(&[0x81, 0, 9]).unwrap_err(),
        ProtocolError::UnknownStatus(9)
    );
    // An unknown opcode is echoed with the response bit.
    let r = Response::Failed {
        opcode: 0x33,
        tag: 4,
        failure: Failure::UnknownOpcode,
    };
    assert_eq!(r.encode().unwrap(), [0xB3, 4, 3]);
    // A FETCH record's refusal byte must be 0 or a reason.
    let mut p = Response::Fetch {
        tag: 0,
        records: vec![Record {
            row: 1,
            col: 2,
            target: 3,
            final_code: 4,
            outcome: Outcome::InTolerance,
            pulses: 5,
            pulse_cycles: 6,
            total_cycles: 7,
            reads: 8,
            refusal: None,
        }],
    }
    .encode()
    .unwrap();
    assert_eq!(p.len(), 4 + RECORD_BYTES);
    p[4 + 7] = 4;
    assert!(Response::decode(&p).is_err());
    p[4 + 7] = 3;
    assert!(Response::decode(&p).is_ok());
}

/// The example frames of docs/PROTOCOL.md, byte for byte.
#[test]
fn documented_example_frames() {
    let hello = Request::Hello {
        tag: 1,
        major: 1,
        minor: 0,
    };
    let read = Request::ReadCell {
        tag: 0x7E,
        row: 3,
        col: 0x7D,
        reads_log2: 2,
    };
    let cases: Vec<(Vec<u8>, &[u8])> = vec![
        (
            hello.encode().unwrap(),
            &[0x7E, 0x01, 0x01, 0x01, 0x00, 0xF6, 0x75, 0x7E],
        ),
        (
            Response::Hello {
                tag: 1,
                major: 1,
                minor: 0,
            }
            .encode()
            .unwrap(),
            &[0x7E, 0x81, 0x01, 0x00, 0x01, 0x00, 0xDC, 0x08, 0x7E],
        ),
        (
            read.encode().unwrap(),
            &[
                0x7E, 0x07, 0x7D, 0x5E, 0x03, 0x7D, 0x5D, 0x02, 0x91, 0xE0, 0x7E,
            ],
        ),
        (
            Request::Status { tag: 2 }.encode().unwrap(),
            &[0x7E, 0x0A, 0x02, 0xD2, 0x86, 0x7E],
        ),
        (
            Response::BadFrame.encode().unwrap(),
            &[0x7E, 0xFF, 0x00, 0x01, 0x13, 0xDE, 0x7E],
        ),
    ];
    for (payload, wire) in cases {
        assert_eq!(frame(&payload).unwrap(), wire);
        assert_eq!(Deframer::new().feed(wire), vec![Ok(payload)]);
    }
    // The wire time of the examples in the timing section.
    assert_eq!(BYTES_PER_SECOND, 100_000);
}
