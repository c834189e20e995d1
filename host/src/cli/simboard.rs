//! `ouro sim-board --pty`: the simulated board on a pseudo-terminal.

use super::error::OrCli;
use super::{load_board, load_device, CliError};
use clap::Args;
use ouro_host::bench::cells::CellPlan;
use ouro_host::bench::BenchSettings;
use ouro_host::board::PtyServer;
use std::io::Write as _;

/// Arguments of `ouro sim-board`.
#[derive(Debug, Args)]
pub struct SimBoardArgs {
    /// Serve it on a pseudo-terminal and print the terminal's path (the only way it is served).
    #[arg(long, required = true)]
    pub pty: bool,
    /// The device of its cells: a preset or a path to a device YAML.
    #[arg(long, default_value = "realistic")]
    pub device: String,
    /// Seed of its cells (their states, read noise): `ouro program --board sim --seed S` with
    /// one board programs the same cells.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `ouro sim-board`.
pub fn sim_board(a: &SimBoardArgs) -> Result<(), CliError> {
    let d = load_device(&a.device)?;
    let board = load_board("icebreaker")?;
    let s = BenchSettings::new(&a.device, d, board, ouro_nn::defaults::qpredictor());
    let plan = CellPlan {
        device: &s.device,
        board: &s.board,
        seed: a.seed,
        age_pulses: s.age_pulses,
        tolerance: s.tolerance,
        target_range_us: s.target_range_us,
    };
    let (fe, _) = plan.crossbar(0, plan.per_crossbar()).map_err(CliError)?;
    let mut sim = ouro_verilated::TopSim::new(&s.board, fe).ok_or_else(|| {
        CliError(
            "this ouro was built without Verilator, so it has no simulated board: install it \
             (scripts/setup) and rebuild"
                .into(),
        )
    })?;
    let server = PtyServer::open().cli()?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", server.path().display());
    let _ = out.flush();
    drop(out);
    note!(
        "serving the simulated iCEBreaker board ({} cells of {}, seed {}) on {} at any baud \
         rate; Ctrl-C stops it",
        plan.per_crossbar(),
        a.device,
        a.seed,
        server.path().display()
    );
    // 1 ms of board time per slice.
    server.serve(&mut sim, s.board.clock_hz / 1000).cli()
}
