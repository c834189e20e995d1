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
pub const MAX_LAYERS: usize = 8;
/// Address bits of every engine memory; no bank may hold more than `2^MEM_ADDR_BITS` words.
pub const MEM_ADDR_BITS: usize = 12;
/// Width of the load port's address: `[19:16]` region, `[15:12]` lane, `[11:0]` word.
pub const LOAD_ADDR_BITS: usize = 20;
/// Width of the load port's data.
pub const LOAD_DATA_BITS: usize = 32;
/// Width of the input port's address (network input index).
pub const INPUT_ADDR_BITS: usize = 6;
/// Pipeline distance of the write-back: a group's results can be read by an issue at least
/// this many cycles after (not counting) its last issue, plus one (activation read, broadcast
/// register, product, accumulate, shift; saturation and write-back). The idle cycles between
/// two layers are only those the next layer needs to not read a result before it is written:
/// see [`EngineShape::gap_after`].
pub const LAYER_GAP: usize = 5;
/// Edges from the last issue of the output layer to `done`: the five pipeline stages
/// (activation read, broadcast register, product, accumulate, shift), saturation into
/// `log2_cycles`, the exp2 table read, the shift, the clamp (compare, select), and the edge that
/// raises `done`.
pub const TAIL_CYCLES: usize = 10;

/// Load-port regions (address bits `[19:16]`).
pub mod region {
    /// Weights: `[15:12]` lane, `[11:0]` word in the lane's weight bank; data `[15:0]`.
    pub const WEIGHTS: u32 = 0;
    /// Biases: `[15:12]` lane, `[11:0]` word in the lane's bias bank; data `[31:0]`.
    pub const BIASES: u32 = 1;
    /// Layer `weight_frac`: word `polarity * layers + layer`; data `[3:0]`.
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
}

impl EngineShape {
    /// The shape of the engine for a predictor, checked against the engine's limits.
    pub fn new(q: &QPredictor, lanes: usize) -> Result<Self, HdlError> {
        q.validate().map_err(HdlError::Predictor)?;
        let shape = Self {
            inputs: q.features.len(),
            layers: q.shapes(),
            lanes,
        };
        shape.check()?;
        Ok(shape)
    }

    fn check(&self) -> Result<(), HdlError> {
        let bad = |m: String| Err(HdlError::Unsupported(m));
        if self.lanes == 0 || self.lanes > MAX_LANES {
            return bad(format!("lanes must be 1..={MAX_LANES}, got {}", self.lanes));
        }
        if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
            return bad(format!("the engine takes 1..={MAX_LAYERS} layers"));
        }
        if self.inputs == 0 || self.inputs > (1 << INPUT_ADDR_BITS) || self.inputs > MAX_FANIN {
            return bad(format!("the engine takes 1..={MAX_FANIN} inputs"));
        }
        let depth = 1usize << MEM_ADDR_BITS;
        if 2 * self.weight_words_per_net() > depth
            || 2 * self.bias_words_per_net() > depth
            || self.act_depth() > depth
        {
            return bad(format!(
                "network too large for {} lanes: a bank would exceed {depth} words",
                self.lanes
            ));
        }
        Ok(())
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

    /// First weight-bank word of layer `k` (network 0).
    pub fn weight_base(&self, k: usize) -> usize {
        (0..k).map(|j| self.groups(j) * self.layers[j].1).sum()
    }

    /// First bias-bank word of layer `k` (network 0).
    pub fn bias_base(&self, k: usize) -> usize {
        (0..k).map(|j| self.groups(j)).sum()
    }

    /// Largest group count of a hidden layer (the size of one activation-bank region).
    pub fn max_hidden_groups(&self) -> usize {
        (0..self.n_layers() - 1)
            .map(|k| self.groups(k))
            .max()
            .unwrap_or(1)
    }

    /// Words of each lane's activation bank: two regions (ping-pong between layers).
    pub fn act_depth(&self) -> usize {
        2 * self.max_hidden_groups()
    }

    /// Activation-bank region base that layer `k` writes (hidden layers only).
    pub fn act_write_base(&self, k: usize) -> usize {
        (k % 2) * self.max_hidden_groups()
    }

    /// Activation-bank region base that layer `k >= 1` reads.
    pub fn act_read_base(&self, k: usize) -> usize {
        if k == 0 {
            0
        } else {
            self.act_write_base(k - 1)
        }
    }

