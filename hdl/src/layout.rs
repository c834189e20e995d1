//! The engine's configuration and memory layout, in plain Rust: where every weight, bias and
//! `weight_frac` of a [`QPredictor`] lives in the engine's memories, the load-port image that
//! writes them, and the latency formula. The gateware ([`crate::engine`]) and the tests use the
//! same definitions, so there is one source of truth for addresses.

use crate::HdlError;
use ouro_core::qformat::{CYCLE_BITS, MAX_FANIN};
use ouro_core::schema::{MlpQ, QPredictor};

/// Most MAC lanes an engine may have (the lane field of a load-port address is 4 bits).
pub const MAX_LANES: usize = 16;
/// Most layers a network may have (hidden layers plus the output layer).
pub use ouro_core::qformat::MAX_LAYERS;
/// Most weight sets an engine may hold (a blind and a history-aware predictor).
pub const MAX_SETS: usize = 2;
/// Words of the `weight_frac` table (its address is 4 bits): `2 * sets * layers` must fit.
pub const FRAC_WORDS: usize = 16;
/// Address bits of every engine memory; no bank may hold more than `2^MEM_ADDR_BITS` words.
pub const MEM_ADDR_BITS: usize = 12;
/// Width of the load port's address: `[19:16]` region, `[15:12]` lane, `[11:0]` word.
pub const LOAD_ADDR_BITS: usize = 20;
/// Width of the load port's data.
pub const LOAD_DATA_BITS: usize = 32;
/// Width of the input port's address (network input index).
pub const INPUT_ADDR_BITS: usize = 6;
/// Write-back distance: the result of lane `l` of a group is written to the activation RAM on
/// the edge `WRITE_BACK + l` after (not counting) the group's last issue, so an issue that reads
/// it must come at least that many cycles after the last issue (its read happens on the next
/// edge). The stages: activation read, the lanes' input register, product, accumulate (low
/// half), accumulate (high half) into the lane's hold register, the drain register of slot `l`,
/// the shared bus register, the requantizer's shift and overflow test, and its saturation and
/// ReLU into the write port.
pub const WRITE_BACK: usize = 9;
/// Edges from the last issue of the output layer to `done`: `WRITE_BACK` (the result is
/// requantized into `log2_cycles` together with the exp2 table read), the exp2 shift, the clamp's
/// compare, and its select together with the edge that raises `done`.
pub const TAIL_CYCLES: usize = WRITE_BACK + 3;
/// Words of the activation RAM reserved for the network inputs (the input port's address is 6
/// bits); the hidden layers' two ping-pong regions follow.
pub const INPUT_REGION: usize = 1 << INPUT_ADDR_BITS;

/// Load-port regions (address bits `[19:16]`).
pub mod region {
    /// Weights: `[15:12]` lane, `[11:0]` word in the lane's weight bank; data `[15:0]`.
    pub const WEIGHTS: u32 = 0;
    /// Biases: `[15:12]` lane, `[11:0]` word in the lane's bias bank; data `[31:0]`.
    pub const BIASES: u32 = 1;
    /// Layer `weight_frac`: word `n * layers + layer`, network `n = set * 2 + polarity`; data
    /// `[3:0]`.
    pub const FRACS: u32 = 2;
    /// Run-time limits: word 0 = minimum cycles, word 1 = maximum cycles; data `[23:0]`.
    pub const LIMITS: u32 = 3;
}

/// The shape of an engine: what it is generic over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineShape {
    /// Network inputs.
    pub inputs: usize,
    /// `(outputs, inputs)` of each layer, input layer first; the last has one output.
    pub layers: Vec<(usize, usize)>,
    /// MAC lanes (one 16x16 multiplier each).
    pub lanes: usize,
    /// Weight sets (1 or 2): predictors of this shape held at once, each a set and a reset
    /// network; network `n = set * 2 + polarity` (see [`EngineShape::networks`]).
    pub sets: usize,
}

impl EngineShape {
    /// The shape of the engine for a predictor, checked against the engine's limits.
    pub fn new(q: &QPredictor, lanes: usize) -> Result<Self, HdlError> {
        Self::with_sets(&[q], lanes)
    }

