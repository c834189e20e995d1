//! The same chain through the `ouro` binary, as a user types it: every file it writes must be
//! byte for byte the file the libraries write.

use ouro_e2e::{ouro_ok, Chain};

#[test]
fn the_cli_writes_the_files_the_libraries_write() {
    let chain = Chain::default();
    let lib_dir = tempfile::tempdir().unwrap();
    let lib = chain.run_libraries(lib_dir.path());

    let cli_dir = tempfile::tempdir().unwrap();
    let path = |name: &str| cli_dir.path().join(name).display().to_string();
    let (data, pred, qpred, gw) = (
        path("data.csv"),
        path("predictor.yaml"),
        path("predictor.q.yaml"),
        path("gateware"),
    );
    let seed = chain.seed.to_string();
    let (cells, pulses, epochs) = (
        chain.cells.to_string(),
        chain.pulses_per_cell.to_string(),
        chain.epochs.to_string(),
    );
    let hidden: Vec<String> = chain.hidden.iter().map(ToString::to_string).collect();
    let hidden = hidden.join(",");
    let lanes = chain.lanes.to_string();
    ouro_ok(&[
        "characterize",
        "--device",
        chain.device,
        "--cells",
        &cells,
        "--pulses-per-cell",
        &pulses,
        "--seed",
        &seed,
        "--out",
        &data,
    ]);
    ouro_ok(&[
        "train", "--data", &data, "--out", &pred, "--epochs", &epochs, "--hidden", &hidden,
        "--seed", &seed,
    ]);
    ouro_ok(&["quantize", &pred, "--out", &qpred, "--board", "icebreaker"]);
    ouro_ok(&[
        "hdl",
        "generate",
        "--predictor",
        &qpred,
        "--lanes",
        &lanes,
        "--out",
        &gw,
    ]);

    let read =
        |p: &std::path::Path| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(
        read(&lib.data),
        read(cli_dir.path().join("data.csv").as_path()),
        "data.csv"
    );
    // The files name their inputs by path; the paths differ between the two directories.
    let unpath = |p: &std::path::Path, dir: &std::path::Path| {
        String::from_utf8(read(p))
            .unwrap()
            .replace(&dir.display().to_string(), "<dir>")
    };
    assert_eq!(
        unpath(&lib.predictor, lib_dir.path()),
        unpath(&cli_dir.path().join("predictor.yaml"), cli_dir.path()),
        "predictor.yaml"
    );
    assert_eq!(
        unpath(&lib.qpredictor, lib_dir.path()),
        unpath(&cli_dir.path().join("predictor.q.yaml"), cli_dir.path()),
        "predictor.q.yaml"
    );
    for f in [ouro_hdl::VERILOG_FILE, ouro_hdl::LOAD_IMAGE_FILE] {
        assert_eq!(
            read(&lib.gateware.join(f)),
            read(&cli_dir.path().join("gateware").join(f)),
            "{f}"
        );
    }
    // Nothing else was written.
    let mut names: Vec<String> = std::fs::read_dir(cli_dir.path().join("gateware"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [ouro_hdl::VERILOG_FILE, ouro_hdl::LOAD_IMAGE_FILE]);
}
