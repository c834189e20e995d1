//! The handshake, the framing answers and the order of the checks.

use super::*;
use ouro_core::protocol::{Status, VERSION_MAJOR};

#[test]
fn bad_frames_and_short_payloads_are_answered_ff_00_01() {
    let mut m = fresh();
    assert_eq!(m.bad_frame(), [0xFF, 0x00, 0x01]);
    assert_eq!(m.handle(&[]), [0xFF, 0x00, 0x01]);
    assert_eq!(m.handle(&[0x01]), [0xFF, 0x00, 0x01]);
    let mut m = shaken();
    assert_eq!(m.handle(&[0x0A]), [0xFF, 0x00, 0x01]);
    assert_eq!(m.bad_frame(), [0xFF, 0x00, 0x01]);
    assert!(m.handshake(), "a bad frame changes nothing");
}

#[test]
fn the_handshake_gates_every_command_but_hello_and_identify() {
    let mut m = fresh();
    assert!(!m.handshake());
    // Before HELLO: every other opcode, whatever its arguments, is NO_HANDSHAKE.
    for op in 0x03..=0x0A {
        for args in [&[][..], &[0xFF; 9][..]] {
            let mut p = vec![op, 0x42];
            p.extend_from_slice(args);
            let op = Opcode::from_code(op).unwrap();
            assert_eq!(raw(&mut m, &p), failed(op, 0x42, Failure::NoHandshake));
        }
    }
    // IDENTIFY is allowed, its length still checked.
    let id = *m.identity();
    assert_eq!(
        send(&mut m, &Request::Identify { tag: 3 }),
        Response::Identify {
            tag: 3,
            identity: id
        }
    );
    assert_eq!(
        raw(&mut m, &[0x02, 4, 0]),
        failed(Opcode::Identify, 4, Failure::BadLength)
    );
    // HELLO with another major: VERSION_MISMATCH with the board's version, no handshake.
    let mismatch = failed(
        Opcode::Hello,
        5,
        Failure::VersionMismatch { major: 1, minor: 0 },
    );
    assert_eq!(raw(&mut m, &[0x01, 5, 2, 0]), mismatch);
    assert_eq!(
        raw(&mut m, &[0x01, 5, 0, 9]),
        failed(
            Opcode::Hello,
            5,
            Failure::VersionMismatch { major: 1, minor: 0 }
        )
    );
    assert!(!m.handshake());
    assert_eq!(
        raw(&mut m, &[0x0A, 6]),
        failed(Opcode::Status, 6, Failure::NoHandshake)
    );
    assert_eq!(
        raw(&mut m, &[0x01, 7, 1]),
        failed(Opcode::Hello, 7, Failure::BadLength)
    );
    // The same major with another minor: OK with the board's version.
    assert_eq!(
        raw(&mut m, &[0x01, 8, VERSION_MAJOR, 7]),
        Response::Hello {
            tag: 8,
            major: 1,
            minor: 0
        }
    );
    assert!(m.handshake());
    assert_eq!(raw(&mut m, &[0x0A, 9]).status(), Status::Ok);
    // A mismatching HELLO later leaves the handshake as it was.
    assert_eq!(raw(&mut m, &[0x01, 5, 2, 0]), mismatch);
    assert!(m.handshake());
    assert_eq!(raw(&mut m, &[0x0A, 10]).status(), Status::Ok);
}

#[test]
fn unknown_opcodes_are_answered_before_the_handshake_is_checked() {
    for mut m in [fresh(), shaken()] {
        for op in [0x00, 0x0B, 0x7F, 0x80, 0x81, 0x8A, 0xFE, 0xFF] {
            let bytes = m.handle(&[op, 0x33, 1, 2, 3]);
            assert_eq!(bytes, [op | 0x80, 0x33, 3], "{op:#x}");
        }
    }
}