    /// The shape of an engine holding one weight set per predictor of `sets` (1 or 2; set `s`
    /// is `sets[s]`). The predictors must have the same shape (inputs and layer sizes) and the
    /// same synthesized clamp limits (the engine has one clamp); a blind predictor takes the
    /// history-aware one's shape through `ouro_nn::embed::embed`.
    pub fn with_sets(sets: &[&QPredictor], lanes: usize) -> Result<Self, HdlError> {
        let Some(q) = sets.first() else {
            return Err(HdlError::Unsupported(format!(
                "the engine holds 1..={MAX_SETS} weight sets, got 0"
            )));
        };
        for (s, p) in sets.iter().enumerate() {
            p.validate()
                .map_err(|e| HdlError::Predictor(format!("weight set {s}: {}", e.detail())))?;
            if p.shapes() != q.shapes() || p.features.len() != q.features.len() {
                return Err(HdlError::Unsupported(format!(
                    "weight set {s} has shape {:?}, set 0 has {:?}: every set must have the same shape (embed the smaller predictor first)",
                    p.shapes(),
                    q.shapes()
                )));
            }
            if sets.len() > 1 && s == 0 && !p.networks.set.input_tables.is_empty() {
                return Err(HdlError::Unsupported(
                    "weight set 0 has input tables: in a two-set engine it is the blind predictor, whose input words are the codes minus their offsets".into(),
                ));
            }
            if (p.min_cycles, p.max_cycles) != (q.min_cycles, q.max_cycles) {
                return Err(HdlError::Unsupported(format!(
                    "weight set {s} has clamp limits {}..{} cycles, set 0 has {}..{}: the engine has one synthesized clamp",
                    p.min_cycles, p.max_cycles, q.min_cycles, q.max_cycles
                )));
            }
        }
        let shape = Self {
            inputs: q.features.len(),
            layers: q.shapes(),
            lanes,
            sets: sets.len(),
        };
        shape.check()?;
        Ok(shape)
    }

