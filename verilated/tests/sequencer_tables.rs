//! The sequencer's build with input tables (`SequencerCore::new` on the shipped `nominal`
//! predictor: 2 -> 16 -> 16 -> 1 per polarity, a 4096-word table per input and polarity, 8
//! lanes) in Verilator against its model (`SequencerModel::new`), the testbench playing the front
//! end and the table memory holding the input tables (`tests/seq_support`): the neural loop and
//! one shot on `nominal` cells, every request, record and counted cycle equal. Negative test: a
//! model whose table memory holds the tables of the other polarity differs.

mod seq_support;

use ouro_board::frontend::Interlock;
use ouro_board::SequencerModel;
use ouro_core::board::BoardConfig;
use seq_support::{agrees, amplitudes, compare, core_model, jobs, summary};

fn model(tables: &[u16]) -> SequencerModel {
    let mut m = SequencerModel::new(&ouro_testkit::configs::nominal_qpredictor(), 8).unwrap();
    m.load_table(0, tables).unwrap();
    m
}

fn tables() -> Vec<u16> {
    ouro_hdl::input_table_words(&ouro_testkit::configs::nominal_qpredictor())
        .expect("nominal has input tables")
}

#[test]
fn the_neural_loop_and_one_shot_with_input_tables_equal_the_model() {
    let Some(mut m) = core_model("seq_core_nominal") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = Interlock::of_board(&board);
    let t = tables();
    assert_eq!(t.len(), 16_384, "the tables fill the table memory");
    let model = model(&t);
    let mut s = amplitudes(&board, "nominal").to_vec();
    s.extend([(0x03, 20), (0x04, 2), (0x25, 0)]);
    let recs = compare(&mut m, &model, "nominal", 41, &s, &jobs(96, &board, 20), il);
    let (ok, pulses) = summary(&recs);
    eprintln!("2 %: {ok} of 96, {pulses} pulses on average");
    assert!(ok >= 90, "{ok} of 96 within 2 %");
    // A tolerance of 0.3 %: the loop iterates.
    let recs = compare(&mut m, &model, "nominal", 44, &s, &jobs(64, &board, 3), il);
    let (ok, pulses) = summary(&recs);
    eprintln!("0.3 %: {ok} of 64, {pulses} pulses on average");
    assert!(recs.iter().any(|r| r.pulses >= 2), "the loop must iterate");
    s.push((0x01, 1));
    let recs = compare(&mut m, &model, "nominal", 42, &s, &jobs(64, &board, 20), il);
    assert!(recs.iter().all(|r| r.pulses <= 1));
    let (ok, _) = summary(&recs);
    assert!(ok > 16, "{ok} of 64 within 2 % in one shot");
}

#[test]
fn tables_of_the_other_polarity_are_caught() {
    let Some(mut m) = core_model("seq_core_nominal") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = Interlock::of_board(&board);
    let t = tables();
    let mut s = amplitudes(&board, "nominal").to_vec();
    s.extend([(0x03, 20), (0x04, 2), (0x01, 1)]);
    let js = jobs(32, &board, 20);
    let configured = |table: &[u16]| {
        let mut x = model(table);
        for &(id, v) in &s {
            x.write(id, v).unwrap();
        }
        x
    };
    assert!(agrees(
        &mut m,
        &configured(&t),
        "nominal",
        &s,
        &t,
        &js,
        il,
        43
    ));
    let half = t.len() / 2;
    let swapped: Vec<u16> = t[half..].iter().chain(&t[..half]).copied().collect();
    assert!(
        !agrees(
            &mut m,
            &configured(&swapped),
            "nominal",
            &s,
            &t,
            &js,
            il,
            43
        ),
        "the other polarity's tables must differ"
    );
}