#[test]
fn wrong_lengths_are_bad_length_before_any_argument_is_judged() {
    let mut m = shaken();
    for (p, op) in [
        (vec![0x01, 1, 1], Opcode::Hello),
        (vec![0x02, 1, 0], Opcode::Identify),
        (vec![0x03, 1], Opcode::Configure),
        // Six bytes: not whole pairs, though the first register is unknown.
        (vec![0x03, 1, 0x02, 0, 0, 0, 0, 0], Opcode::Configure),
        (vec![0x04, 1, 0, 0, 0xFF, 0, 0, 0, 0], Opcode::LoadWeights),
        (vec![0x05, 1, 0, 0], Opcode::LoadTable),
        (vec![0x05, 1, 0xFF, 0xFF, 0, 0, 0], Opcode::LoadTable),
        (vec![0x06, 1, 99, 0, 0, 0, 0], Opcode::Program),
        (vec![0x07, 1, 99, 0], Opcode::ReadCell),
        (vec![0x08, 1, 0, 0, 9, 0, 0, 0, 0, 0], Opcode::RawPulse),
        (vec![0x09, 1], Opcode::Fetch),
        (vec![0x0A, 1, 0], Opcode::Status),
    ] {
        assert_eq!(
            raw(&mut m, &p),
            failed(op, 1, Failure::BadLength),
            "{p:02x?}"
        );
    }
}

fn pair(reg: u8, v: u32) -> Vec<u8> {
    let mut p = vec![reg];
    p.extend(v.to_le_bytes());
    p
}

fn bad_argument(m: &mut BoardModel, p: &[u8]) -> u8 {
    match raw(m, p) {
        Response::Failed {
            failure: Failure::BadArgument(i),
            ..
        } => i,
        other => panic!("{p:02x?}: {other:?}"),
    }
}

#[test]
fn configure_reports_the_first_bad_pair_by_protocol_or_board_rules() {
    let mut m = shaken();
    let ok = pair(0x04, 1); // READS_LOG2 = 1
    let protocol_bad = pair(0x02, 0); // not a register
    let board_bad = pair(0x05, 0); // FIXED_CYCLES = 0
    for (pairs, want) in [
        (vec![&protocol_bad], 0),
        (vec![&board_bad], 0),
        (vec![&ok, &ok, &board_bad], 2),
        (vec![&board_bad, &protocol_bad], 0),
        (vec![&ok, &protocol_bad, &board_bad], 1),
        (vec![&ok, &board_bad, &protocol_bad], 1),
    ] {
        let mut p = vec![0x03, 1];
        for x in &pairs {
            p.extend_from_slice(x);
        }
        assert_eq!(bad_argument(&mut m, &p), want, "{p:02x?}");
    }
    // Every board rule of SeqConfig::write, and the protocol's ranges.
    for (reg, v) in [
        (0x01, 2), // a probe mode: not in the sequencer
        (0x01, 3),
        (0x01, 6),
        (0x03, 0),
        (0x03, 256),
        (0x04, 5),
        (0x05, 0),
        (0x05, 1 << 24),
        (0x08, 0),
        (0x0B, 1 << 24),
        (0x20, 1 << 24),
        (0x21, u32::MAX),
        (0x06, 65536),
        (0x1F, 70000),
        (0x22, 4096),
        (0x23, 4096),
        (0x30, 0),
        (0x00, 0),
    ] {
        let mut p = vec![0x03, 1];
        p.extend(ok.clone());
        p.extend(pair(reg, v));
        assert_eq!(bad_argument(&mut m, &p), 1, "{reg:#x} = {v}");
    }
    assert_eq!(*m.config(), crate::SeqConfig::power_up([2048, 2048]));
}

