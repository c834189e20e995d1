//! The engine's blocks and the front end's blocks that the block tests verilate alone.

use ouro_hdl::engine::{Clamp, Controller, Drain, Exp2, Lane, Limits, Ports};
use ouro_hdl::layout::{EngineShape, MemImage};
use ouro_hdl::link::{Crc16, FrameRx, FrameTx, RxChain, UartRx, UartTx, CLOCKS_PER_BIT};

/// The engine's blocks built alone for the block tests, as `(name, Verilog)`: a lane (lane
/// index 3, empty banks: the test loads them), the controller of every test configuration
/// (with two weight sets for the two-set one), the drain of 3 and 8 lanes, exp2, the limits
/// with the default configuration's synthesized ones, the clamp (of one and of two weight sets)
/// and the ports; the sequencer with the default engine (`seq_core_default`), with the two-set
/// engine of probe-then-predict (`seq_core_twoset`, the shipped history-aware predictor with
/// its input tables; `seq_core_twoset_plain`, without them) and with the shipped `nominal` predictor's
/// engine and input tables (`seq_core_nominal`), and its gain block (`scale`); and the host link's blocks (`link_*`, at 12 clocks per bit, and the UART receiver
/// at 7 too).
pub(crate) fn blocks(configs: &[ouro_testkit::configs::Config]) -> Vec<(String, String)> {
    let v = |r: Result<String, ouro_hdl::HdlError>| r.expect("block Verilog");
    let top = |name: &str| format!("ouro_blk_{name}");
    let mut out = vec![(
        "lane".to_string(),
        v(ouro_hdl::block_verilog(
            Lane::new(3, &[0; 256], &[0; 16]),
            &top("lane"),
        )),
    )];
    for c in configs {
        let shape = EngineShape::with_sets(&c.sets(), c.lanes).expect("shape");
        let image = MemImage::with_sets(&c.sets(), &shape).expect("image");
        let name = format!("controller_{}", c.name);
        let text = v(ouro_hdl::block_verilog(
            Controller::new(&shape, &image.fracs),
            &top(&name),
        ));
        out.push((name, text));
    }
    for lanes in [3, 8] {
        let name = format!("drain_{lanes}");
        let text = v(ouro_hdl::block_verilog(Drain::new(lanes), &top(&name)));
        out.push((name, text));
    }
    let q = &configs
        .iter()
        .find(|c| c.name == "default")
        .expect("default configuration")
        .q;
    out.push((
        "exp2".into(),
        v(ouro_hdl::block_verilog(Exp2::new(), &top("exp2"))),
    ));
    out.push((
        "limits_default".into(),
        v(ouro_hdl::block_verilog(
            Limits::new(q.min_cycles, q.max_cycles),
            &top("limits_default"),
        )),
    ));
    out.push((
        "clamp".into(),
        v(ouro_hdl::block_verilog(Clamp::new(), &top("clamp"))),
    ));
    out.push((
        "seq_core_default".into(),
        v(ouro_hdl::block_verilog(
            ouro_hdl::sequencer::SequencerCore::new(q, 8).expect("sequencer core"),
            &top("seq_core_default"),
        )),
    ));
    let two = ouro_testkit::configs::two_set_config();
    out.push((
        "seq_core_twoset".into(),
        v(ouro_hdl::block_verilog(
            ouro_hdl::sequencer::SequencerCore::two_sets(
                [&two.q, two.set1.as_ref().expect("set 1")],
                two.lanes,
            )
            .expect("two-set sequencer core"),
            &top("seq_core_twoset"),
        )),
    ));
    let plain = ouro_testkit::configs::two_set_plain_config();
    out.push((
        "seq_core_twoset_plain".into(),
        v(ouro_hdl::block_verilog(
            ouro_hdl::sequencer::SequencerCore::two_sets(
                [&plain.q, plain.set1.as_ref().expect("set 1")],
                plain.lanes,
            )
            .expect("two-set sequencer core without input tables"),
            &top("seq_core_twoset_plain"),
        )),
    ));
    out.push((
        "seq_core_nominal".into(),
        v(ouro_hdl::block_verilog(
            ouro_hdl::sequencer::SequencerCore::new(
                &ouro_testkit::configs::nominal_qpredictor(),
                8,
            )
            .expect("sequencer core with input tables"),
            &top("seq_core_nominal"),
        )),
    ));
    out.push((
        "top_default".into(),
        v(ouro_hdl::block_verilog(
            ouro_hdl::top::OuroTop::new(
                q,
                &ouro_core::board::BoardConfig::default_board(),
                ouro_hdl::top::BOARD_LANES,
            )
            .expect("board top"),
            &top("top_default"),
        )),
    ));
    out.push((
        "top_nominal".into(),
        v(ouro_hdl::block_verilog(
            ouro_hdl::top::OuroTop::new(
                &ouro_testkit::configs::nominal_qpredictor(),
                &ouro_core::board::BoardConfig::default_board(),
                ouro_hdl::top::BOARD_LANES,
            )
            .expect("board top with input tables"),
            &top("top_nominal"),
        )),
    ));
    out.push((
        "scale".into(),
        v(ouro_hdl::block_verilog(
            ouro_hdl::sequencer::Scale::new(),
            &top("scale"),
        )),
    ));
    out.push((
        "clamp_sets".into(),
        v(ouro_hdl::block_verilog(
            Clamp::with_sets(2),
            &top("clamp_sets"),
        )),
    ));
    out.push((
        "ports".into(),
        v(ouro_hdl::block_verilog(Ports::new(), &top("ports"))),
    ));
    let cpb = CLOCKS_PER_BIT;
    let link: Vec<(&str, String)> = vec![
        (
            "link_uart_rx",
            v(ouro_hdl::block_verilog(
                UartRx::new(cpb),
                &top("link_uart_rx"),
            )),
        ),
        (
            "link_uart_rx_7",
            v(ouro_hdl::block_verilog(
                UartRx::new(7),
                &top("link_uart_rx_7"),
            )),
        ),
        (
            "link_uart_tx",
            v(ouro_hdl::block_verilog(
                UartTx::new(cpb),
                &top("link_uart_tx"),
            )),
        ),
        (
            "link_crc16",
            v(ouro_hdl::block_verilog(Crc16::new(), &top("link_crc16"))),
        ),
        (
            "link_frame_rx",
            v(ouro_hdl::block_verilog(
                FrameRx::new(),
                &top("link_frame_rx"),
            )),
        ),
        (
            "link_rx_chain",
            v(ouro_hdl::block_verilog(
                RxChain::new(cpb),
                &top("link_rx_chain"),
            )),
        ),
        (
            "link_frame_tx",
            v(ouro_hdl::block_verilog(
                FrameTx::new(cpb),
                &top("link_frame_tx"),
            )),
        ),
    ];
    out.extend(link.into_iter().map(|(n, t)| (n.to_string(), t)));
    out.extend(front_end());
    out
}

/// The front end's blocks (`ouro_testkit::frontend::blocks`), each with its timing.
fn front_end() -> Vec<(String, String)> {
    use ouro_hdl::frontend::{AdcSpi, CellReader, CellSelect, DacSpi, Pulser};
    let v = |r: Result<String, ouro_hdl::HdlError>| r.expect("block Verilog");
    ouro_testkit::frontend::blocks()
        .into_iter()
        .map(|(name, t, lim)| {
            let top = format!("ouro_blk_{name}");
            let text = match name.split('_').nth(1).expect("fe_<block>") {
                "dac" => v(ouro_hdl::block_verilog(DacSpi::new(&t), &top)),
                "adc" => v(ouro_hdl::block_verilog(AdcSpi::new(&t), &top)),
                "reader" => v(ouro_hdl::block_verilog(CellReader::new(&t), &top)),
                "select" => v(ouro_hdl::block_verilog(CellSelect::new(&t), &top)),
                "pulser" => v(ouro_hdl::block_verilog(Pulser::new(&t, &lim), &top)),
                other => panic!("unknown front-end block {other}"),
            };
            (name.to_string(), text)
        })
        .collect()
}
