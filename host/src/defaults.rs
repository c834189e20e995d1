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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_quantized_weights_match_the_float_ones() {
        let board = ouro_core::board::BoardConfig::default_board();
        let (mut q, _) =
            crate::quantize::quantize(&predictor(), &board, "predictors/default.yaml").unwrap();
        let mut shipped = qpredictor();
        // Provenance may differ in the source path; the arithmetic may not.
        q.quantization = None;
        shipped.quantization = None;
        assert_eq!(q, shipped, "re-run the commands in predictors/README.md");
    }
}
