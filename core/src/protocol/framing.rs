//! Framing: the CRC, byte stuffing, whole frames, and the streaming [`Deframer`].
//!
//! A frame is `FLAG, stuffed(payload ++ crc_be), FLAG`. Every flag ends the frame before it
//! and opens the next one, so bytes between two frames (line noise) form a bad frame of their
//! own and the frame after them still arrives intact; two flags in a row are an empty frame,
//! which receivers ignore. Before its first flag a receiver discards everything.

use super::{ProtocolError, ESCAPE, ESCAPE_XOR, FLAG, MAX_PAYLOAD};

/// The CRC-16/IBM-3740 (CCITT-FALSE) engine: poly 0x1021, init 0xFFFF, no reflection, xorout 0.
const CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

/// The CRC of `bytes` (CRC-16/IBM-3740, also called CCITT-FALSE).
///
/// ```
/// assert_eq!(ouro_core::protocol::crc16(b"123456789"), 0x29B1);
/// assert_eq!(ouro_core::protocol::crc16(&[]), 0xFFFF);
/// ```
pub fn crc16(bytes: &[u8]) -> u16 {
    CRC.checksum(bytes)
}

/// Append the stuffed form of `bytes` to `out`: 0x7E becomes 0x7D 0x5E, 0x7D becomes
/// 0x7D 0x5D, every other byte is itself.
///
/// ```
/// let mut out = Vec::new();
/// ouro_core::protocol::stuff_into(&[0x01, 0x7E, 0x7D, 0x5E], &mut out);
/// assert_eq!(out, [0x01, 0x7D, 0x5E, 0x7D, 0x5D, 0x5E]);
/// ```
pub fn stuff_into(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        if b == FLAG || b == ESCAPE {
            out.push(ESCAPE);
            out.push(b ^ ESCAPE_XOR);
        } else {
            out.push(b);
        }
    }
}

/// The bytes that `stuffed` stands for, or [`ProtocolError::BadEscape`] when an escape is
/// followed by anything but 0x5E or 0x5D (or ends the input). A flag inside is an error too
/// (it cannot be part of a frame's body).
pub fn unstuff(stuffed: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let mut out = Vec::with_capacity(stuffed.len());
    let mut it = stuffed.iter();
    while let Some(&b) = it.next() {
        match b {
            ESCAPE => match it.next() {
                Some(&e) if e == FLAG ^ ESCAPE_XOR || e == ESCAPE ^ ESCAPE_XOR => {
                    out.push(e ^ ESCAPE_XOR)
                }
                Some(&e) => return Err(ProtocolError::BadEscape { byte: e }),
                None => return Err(ProtocolError::BadEscape { byte: FLAG }),
            },
            FLAG => return Err(ProtocolError::BadEscape { byte: FLAG }),
            _ => out.push(b),
        }
    }
    Ok(out)
}

/// The frame that carries `payload`: `0x7E, stuffed(payload ++ crc16(payload) big-endian),
/// 0x7E`; [`ProtocolError::PayloadTooLarge`] beyond [`MAX_PAYLOAD`] bytes.
///
/// ```
/// use ouro_core::protocol::frame;
/// // The CRC of [0x7E, 0x7D] is 0x9963; both payload bytes are stuffed.
/// assert_eq!(
///     frame(&[0x7E, 0x7D]).unwrap(),
///     [0x7E, 0x7D, 0x5E, 0x7D, 0x5D, 0x99, 0x63, 0x7E]
/// );
/// ```
pub fn frame(payload: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(ProtocolError::PayloadTooLarge {
            len: payload.len(),
            max: MAX_PAYLOAD,
        });
    }
    let mut out = Vec::with_capacity(payload.len() + payload.len() / 8 + 6);
    out.push(FLAG);
    stuff_into(payload, &mut out);
    stuff_into(&crc16(payload).to_be_bytes(), &mut out);
    out.push(FLAG);
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first flag: everything is discarded.
    Hunt,
    /// Inside a frame.
    Body,
    /// Inside a frame, after an escape.
    Escape,
    /// Inside a frame that is already bad: discard until the next flag, then report `error`.
    Bad,
}

/// A streaming receiver: give it the line's bytes one at a time ([`Deframer::push`]); at each
/// flag that closes a non-empty frame it yields the frame's payload, or the typed error that
/// makes the frame bad. It never panics and never holds more than the maximum payload plus the
/// two CRC bytes; after any error it resynchronises at the next flag. The gateware's frame
/// receiver (`ouro_hdl::link::FrameRx`) follows the same rules.
///
/// ```
/// use ouro_core::protocol::{frame, Deframer, ProtocolError};
/// let mut d = Deframer::new();
/// let mut line = vec![0x13, 0x37]; // noise before the first flag: discarded
/// line.extend(frame(b"ok").unwrap());
/// line.extend([0x55, 0xAA]); // noise between frames: a bad frame of its own
/// line.extend(frame(b"again").unwrap());
/// let out = d.feed(&line);
/// assert_eq!(out.len(), 3);
/// assert_eq!(out[0], Ok(b"ok".to_vec()));
/// assert!(matches!(out[1], Err(ProtocolError::BadCrc { .. })));
/// assert_eq!(out[2], Ok(b"again".to_vec()));
/// ```
#[derive(Debug, Clone)]
pub struct Deframer {
    state: State,
    buf: Vec<u8>,
    max_payload: usize,
    error: Option<ProtocolError>,
}

