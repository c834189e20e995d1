//! The shipped default weights (`predictors/`), embedded so that the main job needs no
//! training step. How they were made is in `predictors/README.md`.

use ouro_core::schema::{Predictor, QPredictor};

/// The default float predictor's YAML text.
pub const PREDICTOR_YAML: &str = include_str!("../../predictors/default.yaml");
/// The default quantized predictor's YAML text.
pub const QPREDICTOR_YAML: &str = include_str!("../../predictors/default.q.yaml");

/// The default float predictor.
pub fn predictor() -> Predictor {
    let p: Predictor =
        ouro_core::yaml::from_str(PREDICTOR_YAML, "predictor YAML", "<builtin default>")
            .expect("the shipped predictor parses");
    p.validate().expect("the shipped predictor is valid");
    p
}

/// The default quantized predictor.
pub fn qpredictor() -> QPredictor {
    QPredictor::from_yaml_str(QPREDICTOR_YAML, "<builtin default>")
        .expect("the shipped quantized predictor is valid")
}

/// The shipped history-aware float predictor's YAML text (probe, then predict).
pub const HISTORY_YAML: &str = include_str!("../../predictors/history.yaml");
/// The shipped history-aware quantized predictor's YAML text.
pub const HISTORY_Q_YAML: &str = include_str!("../../predictors/history.q.yaml");

/// The shipped history-aware float predictor.
pub fn history_predictor() -> Predictor {
    let p: Predictor = ouro_core::yaml::from_str(
        HISTORY_YAML,
        "predictor YAML",
        "<builtin history predictor>",
    )
    .expect("the shipped history predictor parses");
    p.validate()
        .expect("the shipped history predictor is valid");
    p
}

/// The shipped history-aware quantized predictor.
pub fn history_qpredictor() -> QPredictor {
    QPredictor::from_yaml_str(HISTORY_Q_YAML, "<builtin history predictor>")
        .expect("the shipped history quantized predictor is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_quantized_weights_match_the_float_ones() {
        let board = ouro_core::board::BoardConfig::default_board();
        for (name, float, fixed) in [
            ("default", PREDICTOR_YAML, QPREDICTOR_YAML),
            (
                "nominal",
                include_str!("../../predictors/nominal.yaml"),
                include_str!("../../predictors/nominal.q.yaml"),
            ),
            (
                "c2c",
                include_str!("../../predictors/c2c.yaml"),
                include_str!("../../predictors/c2c.q.yaml"),
            ),
        ] {
            let p: Predictor = ouro_core::yaml::from_str(float, "predictor YAML", name).unwrap();
            let (mut q, _) = crate::quantize::quantize(&p, &board, name).unwrap();
            let mut shipped = QPredictor::from_yaml_str(fixed, name).unwrap();
            // Provenance may differ in the source path; the arithmetic may not.
            q.quantization = None;
            shipped.quantization = None;
            assert_eq!(
                q, shipped,
                "{name}: re-run the commands in predictors/README.md"
            );
        }
    }
}