    fn check(&self) -> Result<(), HdlError> {
        let bad = |m: String| Err(HdlError::Unsupported(m));
        if self.sets == 0 || self.sets > MAX_SETS {
            return bad(format!(
                "the engine holds 1..={MAX_SETS} weight sets, got {}",
                self.sets
            ));
        }
        if self.lanes == 0 || self.lanes > MAX_LANES {
            return bad(format!("lanes must be 1..={MAX_LANES}, got {}", self.lanes));
        }
        if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
            return bad(format!("the engine takes 1..={MAX_LAYERS} layers"));
        }
        if self.inputs == 0 || self.inputs > (1 << INPUT_ADDR_BITS) || self.inputs > MAX_FANIN {
            return bad(format!("the engine takes 1..={MAX_FANIN} inputs"));
        }
        if self.networks() * self.n_layers() > FRAC_WORDS {
            return bad(format!(
                "{} weight sets of {} layers need {} weight_frac words, the table has {FRAC_WORDS}",
                self.sets,
                self.n_layers(),
                self.networks() * self.n_layers()
            ));
        }
        let depth = 1usize << MEM_ADDR_BITS;
        if self.networks() * self.weight_words_per_net() > depth
            || self.networks() * self.bias_words_per_net() > depth
            || self.act_depth() > depth
        {
            return bad(format!(
                "network too large for {} lanes: a bank would exceed {depth} words",
                self.lanes
            ));
        }
        Ok(())
    }

    /// Networks the engine holds: a set and a reset network per weight set; network
    /// `n = set * 2 + polarity`.
    pub fn networks(&self) -> usize {
        2 * self.sets
    }

    /// Number of layers.
    pub fn n_layers(&self) -> usize {
        self.layers.len()
    }

    /// Output groups of layer `k`: each lane computes one output of a group.
    pub fn groups(&self, k: usize) -> usize {
        self.layers[k].0.div_ceil(self.lanes)
    }

    /// Words each lane's weight bank holds per network.
    pub fn weight_words_per_net(&self) -> usize {
        (0..self.n_layers())
            .map(|k| self.groups(k) * self.layers[k].1)
            .sum()
    }

    /// Words each lane's bias bank holds per network.
    pub fn bias_words_per_net(&self) -> usize {
        (0..self.n_layers()).map(|k| self.groups(k)).sum()
    }

    /// Words of each lane's weight bank: every network's words (the bank is built this deep;
    /// the load port's word field must stay below it).
    pub fn weight_depth(&self) -> usize {
        self.networks() * self.weight_words_per_net()
    }

    /// Words of each lane's bias bank: every network's words.
    pub fn bias_depth(&self) -> usize {
        self.networks() * self.bias_words_per_net()
    }

    /// Words of the `weight_frac` table: one per layer of every network.
    pub fn frac_depth(&self) -> usize {
        self.networks() * self.n_layers()
    }

    /// First weight-bank word of layer `k` (network 0).
    pub fn weight_base(&self, k: usize) -> usize {
        (0..k).map(|j| self.groups(j) * self.layers[j].1).sum()
    }

    /// First bias-bank word of layer `k` (network 0).
    pub fn bias_base(&self, k: usize) -> usize {
        (0..k).map(|j| self.groups(j)).sum()
    }

    /// Largest group count of a hidden layer.
    pub fn max_hidden_groups(&self) -> usize {
        (0..self.n_layers() - 1)
            .map(|k| self.groups(k))
            .max()
            .unwrap_or(1)
    }

    /// Words of one hidden-layer region of the activation RAM: every lane of every group of the
    /// largest hidden layer writes one (the spare lanes of a last group write words nobody reads).
    pub fn act_region(&self) -> usize {
        self.max_hidden_groups() * self.lanes
    }

    /// Words of the (one, shared) activation RAM: the input region, then two hidden regions
    /// (ping-pong between layers).
    pub fn act_depth(&self) -> usize {
        INPUT_REGION + 2 * self.act_region()
    }

    /// Activation-RAM word where layer `k` (a hidden layer) writes its output 0; output `o` is at
    /// `act_write_base(k) + o`.
    pub fn act_write_base(&self, k: usize) -> usize {
        INPUT_REGION + (k % 2) * self.act_region()
    }

    /// Activation-RAM word where layer `k` reads its input 0: the input region for `k = 0`.
    pub fn act_read_base(&self, k: usize) -> usize {
        if k == 0 {
            0
        } else {
            self.act_write_base(k - 1)
        }
    }

    /// Idle cycles before each group of layer `k` but its first: a group's results leave the
    /// lanes' hold registers one lane per cycle through the shared requantizer, so the last
    /// issues of two consecutive groups must be at least `lanes` cycles apart:
    /// `max(0, lanes - in_k)`.
    pub fn group_pad(&self, k: usize) -> usize {
        self.lanes.saturating_sub(self.layers[k].1)
    }

    /// Idle cycles between layer `k` (not the last) and layer `k + 1`. Layer `k + 1` issues
    /// input `i` of its first group `i` cycles after it starts, and input `i` is output `i` of
    /// layer `k`, lane `i % lanes` of group `i / lanes`, written `WRITE_BACK + i % lanes` edges
    /// after that group's last issue. Groups of layer `k` end at least `lanes` cycles apart, so
    /// the first output of the last group (`G = ceil(out_k / lanes)` groups) is the binding one:
    /// `WRITE_BACK - 1 - (G - 1) * lanes` idle cycles. And the first group of layer `k + 1` must
    /// end at least `lanes` cycles after the last of layer `k` (`lanes - in_{k+1}`, as
    /// `group_pad`). So the gap is `max(0, WRITE_BACK - 1 - (G - 1) * lanes, lanes - in_{k+1})`.
    pub fn gap_after(&self, k: usize) -> usize {
        let g = self.groups(k);
        (WRITE_BACK - 1)
            .saturating_sub((g - 1) * self.lanes)
            .max(self.lanes.saturating_sub(self.layers[k + 1].1))
    }

    /// Issue cycles of one prediction: one per (group, input) pair, plus the idle cycles
    /// between groups and between layers.
    pub fn issue_cycles(&self) -> usize {
        self.weight_words_per_net()
            + (0..self.n_layers())
                .map(|k| (self.groups(k) - 1) * self.group_pad(k))
                .sum::<usize>()
            + (0..self.n_layers() - 1)
                .map(|k| self.gap_after(k))
                .sum::<usize>()
    }

    /// The fixed latency in clock cycles: `done` is high after this many rising edges
    /// counted from (and including) the edge that samples `start`:
    /// `sum_k G_k * in_k + sum_k (G_k - 1) * group_pad(k) + sum_{k < layers - 1} gap_after(k)
    /// + 12`, with `G_k = ceil(out_k / lanes)`.
    pub fn latency_cycles(&self) -> usize {
        self.issue_cycles() + TAIL_CYCLES
    }

    /// Where weight `weights[o][i]` of layer `k` of network `net` lives: `(lane, word)`;
    /// `net = set * 2 + polarity` (polarity 0 = set, 1 = reset).
    pub fn weight_addr(&self, net: usize, k: usize, o: usize, i: usize) -> (usize, usize) {
        let word = net * self.weight_words_per_net()
            + self.weight_base(k)
            + (o / self.lanes) * self.layers[k].1
            + i;
        (o % self.lanes, word)
    }

    /// Where bias `biases[o]` of layer `k` of network `net` lives: `(lane, word)`.
    pub fn bias_addr(&self, net: usize, k: usize, o: usize) -> (usize, usize) {
        let word = net * self.bias_words_per_net() + self.bias_base(k) + o / self.lanes;
        (o % self.lanes, word)
    }

    /// Word of the frac table holding layer `k` of network `net`.
    pub fn frac_addr(&self, net: usize, k: usize) -> usize {
        net * self.n_layers() + k
    }
}