    /// Idle cycles between layer `k` (not the last) and layer `k + 1`. Layer `k + 1` issues
    /// input `i` of its first group `i` cycles after it starts, and input `i` is output `i` of
    /// layer `k`, in group `i / lanes`; group `g` of layer `k` (`n = in_k` inputs, `G` groups)
    /// issues its last input at `(g + 1) * n - 1` and its results can be read from
    /// `LAYER_GAP + 1` cycles later. So the gap is
    /// `max(0, max_g (LAYER_GAP + (g + 1 - G) * n - g * lanes))` (at most `LAYER_GAP`).
    pub fn gap_after(&self, k: usize) -> usize {
        let n = self.layers[k].1;
        let groups = self.groups(k);
        (0..groups)
            .map(|g| (LAYER_GAP + (g + 1) * n).saturating_sub(groups * n + g * self.lanes))
            .max()
            .unwrap_or(0)
    }

    /// Issue cycles of one prediction: one per (group, input) pair, plus the gaps.
    pub fn issue_cycles(&self) -> usize {
        self.weight_words_per_net()
            + (0..self.n_layers() - 1)
                .map(|k| self.gap_after(k))
                .sum::<usize>()
    }

    /// The fixed latency in clock cycles: `done` is high after this many rising edges
    /// counted from (and including) the edge that samples `start`:
    /// `sum_k ceil(out_k / lanes) * in_k + sum_{k < layers - 1} gap_after(k) + 10`.
    pub fn latency_cycles(&self) -> usize {
        self.issue_cycles() + TAIL_CYCLES
    }

    /// Where weight `weights[o][i]` of layer `k` of network `net` (0 = set, 1 = reset) lives:
    /// `(lane, word)`.
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

/// The contents of every engine memory for one predictor.
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
    /// Lay out a predictor's weights for an engine of `shape` (which must match its shape).
    pub fn new(q: &QPredictor, shape: &EngineShape) -> Result<Self, HdlError> {
        if q.shapes() != shape.layers || q.features.len() != shape.inputs {
            return Err(HdlError::Unsupported(format!(
                "predictor shape {:?} does not match the engine's {:?}",
                q.shapes(),
                shape.layers
            )));
        }
        let l = shape.lanes;
        let mut weights = vec![vec![0u16; 2 * shape.weight_words_per_net()]; l];
        let mut biases = vec![vec![0u32; 2 * shape.bias_words_per_net()]; l];
        let mut fracs = vec![0u8; 2 * shape.n_layers()];
        for (n, net) in nets(q).into_iter().enumerate() {
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
        }
    }

    #[test]
    fn latency_formula_for_the_default_shape() {
        // 1 lane: 16 groups of 2 inputs, then 16 of 16: no gaps needed.
        assert_eq!(shape(1).gap_after(0), 0);
        assert_eq!(shape(1).latency_cycles(), 32 + 256 + 16 + 10);
        // 8 lanes: group 0 of the first layer ends at cycle 1, layer 1 would read its outputs
        // from cycle 4: 3 idle cycles; the second layer's last group is read 8 cycles late.
        assert_eq!(shape(8).gap_after(0), 3);
        assert_eq!(shape(8).gap_after(1), 0);
        assert_eq!(shape(8).latency_cycles(), 4 + 32 + 16 + 3 + 10);
        // A 4-input (history) network fits without redesign.
        let s4 = EngineShape {
            inputs: 4,
            layers: vec![(8, 4), (1, 8)],
            lanes: 3,
        };
        s4.check().unwrap();
        // 3 groups of 4 inputs; the last one's first output (input 6) is read 6 cycles into
        // layer 1, one cycle after it can be read: no gap.
        assert_eq!(s4.gap_after(0), 0);
        assert_eq!(s4.latency_cycles(), 3 * 4 + 8 + 10);
    }

    #[test]
    fn addresses_are_distinct_and_in_range() {
        for lanes in [1, 2, 3, 8] {
            let s = shape(lanes);
            let mut seen = std::collections::HashSet::new();
            for n in 0..2 {
                for (k, &(outs, ins)) in s.layers.iter().enumerate() {
                    for o in 0..outs {
                        for i in 0..ins {
                            let a = s.weight_addr(n, k, o, i);
                            assert!(a.1 < 2 * s.weight_words_per_net());
                            assert!(seen.insert(a));
                        }
                    }
                }
            }
        }
    }
}
