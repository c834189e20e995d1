//! Random payloads: never a panic, always exactly one well-formed response that echoes the
//! request's opcode and tag.

use super::*;
use ouro_core::protocol::{Status, BAD_FRAME_OPCODE, RESPONSE_BIT};
use ouro_core::Polarity;
use ouro_hdl::layout::load_addr;
use proptest::prelude::*;
use std::sync::OnceLock;

fn base() -> &'static BoardModel {
    static BASE: OnceLock<BoardModel> = OnceLock::new();
    BASE.get_or_init(fresh)
}

/// A payload: mostly a protocol opcode with arguments of about the right size, sometimes
/// anything.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    let sized =
        (0x00u8..=0x0B, any::<u8>(), 0usize..3, any::<u64>()).prop_map(|(op, tag, shape, seed)| {
            let unit = match op {
                0x03 => 5,
                0x04 => 8,
                0x05 | 0x06 => 6,
                0x07 => 3,
                0x08 => 9,
                0x01 => 2,
                0x09 => 1,
                _ => 0,
            };
            let n = match shape {
                0 => unit,
                1 => unit * (1 + (seed % 4) as usize),
                _ => (seed % 23) as usize,
            };
            let mut s = seed | 1;
            let mut p = vec![op, tag];
            for _ in 0..n {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                // Small values often, so that rows, columns, registers and regions are valid.
                p.push(if s % 3 == 0 {
                    (s >> 8) as u8
                } else {
                    ((s >> 8) % 4) as u8
                });
            }
            p
        });
    prop_oneof![
        4 => sized,
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_payload_gets_exactly_one_well_formed_response(
        hello in proptest::bool::weighted(0.8),
        payloads in proptest::collection::vec(payload(), 1..12),
    ) {
        let mut m = base().clone();
        if hello {
            m.handle(&[0x01, 0x00, 0x01, 0x00]);
        }
        for p in &payloads {
            let bytes = m.handle(p);
            let r = Response::decode(&bytes);
            prop_assert!(r.is_ok(), "{:02x?} -> {:02x?}", p, bytes);
            let r = r.unwrap();
            prop_assert_eq!(r.encode().unwrap(), bytes.clone());
            if p.len() < 2 {
                prop_assert_eq!(bytes, vec![BAD_FRAME_OPCODE, 0, 1]);
            } else {
                prop_assert_eq!(bytes[0], p[0] | RESPONSE_BIT);
                prop_assert_eq!(bytes[1], p[1]);
            }
        }
    }
}

/// A value near the edges of the registers' ranges.
fn value() -> impl Strategy<Value = u32> {
    prop_oneof![
        prop::sample::select(vec![
            0u32,
            1,
            2,
            4,
            5,
            255,
            256,
            4095,
            4096,
            65535,
            65536,
            (1 << 24) - 1,
            1 << 24
        ]),
        any::<u32>(),
    ]
}

fn cycles() -> impl Strategy<Value = u32> {
    prop_oneof![
        prop::sample::select(vec![0u32, 1, 2, 100, 131_072, 131_073, 1 << 24, u32::MAX]),
        1u32..2000,
    ]
}

/// A request the protocol can encode, its fields around the board's limits.
fn request() -> impl Strategy<Value = Request> {
    let tag = any::<u8>();
    let cell = (0u8..34, 0u8..34);
    prop_oneof![
        (tag, 0u8..3, any::<u8>()).prop_map(|(tag, major, minor)| Request::Hello {
            tag,
            major,
            minor
        }),
        tag.prop_map(|tag| Request::Identify { tag }),
        tag.prop_map(|tag| Request::Status { tag }),
        (tag, any::<u8>()).prop_map(|(tag, max)| Request::Fetch { tag, max }),
        (
            tag,
            proptest::collection::vec(
                (prop::sample::select(Register::ALL.to_vec()), value()),
                1..4
            )
        )
            .prop_map(|(tag, writes)| Request::Configure { tag, writes }),
        (
            tag,
            proptest::collection::vec(
                (
                    (
                        0u32..5,
                        0usize..10,
                        prop_oneof![0usize..12, 0usize..120, 0usize..4096]
                    ),
                    any::<u32>()
                ),
                1..4
            )
        )
            .prop_map(|(tag, w)| Request::LoadWeights {
                tag,
                writes: w
                    .into_iter()
                    .map(|((r, l, word), d)| (load_addr(r, l, word), d))
                    .collect(),
            }),
        (
            tag,
            prop::sample::select(vec![0u16, 100, 16000, 16382, 16383, 16384, 65534]),
            proptest::collection::vec(any::<u16>(), 1..4)
        )
            .prop_map(|(tag, start, words)| Request::LoadTable { tag, start, words }),
        (
            tag,
            proptest::collection::vec((cell.clone(), 0u16..4100, any::<u16>()), 1..4)
        )
            .prop_map(|(tag, c)| Request::Program {
                tag,
                cells: c
                    .into_iter()
                    .map(|((r, c), t, tol)| (r, c, t, tol))
                    .collect(),
            }),
        (tag, cell.clone(), 0u8..5).prop_map(|(tag, (row, col), reads_log2)| Request::ReadCell {
            tag,
            row,
            col,
            reads_log2
        }),
        (tag, cell, any::<bool>(), any::<u16>(), cycles()).prop_map(
            |(tag, (row, col), reset, dac_code, cycles)| {
                Request::RawPulse {
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
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Requests that decode, around the board's limits: one well-formed answer each, and an
    /// answer other than OK changed nothing (a pulse the interlock refuses has selected its
    /// cell and spent cycles, as on the board).
    #[test]
    fn a_refused_request_changes_nothing(
        requests in proptest::collection::vec(request(), 1..10),
    ) {
        let mut m = base().clone();
        m.handle(&[0x01, 0x00, 0x01, 0x00]);
        for r in &requests {
            let Ok(p) = r.encode() else { continue };
            m.run_queue();
            let before = m.clone();
            let bytes = m.handle(&p);
            let answer = Response::decode(&bytes);
            prop_assert!(answer.is_ok(), "{:?} -> {:02x?}", r, bytes);
            let answer = answer.unwrap();
            prop_assert_eq!(answer.tag(), r.tag());
            prop_assert_eq!(bytes[0], p[0] | RESPONSE_BIT);
            if !matches!(answer.status(), Status::Ok | Status::RefusedSafety) {
                prop_assert!(
                    format!("{m:?}") == format!("{before:?}"),
                    "{:?} -> {:?} changed the board", r, answer
                );
            }
        }
    }
}