/// The contents of every engine memory for its predictors (one per weight set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemImage {
    /// Per lane, the weight bank (raw 16-bit words).
    pub weights: Vec<Vec<u16>>,
    /// Per lane, the bias bank (raw 32-bit words).
    pub biases: Vec<Vec<u32>>,
    /// The frac table.
    pub fracs: Vec<u8>,
}

fn nets(q: &QPredictor) -> [&MlpQ; 2] {
    [&q.networks.set, &q.networks.reset]
}

impl MemImage {
    /// Lay out a predictor's weights for a one-set engine of `shape` (which must match its
    /// shape).
    pub fn new(q: &QPredictor, shape: &EngineShape) -> Result<Self, HdlError> {
        Self::with_sets(&[q], shape)
    }

    /// Lay out the weights of one predictor per weight set (set `s` is `sets[s]`) for an
    /// engine of `shape` (which must match their shape and set count).
    pub fn with_sets(sets: &[&QPredictor], shape: &EngineShape) -> Result<Self, HdlError> {
        if sets.len() != shape.sets {
            return Err(HdlError::Unsupported(format!(
                "{} predictors for an engine of {} weight sets",
                sets.len(),
                shape.sets
            )));
        }
        for q in sets {
            if q.shapes() != shape.layers || q.features.len() != shape.inputs {
                return Err(HdlError::Unsupported(format!(
                    "predictor shape {:?} does not match the engine's {:?}",
                    q.shapes(),
                    shape.layers
                )));
            }
        }
        let l = shape.lanes;
        let mut weights = vec![vec![0u16; shape.weight_depth()]; l];
        let mut biases = vec![vec![0u32; shape.bias_depth()]; l];
        let mut fracs = vec![0u8; shape.frac_depth()];
        let all = sets.iter().flat_map(|q| nets(q));
        for (n, net) in all.enumerate() {
            for (k, layer) in net.layers.iter().enumerate() {
                fracs[shape.frac_addr(n, k)] = layer.weight_frac as u8;
                for (o, row) in layer.weights.iter().enumerate() {
                    let (lane, word) = shape.bias_addr(n, k, o);
                    biases[lane][word] = layer.biases[o] as u32;
                    for (i, &w) in row.iter().enumerate() {
                        let (lane, word) = shape.weight_addr(n, k, o, i);
                        weights[lane][word] = w as u16;
                    }
                }
            }
        }
        Ok(Self {
            weights,
            biases,
            fracs,
        })
    }

    /// The load-port writes `(address, data)` that put this image into an engine: every weight,
    /// bias and frac word, in that order.
    pub fn load_writes(&self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for (lane, bank) in self.weights.iter().enumerate() {
            for (word, &w) in bank.iter().enumerate() {
                out.push((load_addr(region::WEIGHTS, lane, word), u32::from(w)));
            }
        }
        for (lane, bank) in self.biases.iter().enumerate() {
            for (word, &b) in bank.iter().enumerate() {
                out.push((load_addr(region::BIASES, lane, word), b));
            }
        }
        for (word, &f) in self.fracs.iter().enumerate() {
            out.push((load_addr(region::FRACS, 0, word), u32::from(f)));
        }
        out
    }
}