#[test]
fn load_weights_reports_the_first_address_outside_the_image() {
    let mut m = shaken();
    let s = m.shape().clone();
    let a = |region: u32, lane: usize, word: usize| ouro_hdl::layout::load_addr(region, lane, word);
    let ok = a(0, 0, 0);
    for (addrs, want) in [
        (vec![a(3, 0, 0)], 0),
        (vec![ok, a(3, 0, 1)], 1),
        (vec![ok, a(0, 8, 0)], 1),
        (vec![ok, a(1, 8, 0)], 1),
        (vec![ok, a(0, 7, s.weight_depth())], 1),
        (vec![ok, a(1, 0, s.bias_depth())], 1),
        (vec![ok, a(2, 0, s.frac_depth())], 1),
        (vec![ok, a(4, 0, 0)], 1),
        (vec![ok, 1 << 20], 1),
        // The board rule of pair 1 before the protocol rule of pair 2, and the reverse.
        (vec![ok, a(3, 0, 0), 1 << 20], 1),
        (vec![ok, 1 << 20, a(3, 0, 0)], 1),
        (vec![a(0, 9, 0), ok, 1 << 20], 0),
    ] {
        let mut p = vec![0x04, 1];
        for addr in &addrs {
            p.extend(addr.to_le_bytes());
            p.extend(7u32.to_le_bytes());
        }
        assert_eq!(bad_argument(&mut m, &p), want, "{addrs:x?}");
    }
    assert_eq!(m.predictor(), &q(), "nothing loaded");
}

#[test]
fn load_table_program_read_cell_and_raw_pulse_report_their_fields() {
    let mut m = shaken();
    // LOAD_TABLE: past the 16384-word table (board) or past word 0xFFFF (protocol): index 0.
    for (start, n, want) in [
        (16383u16, 2, Some(0)),
        (16383, 1, None),
        (0xFFFF, 2, Some(0)),
        (16000, 510, Some(0)),
    ] {
        let r = send_or_raw_table(&mut m, start, n);
        match want {
            Some(i) => assert_eq!(r, failed(Opcode::LoadTable, 1, Failure::BadArgument(i))),
            None => assert_eq!(r, Response::LoadTable { tag: 1 }),
        }
    }
    // PROGRAM: row, column, target (12-bit ADC); the first bad entry.
    for (cells, want) in [
        (vec![(32u8, 0u8, 0u16, 0u16)], 0),
        (vec![(0, 0, 100, 0), (0, 32, 100, 0)], 1),
        (vec![(0, 0, 100, 0), (1, 1, 4095, 0), (1, 1, 4096, 0)], 2),
        (
            vec![
                (0, 0, 100, 0),
                (0, 0, 100, 0),
                (31, 31, 0, 0xFFFF),
                (255, 255, 0xFFFF, 0),
            ],
            3,
        ),
    ] {
        let r = send(&mut m, &Request::Program { tag: 1, cells });
        assert_eq!(r, failed(Opcode::Program, 1, Failure::BadArgument(want)));
    }
    assert!(m.queue().is_empty() && m.records().is_empty());
    // READ_CELL: row 0, col 1, reads_log2 2; the first bad field.
    for (args, want) in [
        ([32, 0, 0], 0),
        ([0, 32, 0], 1),
        ([0, 0, 5], 2),
        ([32, 32, 5], 0),
        ([0, 40, 9], 1),
    ] {
        let mut p = vec![0x07, 1];
        p.extend(args);
        assert_eq!(bad_argument(&mut m, &p), want, "{args:?}");
    }
    // RAW_PULSE: row 0, col 1, polarity 2; duration and amplitude are not argument errors.
    for (head, want) in [
        ([32, 0, 0], 0),
        ([0, 32, 1], 1),
        ([0, 0, 2], 2),
        ([99, 0, 2], 0),
        ([0, 99, 7], 1),
    ] {
        let mut p = vec![0x08, 1];
        p.extend(head);
        p.extend(u16::MAX.to_le_bytes());
        p.extend(u32::MAX.to_le_bytes());
        assert_eq!(bad_argument(&mut m, &p), want, "{head:?}");
    }
}

fn send_or_raw_table(m: &mut BoardModel, start: u16, n: usize) -> Response {
    let mut p = vec![0x05, 1];
    p.extend(start.to_le_bytes());
    for w in 0..n as u16 {
        p.extend(w.to_le_bytes());
    }
    raw(m, &p)
}