impl Default for Deframer {
    fn default() -> Self {
        Self::new()
    }
}

impl Deframer {
    /// A receiver for payloads of up to [`MAX_PAYLOAD`] bytes, hunting for its first flag.
    pub fn new() -> Self {
        Self::with_max_payload(MAX_PAYLOAD)
    }

    /// A receiver for payloads of up to `max_payload` bytes.
    pub fn with_max_payload(max_payload: usize) -> Self {
        Self {
            state: State::Hunt,
            buf: Vec::with_capacity(max_payload + 2),
            max_payload,
            error: None,
        }
    }

    /// Whether the receiver has seen a flag (it is inside a frame, or between frames).
    pub fn in_sync(&self) -> bool {
        self.state != State::Hunt
    }

    fn fail(&mut self, e: ProtocolError) {
        self.state = State::Bad;
        self.error = Some(e);
        self.buf.clear();
    }

    /// A byte was lost to a UART framing error: the frame being received is bad
    /// ([`ProtocolError::LineError`], reported at its closing flag). Ignored before the first
    /// flag, and in a frame that is already bad.
    pub fn push_line_error(&mut self) {
        if matches!(self.state, State::Body | State::Escape) {
            self.fail(ProtocolError::LineError);
        }
    }

    /// Take one byte from the line: `Some` at a flag that closes a non-empty frame (its
    /// payload, or why it is bad), `None` otherwise.
    pub fn push(&mut self, byte: u8) -> Option<Result<Vec<u8>, ProtocolError>> {
        if byte == FLAG {
            let state = std::mem::replace(&mut self.state, State::Body);
            let out = match state {
                State::Hunt => None,
                State::Bad => self.error.take().map(Err),
                State::Escape => Some(Err(ProtocolError::BadEscape { byte: FLAG })),
                State::Body if self.buf.is_empty() => None,
                State::Body => Some(self.check()),
            };
            self.buf.clear();
            self.error = None;
            return out;
        }
        match self.state {
            State::Hunt | State::Bad => {}
            State::Body if byte == ESCAPE => self.state = State::Escape,
            State::Body => self.store(byte),
            State::Escape => {
                if byte == FLAG ^ ESCAPE_XOR || byte == ESCAPE ^ ESCAPE_XOR {
                    self.state = State::Body;
                    self.store(byte ^ ESCAPE_XOR);
                } else {
                    self.fail(ProtocolError::BadEscape { byte });
                }
            }
        }
        None
    }