impl MemImage {
    /// The load-port writes of weight set `set` only (its two networks' weight, bias and frac
    /// words, in [`MemImage::load_writes`] order): loading them changes that set and leaves
    /// the other as it is. `shape` is the engine's (the one this image was laid out for).
    pub fn set_writes(&self, shape: &EngineShape, set: usize) -> Vec<(u32, u32)> {
        let span = |per_net: usize| 2 * set * per_net..2 * (set + 1) * per_net;
        let (w, b, f) = (
            span(shape.weight_words_per_net()),
            span(shape.bias_words_per_net()),
            span(shape.n_layers()),
        );
        self.load_writes()
            .into_iter()
            .filter(|&(a, _)| {
                let word = (a & 0xFFF) as usize;
                match a >> 16 {
                    region::WEIGHTS => w.contains(&word),
                    region::BIASES => b.contains(&word),
                    region::FRACS => f.contains(&word),
                    _ => false,
                }
            })
            .collect()
    }
}

/// A load-port address.
pub fn load_addr(region: u32, lane: usize, word: usize) -> u32 {
    (region << 16) | ((lane as u32) << 12) | word as u32
}

/// The load-port write that sets the run-time minimum (`which = 0`) or maximum (`which = 1`).
/// Values are 24 bits; `0xFF_FFFF` as the maximum (and 0 as the minimum) means "no tightening".
pub fn limit_write(which: usize, cycles: u32) -> (u32, u32) {
    (
        load_addr(region::LIMITS, 0, which),
        cycles.min((1 << CYCLE_BITS) - 1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(lanes: usize) -> EngineShape {
        EngineShape {
            inputs: 2,
            layers: vec![(16, 2), (16, 16), (1, 16)],
            lanes,
            sets: 1,
        }
    }

    #[test]
    fn latency_formula_for_the_default_shape() {
        // 1 lane: 16 groups of 2 inputs, then 16 of 16: no idle cycles needed.
        assert_eq!(shape(1).group_pad(0), 0);
        assert_eq!(shape(1).gap_after(0), 0);
        assert_eq!(shape(1).latency_cycles(), 32 + 256 + 16 + 12);
        // 8 lanes: the two groups of the 2-input first layer must end 8 cycles apart (6 idle
        // cycles between them); the next layer reads the first output of a layer's last group
        // 8 cycles into it, when it can: no idle cycles between layers.
        assert_eq!(shape(8).group_pad(0), 6);
        assert_eq!(shape(8).group_pad(1), 0);
        assert_eq!(shape(8).gap_after(0), 0);
        assert_eq!(shape(8).gap_after(1), 0);
        assert_eq!(shape(8).latency_cycles(), 4 + 32 + 16 + 6 + 12);
        assert_eq!(shape(4).latency_cycles(), 8 + 64 + 16 + 3 * 2 + 12);
        assert_eq!(shape(2).latency_cycles(), 16 + 128 + 16 + 12);
        // A 4-input (history) network fits without redesign.
        let s4 = EngineShape {
            inputs: 4,
            layers: vec![(8, 4), (1, 8)],
            lanes: 3,
            sets: 1,
        };
        s4.check().unwrap();
        // 3 groups of 4 inputs; the last one's first output (input 6) would be read 6 cycles
        // into layer 1, 2 cycles before it is written (9 edges after its group's last issue).
        assert_eq!(s4.gap_after(0), 2);
        assert_eq!(s4.latency_cycles(), 3 * 4 + 8 + 2 + 12);
    }

    #[test]
    fn addresses_are_distinct_and_in_range() {
        for (lanes, sets) in [(1, 1), (2, 1), (3, 1), (8, 1), (3, 2), (8, 2)] {
            let s = EngineShape {
                sets,
                ..shape(lanes)
            };
            let mut seen = std::collections::HashSet::new();
            let mut fracs = std::collections::HashSet::new();
            for n in 0..s.networks() {
                for k in 0..s.n_layers() {
                    assert!(fracs.insert(s.frac_addr(n, k)));
                    assert!(s.frac_addr(n, k) < FRAC_WORDS);
                }
                for (k, &(outs, ins)) in s.layers.iter().enumerate() {
                    for o in 0..outs {
                        for i in 0..ins {
                            let a = s.weight_addr(n, k, o, i);
                            assert!(a.1 < s.networks() * s.weight_words_per_net());
                            assert!(seen.insert(a));
                        }
                    }
                }
            }
        }
    }
}
