//! The load port seen from the image's side: which word of which memory a load-port write
//! changes ([`EngineShape::image_word`]), applying writes to a [`MemImage`]
//! ([`MemImage::apply`]), and the predictor an image encodes ([`MemImage::predictor`]), the
//! inverse of [`MemImage::load_writes`]. With these a model of the board predicts with the
//! weights loaded over the link exactly as the engine computes with them.

use crate::layout::{region, EngineShape, MemImage};
use crate::HdlError;
use ouro_core::schema::{DenseQ, MlpQ, QPredictor};

/// The image word a load-port write changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageWord {
    /// Word `word` of lane `lane`'s weight bank (the low 16 bits of the data).
    Weight {
        /// The lane.
        lane: usize,
        /// The word.
        word: usize,
    },
    /// Word `word` of lane `lane`'s bias bank (all 32 bits of the data).
    Bias {
        /// The lane.
        lane: usize,
        /// The word.
        word: usize,
    },
    /// Word `word` of the `weight_frac` table (the low 4 bits of the data).
    Frac {
        /// The word.
        word: usize,
    },
}

impl EngineShape {
    /// The image word that a load-port write to `addr` changes, or `None` when it changes no
    /// image word: region 3 (the run-time limits, not part of the image), regions 4 and above
    /// (the engine ignores them), a lane field of region 0 or 1 at or beyond the lane count (no
    /// lane takes it), a word at or beyond its bank's depth ([`EngineShape::weight_depth`],
    /// [`EngineShape::bias_depth`], [`EngineShape::frac_depth`]). The engine's memories decode
    /// only the low address bits they need, so such a word would land on another one: the board
    /// refuses those addresses (`crate::identity::load_address_ok`) and they never reach it. The
    /// lane field of a region-2 address is not decoded (any value), as in the engine.
    pub fn image_word(&self, addr: u32) -> Option<ImageWord> {
        if addr >> crate::layout::LOAD_ADDR_BITS != 0 {
            return None;
        }
        let lane = ((addr >> 12) & 0xF) as usize;
        let word = (addr & 0xFFF) as usize;
        match addr >> 16 {
            region::WEIGHTS if lane < self.lanes && word < self.weight_depth() => {
                Some(ImageWord::Weight { lane, word })
            }
            region::BIASES if lane < self.lanes && word < self.bias_depth() => {
                Some(ImageWord::Bias { lane, word })
            }
            region::FRACS if word < self.frac_depth() => Some(ImageWord::Frac { word }),
            _ => None,
        }
    }
}

impl MemImage {
    /// Apply the load-port write `(addr, data)` to this image of an engine of `shape`, as the
    /// engine performs it: a weight takes `data[15:0]`, a bias `data[31:0]`, a `weight_frac`
    /// `data[3:0]`.
    ///
    /// # Errors
    /// [`HdlError::Unsupported`] when `addr` changes no image word
    /// ([`EngineShape::image_word`] is `None`) or the image is not `shape`'s; the image is
    /// unchanged then.
    pub fn apply(&mut self, shape: &EngineShape, addr: u32, data: u32) -> Result<(), HdlError> {
        self.check_shape(shape)?;
        match shape.image_word(addr) {
            Some(ImageWord::Weight { lane, word }) => self.weights[lane][word] = data as u16,
            Some(ImageWord::Bias { lane, word }) => self.biases[lane][word] = data,
            Some(ImageWord::Frac { word }) => self.fracs[word] = (data & 0xF) as u8,
            None => {
                return Err(HdlError::Unsupported(format!(
                    "load-port address {addr:#07x} writes no word of the engine's image (regions 0..=2, lane below {}, word below the bank's depth)",
                    shape.lanes
                )))
            }
        }
        Ok(())
    }

    fn check_shape(&self, shape: &EngineShape) -> Result<(), HdlError> {
        let ok = self.weights.len() == shape.lanes
            && self.biases.len() == shape.lanes
            && self.weights.iter().all(|b| b.len() == shape.weight_depth())
            && self.biases.iter().all(|b| b.len() == shape.bias_depth())
            && self.fracs.len() == shape.frac_depth();
        if ok {
            Ok(())
        } else {
            Err(HdlError::Unsupported(
                "the image was not laid out for this engine shape".into(),
            ))
        }
    }

    /// The predictor that weight set `set` of this image encodes: `template` (a predictor of
    /// `shape`'s shape, which gives everything the image does not hold: features, offsets,
    /// clamp limits, input tables, provenance) with the image's weights, biases and
    /// `weight_frac`s. The inverse of [`MemImage::with_sets`]: the image of a predictor gives
    /// that predictor back, and words the engine holds but never reads (the spare lanes of a
    /// layer's last group) do not matter.
    ///
    /// # Errors
    /// [`HdlError::Unsupported`] when the image or `template` does not fit `shape`, or `set` is
    /// not one of its sets; [`HdlError::Predictor`] when the result is not a valid predictor.
    pub fn predictor(
        &self,
        shape: &EngineShape,
        set: usize,
        template: &QPredictor,
    ) -> Result<QPredictor, HdlError> {
        self.check_shape(shape)?;
        if set >= shape.sets {
            return Err(HdlError::Unsupported(format!(
                "weight set {set} of an engine of {} sets",
                shape.sets
            )));
        }
        if template.shapes() != shape.layers || template.features.len() != shape.inputs {
            return Err(HdlError::Unsupported(format!(
                "template shape {:?} does not match the engine's {:?}",
                template.shapes(),
                shape.layers
            )));
        }
        let net = |n: usize, from: &MlpQ| MlpQ {
            layers: shape
                .layers
                .iter()
                .enumerate()
                .map(|(k, &(outs, ins))| DenseQ {
                    weight_frac: u32::from(self.fracs[shape.frac_addr(n, k)] & 0xF),
                    weights: (0..outs)
                        .map(|o| {
                            (0..ins)
                                .map(|i| {
                                    let (lane, word) = shape.weight_addr(n, k, o, i);
                                    self.weights[lane][word] as i16
                                })
                                .collect()
                        })
                        .collect(),
                    biases: (0..outs)
                        .map(|o| {
                            let (lane, word) = shape.bias_addr(n, k, o);
                            self.biases[lane][word] as i32
                        })
                        .collect(),
                })
                .collect(),
            input_tables: from.input_tables.clone(),
        };
        let mut q = template.clone();
        q.networks.set = net(2 * set, &template.networks.set);
        q.networks.reset = net(2 * set + 1, &template.networks.reset);
        q.validate()
            .map_err(|e| HdlError::Predictor(format!("the loaded image: {}", e.detail())))?;
        Ok(q)
    }
}

#[cfg(test)]
mod tests;
