//! `ouro sim-board --pty`: the simulated board served on a pseudo-terminal, so that any serial
//! tool, and [`super::SerialBoard`], can talk to it as to a board on a USB serial port. The
//! host's bytes go into the verilated top's UART pin as they arrive; the frames the top sends
//! come back out.

use super::LinkError;
use ouro_core::protocol::frame;
use ouro_verilated::TopSim;
use std::ffi::CStr;
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A pseudo-terminal pair: the server keeps the master and its own handle on the slave (so
/// the terminal survives clients that come and go); clients open [`PtyServer::path`].
#[derive(Debug)]
pub struct PtyServer {
    master: OwnedFd,
    _slave: OwnedFd,
    path: PathBuf,
}

fn os_err(what: &str) -> LinkError {
    LinkError(format!(
        "cannot {what} a pseudo-terminal: {} (is /dev/ptmx available?)",
        std::io::Error::last_os_error()
    ))
}

impl PtyServer {
    /// Open a pseudo-terminal in raw mode (8 bits, no echo, no line editing).
    ///
    /// # Errors
    /// [`LinkError`] when the system has no pseudo-terminals to give.
    pub fn open() -> Result<Self, LinkError> {
        // SAFETY: plain libc calls; every pointer is to a live local, every fd checked.
        unsafe {
            let m = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
            if m < 0 {
                return Err(os_err("open"));
            }
            let master = OwnedFd::from_raw_fd(m);
            if libc::grantpt(m) != 0 || libc::unlockpt(m) != 0 {
                return Err(os_err("unlock"));
            }
            let mut name = [0 as libc::c_char; 128];
            if libc::ptsname_r(m, name.as_mut_ptr(), name.len()) != 0 {
                return Err(os_err("name"));
            }
            let path = PathBuf::from(CStr::from_ptr(name.as_ptr()).to_string_lossy().into_owned());
            let s = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
            if s < 0 {
                return Err(os_err("open the slave of"));
            }
            let slave = OwnedFd::from_raw_fd(s);
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(s, &mut t) != 0 {
                return Err(os_err("configure"));
            }
            libc::cfmakeraw(&mut t);
            if libc::tcsetattr(s, libc::TCSANOW, &t) != 0 {
                return Err(os_err("configure"));
            }
            let flags = libc::fcntl(m, libc::F_GETFL);
            if flags < 0 || libc::fcntl(m, libc::F_SETFL, flags | libc::O_NONBLOCK) != 0 {
                return Err(os_err("configure"));
            }
            Ok(Self {
                master,
                _slave: slave,
                path,
            })
        }
    }

    /// The terminal clients open (`/dev/pts/N`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes the clients sent, as far as any are waiting.
    fn read(&self, buf: &mut [u8]) -> usize {
        // SAFETY: reads into a live buffer of its length from an fd we own.
        let n = unsafe { libc::read(self.master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        usize::try_from(n).unwrap_or(0)
    }

    /// Write all of `bytes` to the clients (waiting while the terminal's buffer is full).
    fn write(&self, mut bytes: &[u8]) -> Result<(), LinkError> {
        while !bytes.is_empty() {
            // SAFETY: writes from a live slice of its length to an fd we own.
            let n =
                unsafe { libc::write(self.master.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
            match usize::try_from(n) {
                Ok(n) => bytes = &bytes[n..],
                Err(_) => {
                    let e = std::io::Error::last_os_error();
                    if e.kind() != std::io::ErrorKind::WouldBlock
                        && e.kind() != std::io::ErrorKind::Interrupted
                    {
                        return Err(LinkError(format!(
                            "pseudo-terminal {}: write failed: {e}",
                            self.path.display()
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        Ok(())
    }

    /// Wait until a client sends something or `timeout` passes.
    fn wait(&self, timeout: Duration) {
        let mut p = libc::pollfd {
            fd: self.master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: polls one live pollfd.
        unsafe {
            libc::poll(&mut p, 1, timeout.as_millis() as libc::c_int);
        }
    }

    /// Serve a scripted board until `handler` returns `Err`: each request frame's payload
    /// (frames that fail their CRC are dropped) goes to `handler`, whose `Some` answer is sent
    /// back framed (`None`: no answer). For tests of what the host does with odd boards.
    ///
    /// # Errors
    /// [`LinkError`] when the terminal fails; the handler's own error ends the loop with `Ok`.
    pub fn serve_payloads(
        &self,
        mut handler: impl FnMut(&[u8]) -> Result<Option<Vec<u8>>, ()>,
    ) -> Result<(), LinkError> {
        let mut buf = [0u8; 4096];
        let mut deframer = ouro_core::protocol::Deframer::new();
        loop {
            self.wait(Duration::from_millis(10));
            let n = self.read(&mut buf);
            for payload in deframer.feed(&buf[..n]).into_iter().flatten() {
                match handler(&payload) {
                    Ok(Some(answer)) => {
                        let f = frame(&answer).map_err(|e| LinkError(e.to_string()))?;
                        self.write(&f)?;
                    }
                    Ok(None) => {}
                    Err(()) => return Ok(()),
                }
            }
        }
    }

    /// Serve `sim` until the process is stopped: the clients' bytes into its UART pin, its
    /// answers back, the board running `slice` cycles at a time (and, after a second without a
    /// byte from the clients, waiting up to 10 ms for one between slices).
    ///
    /// # Errors
    /// [`LinkError`] when the terminal fails.
    pub fn serve(&self, sim: &mut TopSim, slice: u64) -> Result<(), LinkError> {
        let mut buf = [0u8; 4096];
        let mut last = Instant::now();
        loop {
            let n = self.read(&mut buf);
            if n > 0 {
                sim.send_raw(&buf[..n]);
                last = Instant::now();
            }
            sim.run(slice);
            while let Some(answer) = sim.receive(0) {
                if let Ok(payload) = answer {
                    let f = frame(&payload).map_err(|e| LinkError(e.to_string()))?;
                    self.write(&f)?;
                }
                last = Instant::now();
            }
            if last.elapsed() > Duration::from_secs(1) {
                self.wait(Duration::from_millis(10));
            }
        }
    }
}