    /// Push every byte of `bytes`, collecting what [`Deframer::push`] yields.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, ProtocolError>> {
        bytes.iter().filter_map(|&b| self.push(b)).collect()
    }

    fn store(&mut self, byte: u8) {
        if self.buf.len() == self.max_payload + 2 {
            self.fail(ProtocolError::FrameTooLong {
                max: self.max_payload,
            });
        } else {
            self.buf.push(byte);
        }
    }

    fn check(&mut self) -> Result<Vec<u8>, ProtocolError> {
        let n = self.buf.len();
        if n < 2 {
            return Err(ProtocolError::FrameTooShort { len: n });
        }
        let found = u16::from_be_bytes([self.buf[n - 2], self.buf[n - 1]]);
        let expected = crc16(&self.buf[..n - 2]);
        if found != expected {
            return Err(ProtocolError::BadCrc { expected, found });
        }
        Ok(self.buf[..n - 2].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crc_check_value_and_residue() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
        // Appending the CRC big-endian leaves a zero residue (what the gateware checks).
        let mut m = b"123456789".to_vec();
        m.extend(0x29B1u16.to_be_bytes());
        assert_eq!(crc16(&m), 0);
    }

    #[test]
    fn every_byte_value_is_stuffed_and_unstuffed() {
        let all: Vec<u8> = (0..=255).collect();
        let mut s = Vec::new();
        stuff_into(&all, &mut s);
        assert_eq!(s.len(), 258);
        assert!(!s.contains(&FLAG));
        assert_eq!(unstuff(&s).unwrap(), all);
        let f = frame(&all).unwrap();
        assert_eq!(Deframer::new().feed(&f), vec![Ok(all)]);
    }

    #[test]
    fn empty_frames_are_ignored_and_flags_shared() {
        let mut d = Deframer::new();
        assert!(d.feed(&[FLAG, FLAG, FLAG]).is_empty());
        // A closing flag may open the next frame.
        let a = frame(b"a").unwrap();
        let b = frame(b"b").unwrap();
        let mut line = a.clone();
        line.extend(&b[1..]);
        assert_eq!(d.feed(&line), vec![Ok(b"a".to_vec()), Ok(b"b".to_vec())]);
    }

    #[test]
    fn bad_frames_are_typed_errors() {
        let mut d = Deframer::new();
        assert_eq!(
            d.feed(&[FLAG, 0x01, FLAG]),
            vec![Err(ProtocolError::FrameTooShort { len: 1 })]
        );
        assert_eq!(
            d.feed(&[0x01, ESCAPE, 0x00, 0x02, FLAG]),
            vec![Err(ProtocolError::BadEscape { byte: 0x00 })]
        );
        assert_eq!(
            d.feed(&[0x01, ESCAPE, FLAG]),
            vec![Err(ProtocolError::BadEscape { byte: FLAG })]
        );
        let mut f = frame(b"hello").unwrap();
        f[3] ^= 0x01;
        assert!(matches!(
            d.feed(&f)[..],
            [Err(ProtocolError::BadCrc { .. })]
        ));
        d.push(FLAG);
        d.push(0x10);
        d.push_line_error();
        d.push(0x11);
        assert_eq!(d.push(FLAG), Some(Err(ProtocolError::LineError)));
        // Resynchronised: the next frame is fine.
        assert_eq!(d.feed(&frame(b"x").unwrap()), vec![Ok(b"x".to_vec())]);
    }

    #[test]
    fn the_largest_payload_passes_and_one_more_byte_does_not() {
        let max = vec![0xA5; MAX_PAYLOAD];
        let mut d = Deframer::new();
        assert_eq!(d.feed(&frame(&max).unwrap()), vec![Ok(max.clone())]);
        assert!(matches!(
            frame(&[0; MAX_PAYLOAD + 1]),
            Err(ProtocolError::PayloadTooLarge { len: 1025, .. })
        ));
        // Built by hand: 1025 payload bytes and a correct CRC.
        let long = vec![0x11; MAX_PAYLOAD + 1];
        let mut f = vec![FLAG];
        stuff_into(&long, &mut f);
        stuff_into(&crc16(&long).to_be_bytes(), &mut f);
        f.push(FLAG);
        assert_eq!(
            d.feed(&f),
            vec![Err(ProtocolError::FrameTooLong { max: MAX_PAYLOAD })]
        );
        assert_eq!(
            d.feed(&frame(b"after").unwrap()),
            vec![Ok(b"after".to_vec())]
        );
    }

    proptest! {
        #[test]
        fn frames_round_trip(payload in proptest::collection::vec(any::<u8>(), 0..300)) {
            let f = frame(&payload).unwrap();
            prop_assert_eq!(f[0], FLAG);
            prop_assert_eq!(f[f.len() - 1], FLAG);
            prop_assert!(!f[1..f.len() - 1].contains(&FLAG));
            prop_assert_eq!(unstuff(&f[1..f.len() - 1]).unwrap().len(), payload.len() + 2);
            prop_assert_eq!(Deframer::new().feed(&f), vec![Ok(payload)]);
        }

        #[test]
        fn noise_never_panics_and_the_next_frame_arrives(
            noise in proptest::collection::vec(any::<u8>(), 0..2000),
            payload in proptest::collection::vec(any::<u8>(), 1..64),
        ) {
            let mut d = Deframer::new();
            for p in d.feed(&noise).into_iter().flatten() {
                prop_assert!(p.len() <= MAX_PAYLOAD);
            }
            // A flag after the noise closes whatever it was; the frame after it arrives.
            d.push(FLAG);
            prop_assert_eq!(d.feed(&frame(&payload).unwrap()), vec![Ok(payload)]);
        }

        #[test]
        fn every_truncation_and_single_corruption_is_an_error(
            payload in proptest::collection::vec(any::<u8>(), 0..64),
            cut in any::<prop::sample::Index>(),
            at in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let f = frame(&payload).unwrap();
            // Cut the body short, then close it: an error, unless the cut happens to leave a
            // shorter message followed by its own CRC (a 1 in 65536 chance), which is checked.
            let body = &f[..f.len() - 1];
            let n = 1 + cut.index(body.len() - 1);
            let mut t = body[..n].to_vec();
            t.push(FLAG);
            let out = Deframer::new().feed(&t);
            let lucky = unstuff(&body[1..n]).ok().filter(|u| {
                u.len() >= 2 && crc16(&u[..u.len() - 2]).to_be_bytes() == u[u.len() - 2..]
            });
            match lucky {
                Some(u) => prop_assert_eq!(out, vec![Ok(u[..u.len() - 2].to_vec())]),
                None => prop_assert!(out.iter().all(|r| r.is_err()), "{:?}", out),
            }
            // Change one byte of the body into another that needs no stuffing (so that the
            // unstuffed message differs in exactly one byte, which a CRC-16 always detects).
            let i = 1 + at.index(f.len() - 2);
            let mut c = f.clone();
            c[i] ^= flip;
            let plain = |b: u8| b != FLAG && b != ESCAPE;
            if plain(f[i]) && plain(c[i]) && f[i - 1] != ESCAPE {
                let out = Deframer::new().feed(&c);
                prop_assert_eq!(out.len(), 1);
                prop_assert!(matches!(out[0], Err(ProtocolError::BadCrc { .. })), "{:?}", out);
            }
        }
    }
}
