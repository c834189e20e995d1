//! Train on the synthetic ground truth and print speed and accuracy:
//! `cargo run --release -p ouro-nn --example train_synthetic -- ROWS EPOCHS H1,H2 [LR]`.

use ouro_nn::train::{train, TrainParams};
use ouro_testkit::synthetic;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    run(&args);
}

fn run(args: &[String]) {
    let rows: usize = args.get(1).map_or(100_000, |a| a.parse().expect("ROWS"));
    let epochs: u32 = args.get(2).map_or(100, |a| a.parse().expect("EPOCHS"));
    let hidden: Vec<usize> = args.get(3).map_or(vec![16, 16], |a| {
        a.split(',').map(|h| h.parse().expect("hidden")).collect()
    });
    let mut params = TrainParams {
        epochs,
        hidden,
        ..TrainParams::default()
    };
    if let Some(lr) = args.get(4) {
        params.learning_rate = lr.parse().expect("LR");
    }
    if let Some(bs) = args.get(5) {
        params.batch_size = bs.parse().expect("BATCH");
    }
    if let Some(w) = args.get(6) {
        params.weight_floor = w.parse().expect("WEIGHT_FLOOR");
    }
    let params = params.check().unwrap_or_else(|e| panic!("{e}"));
    let data = synthetic::characterize(rows, 1);
    let t = Instant::now();
    let (pred, report) = train(&data, &params, None).expect("training");
    let secs = t.elapsed().as_secs_f64();
    let acc = synthetic::accuracy(&pred, 20_000, 99);
    for (name, r) in [
        ("set", &report.polarities.set),
        ("reset", &report.polarities.reset),
    ] {
        let first = r.epochs.first().expect("epochs");
        println!(
            "{name}: kept {} of {} (wrong way {}, at bound {}), train {} val {}, val_mse epoch1 {:.4} -> best {:.6} (epoch {}), rms {:.4}",
            r.rows.kept, r.rows.total, r.rows.wrong_way, r.rows.at_bound, r.train_rows, r.val_rows,
            first.val_mse, r.val_mse, r.chosen_epoch, r.val_mse.sqrt()
        );
    }
    println!(
        "rows {rows} epochs {epochs} hidden {:?} lr {} bs {} wf {}: {secs:.2} s; vs truth: rms {:.4} max {:.3} log2, one-shot within 10%: {:.4}, within 2%: {:.4}",
        params.hidden, params.learning_rate, params.batch_size, params.weight_floor, acc.rms_log2, acc.max_abs_log2, acc.hit_10pct, acc.hit_2pct
    );
}

#[cfg(test)]
mod tests {
    /// Examples run as tests (`[[example]] test = true`): a small run of this one.
    #[test]
    fn example_runs() {
        let args: Vec<String> = ["train_synthetic", "3000", "3", "8"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        super::run(&args);
    }
}
