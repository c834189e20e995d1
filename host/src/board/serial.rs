//! [`SerialBoard`]: a board on a serial port (a real iCEBreaker through its FT2232H, or
//! `ouro sim-board --pty`).

use super::{Board, LinkError};
use ouro_core::protocol::{frame, Deframer, Opcode, Response, BAUD};
use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

/// How to reach a board on a serial port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialSettings {
    /// The port (`/dev/ttyUSB1`: the iCEBreaker's FT2232H gives two, the second is the UART).
    pub port: String,
    /// Line rate, baud (the board's: `ouro_core::protocol::BAUD`).
    pub baud: u32,
    /// How long to wait for an answer.
    pub timeout: Duration,
    /// How often to send a request again whose frame the board reported damaged
    /// (`BAD_FRAME`), or whose answer arrived damaged when the request is safe to repeat.
    pub retries: u32,
}

impl SerialSettings {
    /// `port` at the protocol's baud rate, a 2 s timeout, 3 retries.
    pub fn new(port: &str) -> Self {
        Self {
            port: port.to_string(),
            baud: BAUD,
            timeout: Duration::from_secs(2),
            retries: 3,
        }
    }
}

/// A board on a serial port: frames with the protocol's byte stuffing and CRC, a request sent
/// again when the board reports it damaged.
pub struct SerialBoard {
    settings: SerialSettings,
    port: Box<dyn serialport::SerialPort>,
    deframer: Deframer,
    /// Bytes read past the last answer.
    rest: std::collections::VecDeque<u8>,
    /// Requests sent again (damaged on the way or back).
    pub retried: u64,
}

impl std::fmt::Debug for SerialBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SerialBoard({})", self.settings.port)
    }
}

impl SerialBoard {
    /// Open the port.
    ///
    /// # Errors
    /// [`LinkError`] naming the port and what to check.
    pub fn open(settings: SerialSettings) -> Result<Self, LinkError> {
        if !std::path::Path::new(&settings.port).exists() {
            return Err(LinkError(format!(
                "serial port {} does not exist: plug the board in and give its port (ls \
                 /dev/ttyUSB* /dev/ttyACM*), or --board sim / --board model",
                settings.port
            )));
        }
        let is_char_device = {
            use std::os::unix::fs::FileTypeExt as _;
            std::fs::metadata(&settings.port).is_ok_and(|m| m.file_type().is_char_device())
        };
        if !is_char_device {
            return Err(LinkError(format!(
                "{} is not a serial port (a file, a directory or another kind of device): give \
                 the board's port (ls /dev/ttyUSB* /dev/ttyACM*), or --board sim / --board model",
                settings.port
            )));
        }
        let port = serialport::new(&settings.port, settings.baud)
            .timeout(Duration::from_millis(20))
            .open()
            .map_err(|e| {
                let why = e.to_string();
                let fix = if why.contains("lock") {
                    "another program (or another --board of this run) has it open: close that"
                } else if why.contains("typewriter") {
                    "it is not a terminal device: give the board's serial port"
                } else {
                    "check its permissions: add yourself to the dialout group"
                };
                LinkError(format!(
                    "cannot open serial port {}: {why} ({fix})",
                    settings.port
                ))
            })?;
        let _ = port.clear(serialport::ClearBuffer::All);
        Ok(Self {
            settings,
            port,
            deframer: Deframer::new(),
            rest: std::collections::VecDeque::new(),
            retried: 0,
        })
    }

    fn once(&mut self, payload: &[u8]) -> Result<Option<Vec<u8>>, LinkError> {
        let port = self.settings.port.clone();
        let f = frame(payload).map_err(|e| LinkError(format!("cannot frame a request: {e}")))?;
        self.port
            .write_all(&f)
            .and_then(|()| self.port.flush())
            .map_err(|e| LinkError(format!("serial port {port}: write failed: {e}")))?;
        let end = Instant::now() + self.settings.timeout;
        let mut buf = [0u8; 4096];
        loop {
            while let Some(b) = self.rest.pop_front() {
                if let Some(r) = self.deframer.push(b) {
                    // A damaged answer: None (the caller decides whether to repeat). Bytes
                    // after it stay for the next answer.
                    return Ok(r.ok());
                }
            }
            match self.port.read(&mut buf) {
                Ok(n) => self.rest.extend(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(LinkError(format!("serial port {port}: read failed: {e}")));
                }
            }
            if Instant::now() >= end {
                return Err(LinkError(format!(
                    "the board on {port} did not answer within {} ms: is it powered, programmed \
                     with the ouro bitstream (make -C build prog) and at {} baud?",
                    self.settings.timeout.as_millis(),
                    self.settings.baud
                )));
            }
        }
    }
}

/// Whether repeating a request whose answer was lost changes nothing on the board.
fn repeatable(payload: &[u8]) -> bool {
    matches!(
        payload.first().copied().and_then(Opcode::from_code),
        Some(
            Opcode::Hello
                | Opcode::Identify
                | Opcode::Configure
                | Opcode::LoadWeights
                | Opcode::LoadTable
                | Opcode::ReadCell
                | Opcode::Status
        )
    )
}

impl Board for SerialBoard {
    fn name(&self) -> String {
        self.settings.port.clone()
    }

    fn exchange(&mut self, payload: &[u8]) -> Result<Vec<u8>, LinkError> {
        let mut tries = 0;
        loop {
            let answer = self.once(payload)?;
            let again = match &answer {
                // The board saw our frame damaged and did nothing: always safe to repeat.
                Some(a) => Response::decode(a) == Ok(Response::BadFrame),
                None => repeatable(payload),
            };
            if !again || tries >= self.settings.retries {
                return answer.ok_or_else(|| {
                    LinkError(format!(
                        "serial port {}: the board's answer arrived damaged (bad CRC){}: check \
                         the cable and the baud rate",
                        self.settings.port,
                        if repeatable(payload) {
                            format!(" {} times", tries + 1)
                        } else {
                            ", and the request is not safe to repeat".into()
                        }
                    ))
                });
            }
            tries += 1;
            self.retried += 1;
        }
    }

    fn wait_us(&mut self, us: f64) {
        std::thread::sleep(Duration::from_secs_f64(us.max(0.0) / 1e6));
    }
}
