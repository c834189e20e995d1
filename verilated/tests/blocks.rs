//! Each of the engine's blocks alone, as generated Verilog in Verilator
//! (`ouro_hdl::block_verilog`; the build script verilates them): its outputs cycle by cycle
//! against a plain-Rust reference of what `docs/HDL.md` says it does. The whole engine is proved
//! by `tests/cosim.rs`; these tests pin each block's contract, so that a block can be changed
//! and checked by itself.

use ouro_core::qformat::{exp2_cycles, exp2_table, Act};
use ouro_core::schema::QPredictor;
use ouro_hdl::layout::{EngineShape, MemImage, WRITE_BACK};
use ouro_nn::golden::Limits;
use ouro_testkit::rng::seeded;
use ouro_verilated::{require_verilator, BlockInfo, BlockModel, ConfigInfo};
use rand::Rng;

const MASK40: u64 = (1 << 40) - 1;

fn model(name: &str) -> Option<BlockModel> {
    if !require_verilator(name) {
        return None;
    }
    let b = BlockInfo::get(name).unwrap_or_else(|| panic!("no block {name}"));
    Some(b.model().expect("verilated block"))
}

/// A random 16-bit word, one time in four an extreme one.
fn word16<R: Rng>(rng: &mut R) -> i16 {
    match rng.random_range(0..16) {
        0 => i16::MIN,
        1 => i16::MAX,
        2 => 0,
        3 => -1,
        _ => rng.random(),
    }
}

// ---------------------------------------------------------------------------------------------
// Lane

/// One neuron issued to the lane: weight words `base..base + n`, bias word `bias`, inputs `x`.
struct Neuron {
    base: usize,
    bias: usize,
    x: Vec<i16>,
}

/// The lane (index 3) loaded through its load port, then fed back-to-back neurons of 1 to 64
/// products (random words, extremes, and the largest sums of either sign a 64-input neuron can
/// reach): every finished sum must come out of `g` exactly (40-bit two's complement), 5 cycles
/// after the cycle that presents the neuron's last activation, when the drain slot was on in
/// the cycle before; `g` is 0 after a cycle without the slot. Writes for another lane are
/// ignored.
#[test]
fn lane_accumulates_exact_40_bit_sums() {
    let Some(mut m) = model("lane") else { return };
    let mut rng = seeded(0x1A4E_0003);
    // Weight words 0..128 random, 128..192 at +32767, 192..256 at -32768.
    let weights: Vec<i16> = (0..256)
        .map(|a| match a {
            0..=127 => word16(&mut rng),
            128..=191 => i16::MAX,
            _ => i16::MIN,
        })
        .collect();
    let mut biases: Vec<i32> = vec![i32::MAX, i32::MIN, 0, -1];
    biases.extend((4..16).map(|_| rng.random::<i32>()));
    let load = |m: &mut BlockModel, we: &str, lane: u64, word: usize, data: u64| {
        m.set_bool(we, true);
        m.set("ld_lane", lane);
        m.set("ld_word", word as u64);
        m.set("ld_data", data);
        m.tick();
        m.set_bool(we, false);
    };
    for (a, &w) in weights.iter().enumerate() {
        load(&mut m, "ld_we_w", 3, a, u64::from(w as u16) | 0xABCD_0000);
        // A write for lane 2 after it: ignored.
        load(&mut m, "ld_we_w", 2, a, u64::from(!(w as u16)));
    }
    for (a, &b) in biases.iter().enumerate() {
        load(&mut m, "ld_we_b", 3, a, u64::from(b as u32));
        load(&mut m, "ld_we_b", 2, a, u64::from(!(b as u32)));
    }

    let mut neurons = vec![
        Neuron {
            base: 192,
            bias: 0,
            x: vec![i16::MIN; 64],
        },
        Neuron {
            base: 128,
            bias: 1,
            x: vec![i16::MIN; 64],
        },
    ];
    for j in 0..300 {
        let n = match j % 5 {
            0 => 1,
            1 => 64,
            _ => rng.random_range(1..=64),
        };
        neurons.push(Neuron {
            base: rng.random_range(0..=256 - n),
            bias: rng.random_range(0..16),
            x: (0..n).map(|_| word16(&mut rng)).collect(),
        });
    }
    // The issue timeline (stage B): (x, weight word, bias word, first, last), with 0..3 idle
    // cycles between neurons; and when each sum is due in the hold register.
    type Issue = (i16, usize, usize, bool, bool);
    let mut issues: Vec<Option<Issue>> = Vec::new();
    let mut due: Vec<(usize, u64)> = Vec::new();
    for nr in &neurons {
        for _ in 0..rng.random_range(0..4) {
            issues.push(None);
        }
        let n = nr.x.len();
        let mut sum = i64::from(biases[nr.bias]);
        for (i, &x) in nr.x.iter().enumerate() {
            sum += i64::from(x) * i64::from(weights[nr.base + i]);
            issues.push(Some((x, nr.base + i, nr.bias, i == 0, i + 1 == n)));
        }
        assert!(sum.abs() < 1 << 39);
        // Presented in cycle T (stage B): in the hold register from cycle T + 4.
        due.push((issues.len() - 1 + 4, sum as u64 & MASK40));
    }
    let total = issues.len() + 8;
    let mut hold: Option<u64> = None;
    let mut due_it = due.iter().peekable();
    let mut prev_drain = false;
    let mut prev_hold: Option<u64> = None;
    let mut checked = 0;
    for t in 0..total {
        while due_it.peek().is_some_and(|&&(c, _)| c <= t) {
            hold = Some(due_it.next().unwrap().1);
        }
        // Stage B inputs (garbage when nothing is issued: it must not matter).
        let (x, wa, ba) = match issues.get(t).copied().flatten() {
            Some((x, wa, ba, _, _)) => (x as u16 as u64, wa as u64, ba as u64),
            None => (
                rng.random::<u16>().into(),
                rng.random_range(0..4096),
                rng.random_range(0..16),
            ),
        };
        m.set("x", x);
        m.set("w_addr", wa);
        m.set("b_addr", ba);
        // Stage M controls, of the previous cycle's issue (first/last random when not valid).
        match t
            .checked_sub(1)
            .and_then(|p| issues.get(p).copied().flatten())
        {
            Some((_, _, _, first, last)) => {
                m.set_bool("valid_m", true);
                m.set_bool("first_m", first);
                m.set_bool("last_m", last);
            }
            None => {
                m.set_bool("valid_m", false);
                m.set_bool("first_m", rng.random());
                m.set_bool("last_m", rng.random());
            }
        }
        let drain = rng.random_range(0..10) < 8;
        m.set_bool("drain", drain);
        let g = m.get("g");
        if !prev_drain {
            assert_eq!(g, 0, "cycle {t}: g outside the drain slot");
        } else if let Some(h) = prev_hold {
            assert_eq!(g, h, "cycle {t}: the hold register");
            checked += 1;
        }
        prev_drain = drain;
        prev_hold = hold;
        m.tick();
    }
    assert!(due_it.next().is_none());
    assert!(checked > total / 2, "{checked} sums seen of {total} cycles");
}

// ---------------------------------------------------------------------------------------------
// Controller

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pair {
    k: usize,
    g: usize,
    i: usize,
}

/// What the controller issues in each cycle after the start edge (stage A): one (layer,
/// group, input) pair, or an idle cycle, per `docs/HDL.md` "Latency".
fn schedule(shape: &EngineShape) -> Vec<Option<Pair>> {
    let mut s = Vec::new();
    for k in 0..shape.n_layers() {
        if k > 0 {
            s.extend(vec![None; shape.gap_after(k - 1)]);
        }
        for g in 0..shape.groups(k) {
            if g > 0 {
                s.extend(vec![None; shape.group_pad(k)]);
            }
            for i in 0..shape.layers[k].1 {
                s.push(Some(Pair { k, g, i }));
            }
        }
    }
    assert_eq!(s.len(), shape.issue_cycles());
    s
}

/// Run one prediction on the controller alone and check every output cycle by cycle against
/// the schedule and the memory layout. `fin` is held high through the issue cycles (it must be
/// ignored until the drain), and raised when the engine's clamp would (`latency - 2` cycles
/// after the start edge); `start` is raised again mid-prediction with the other polarity (and
/// the other weight set: it must be ignored). Network `net = set * 2 + polarity`; a two-set
/// controller takes the set on its `set$0` input and shows it on `set_out$0`.
fn controller_run(m: &mut BlockModel, shape: &EngineShape, fracs: &[u8], net: usize) {
    let sched = schedule(shape);
    let last_k = shape.n_layers() - 1;
    let t_fin = shape.latency_cycles() - 2;
    let (pol, set) = (net % 2 == 1, net / 2 == 1);
    assert!(m.get_bool("idle"), "idle before start");
    m.set_bool("start", true);
    m.set_bool("polarity", pol);
    if shape.sets == 2 {
        m.set_bool("set$0", set);
    }
    m.tick();
    m.set_bool("start", false);
    let at = |t: usize, back: usize| {
        t.checked_sub(back)
            .and_then(|p| sched.get(p).copied().flatten())
    };
    for t in 0..=t_fin + 2 {
        m.set_bool("fin", t < sched.len() || t == t_fin);
        m.set_bool("start", t == 3);
        m.set_bool("polarity", !pol);
        let ctx = format!("net {net}, cycle {t}");
        if shape.sets == 2 {
            m.set_bool("set$0", !set);
            assert_eq!(m.get_bool("set_out$0"), set, "{ctx}: set_out");
        }
        assert_eq!(m.get_bool("idle"), t > t_fin, "{ctx}: idle");
        assert_eq!(m.get_bool("pol"), pol, "{ctx}: pol");
        if let Some(p) = at(t, 0) {
            let want = (shape.act_read_base(p.k) + p.i) as u64;
            assert_eq!(m.get("act_raddr"), want, "{ctx}: act_raddr of {p:?}");
        }
        if let Some(p) = at(t, 1) {
            let o = p.g * shape.lanes;
            let wa = shape.weight_addr(net, p.k, o, p.i).1 as u64;
            let ba = shape.bias_addr(net, p.k, o).1 as u64;
            assert_eq!(m.get("w_addr"), wa, "{ctx}: w_addr of {p:?}");
            assert_eq!(m.get("b_addr"), ba, "{ctx}: b_addr of {p:?}");
        }
        let pm = at(t, 2);
        assert_eq!(m.get_bool("m_valid"), pm.is_some(), "{ctx}: m_valid");
        if let Some(p) = pm {
            assert_eq!(m.get_bool("m_first"), p.i == 0, "{ctx}: m_first of {p:?}");
        }
        let n_in = |p: Pair| shape.layers[p.k].1;
        assert_eq!(
            m.get_bool("m_last"),
            pm.is_some_and(|p| p.i + 1 == n_in(p)),
            "{ctx}: m_last"
        );
        let pd = at(t, 4).filter(|&p| p.i + 1 == n_in(p));
        assert_eq!(m.get_bool("grp_done"), pd.is_some(), "{ctx}: grp_done");
        if let Some(p) = pd {
            assert_eq!(m.get_bool("grp_out"), p.k == last_k, "{ctx}: grp_out");
            if p.k < last_k {
                let wa = (shape.act_write_base(p.k) + p.g * shape.lanes) as u64;
                assert_eq!(m.get("grp_addr"), wa, "{ctx}: grp_addr of {p:?}");
            }
            let f = u64::from(fracs[shape.frac_addr(net, p.k)]);
            assert_eq!(m.get("grp_frac"), f, "{ctx}: grp_frac of {p:?}");
        }
        m.tick();
    }
    m.set_bool("fin", false);
}

/// The controller of every test configuration, every network (both polarities of every weight
/// set), predictions back to back, and a `weight_frac` written through its port in between: the
/// issue schedule, the addresses, the accumulator controls and the group descriptions, cycle by
/// cycle. The two-set configuration's controller runs its four networks in an order that
/// changes the set and the polarity alone and together.
#[test]
fn controller_issues_the_documented_schedule() {
    if !require_verilator("controller") {
        return;
    }
    for cfg in ouro_verilated::CONFIGS {
        let mut sets = vec![QPredictor::from_yaml_str(cfg.predictor_yaml, cfg.name).unwrap()];
        if let Some(y) = cfg.set1_yaml {
            sets.push(QPredictor::from_yaml_str(y, cfg.name).unwrap());
        }
        let refs: Vec<&QPredictor> = sets.iter().collect();
        let shape = EngineShape::with_sets(&refs, cfg.lanes).unwrap();
        assert_eq!(shape.sets, cfg.sets);
        let mut fracs = MemImage::with_sets(&refs, &shape).unwrap().fracs;
        let name = format!("controller_{}", cfg.name);
        let mut m = BlockInfo::get(&name).unwrap().model().unwrap();
        let order: &[usize] = if shape.sets == 2 {
            &[0, 3, 2, 1, 0, 2]
        } else {
            &[0, 1]
        };
        for &net in order {
            controller_run(&mut m, &shape, &fracs, net);
        }
        // A new weight_frac for the last network's output layer.
        let last = shape.networks() - 1;
        let a = shape.frac_addr(last, shape.n_layers() - 1);
        fracs[a] = (fracs[a] + 5) % 16;
        m.set_bool("frac_we", true);
        m.set("frac_addr", a as u64);
        m.set("frac_data", u64::from(fracs[a]));
        m.tick();
        m.set_bool("frac_we", false);
        controller_run(&mut m, &shape, &fracs, last);
        controller_run(&mut m, &shape, &fracs, 0);
        // While idle nothing moves.
        for _ in 0..20 {
            assert!(m.get_bool("idle") && !m.get_bool("m_valid") && !m.get_bool("grp_done"));
            m.tick();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Drain and requantizer

/// The requantizer's reference: `floor(a / 2^frac)` saturated to 16 bits (docs/FIXED_POINT.md
/// section 3), then ReLU for a hidden layer.
fn requantize(a: i64, frac: u32, relu: bool) -> u16 {
    let y = (a >> frac).clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16;
    (if relu && y < 0 { 0 } else { y }) as u16
}

/// A 40-bit sum, often at a saturation boundary of `frac`.
fn sum40<R: Rng>(rng: &mut R, frac: u32) -> i64 {
    let lo = i64::from(i16::MIN) << frac;
    let hi = (i64::from(i16::MAX) + 1) << frac; // the first sum that saturates high
    let near = |b: i64, rng: &mut R| {
        b + rng.random_range(-2i64..=2) * (1i64 << frac) + rng.random_range(-1i64..=1)
    };
    match rng.random_range(0..8) {
        0 => near(lo, rng),
        1 => near(hi, rng),
        2 => rng.random_range(lo..hi),
        3 => -(1i64 << 39),
        4 => (1i64 << 39) - 1,
        5 => rng.random_range(-8i64..8),
        _ => rng.random_range(-(1i64 << 39)..(1i64 << 39)),
    }
}

/// The drain of `lanes` lanes fed groups of sums (the lanes emulated: each lane's gate register
/// takes its hold register in its slot), groups at least `lanes` cycles apart as the controller
/// issues them: lane `l`'s slot is `1 + l` cycles after the group's `grp_done`, its result is
/// written `4 + l` cycles after it, at
/// `grp_addr + l`, requantized with the group's `weight_frac` (ReLU for hidden layers), and the
/// output layer's lane 0 result comes out on `out_we` unrectified; nothing else is written.
fn drain_run(lanes: usize) {
    let Some(mut m) = model(&format!("drain_{lanes}")) else {
        return;
    };
    let mut rng = seeded(0xD2A1_0000 ^ lanes as u64);
    struct Group {
        t: usize,
        out: bool,
        addr: usize,
        frac: u32,
        sums: Vec<i64>,
    }
    let mut groups = Vec::new();
    let mut t = 2;
    for j in 0..3000 {
        let frac = rng.random_range(0..16);
        groups.push(Group {
            t,
            out: j % 7 == 3,
            addr: rng.random_range(0..4096 - lanes),
            frac,
            sums: (0..lanes).map(|_| sum40(&mut rng, frac)).collect(),
        });
        t += lanes
            + if j % 3 == 0 {
                0
            } else {
                rng.random_range(0..4)
            };
    }
    let total = t + lanes + 8;
    // Expected writes per cycle: (wb_we, out_we, wb_addr, res).
    let mut want: Vec<(bool, bool, u64, u16)> = vec![(false, false, 0, 0); total];
    for gr in &groups {
        for (l, &a) in gr.sums.iter().enumerate() {
            let c = gr.t + 4 + l;
            let res = requantize(a, gr.frac, !gr.out);
            want[c] = (!gr.out, gr.out && l == 0, (gr.addr + l) as u64, res);
        }
    }
    let mut hold = vec![0u64; lanes];
    let mut gate = vec![0u64; lanes];
    let mut gi = groups.iter().peekable();
    let mut writes = 0;
    for (t, &(wb_we, out_we, addr, res)) in want.iter().enumerate() {
        let g = gi.next_if(|g| g.t == t);
        m.set_bool("grp_done", g.is_some());
        if let Some(g) = g {
            m.set_bool("grp_out", g.out);
            m.set("grp_addr", g.addr as u64);
            m.set("grp_frac", u64::from(g.frac));
        } else {
            m.set_bool("grp_out", rng.random());
            m.set("grp_addr", rng.random_range(0..4096));
            m.set("grp_frac", rng.random_range(0..16));
        }
        m.set("bus", gate.iter().fold(0, |a, &w| a | w));
        let slot = m.get("slot");
        let ctx = format!("{lanes} lanes, cycle {t}");
        assert_eq!(m.get_bool("wb_we"), wb_we, "{ctx}: wb_we");
        assert_eq!(m.get_bool("out_we"), out_we, "{ctx}: out_we");
        if wb_we || out_we {
            assert_eq!(m.get("res") as u16, res, "{ctx}: res");
            writes += 1;
        }
        if wb_we {
            assert_eq!(m.get("wb_addr"), addr, "{ctx}: wb_addr");
        }
        // The emulated lanes: gate <= slot ? hold : 0; hold <= the group's sums on grp_done.
        for l in 0..lanes {
            gate[l] = if slot >> l & 1 == 1 { hold[l] } else { 0 };
        }
        // Lane l's slot is the cycle l + 1 after grp_done; the one-hot register shifts on
        // through the bits of lanes that do not exist (they select nothing).
        let want_slot = groups
            .iter()
            .find(|g| g.t < t && t <= g.t + lanes)
            .map_or(0, |g| 1 << (t - g.t - 1));
        assert_eq!(slot & ((1 << lanes) - 1), want_slot, "{ctx}: slot");
        assert!(slot.count_ones() <= 1, "{ctx}: slot {slot:#x} one-hot");
        if let Some(g) = g {
            for (h, &a) in hold.iter_mut().zip(&g.sums) {
                *h = a as u64 & MASK40;
            }
        }
        m.tick();
    }
    assert!(writes > groups.len());
    // The documented write-back distance (docs/HDL.md): the controller's `grp_done` comes 4
    // cycles after a group's last issue, lane 0's write 4 cycles after that, on the edge that
    // ends that cycle: the 9th edge after the issue.
    assert_eq!(WRITE_BACK, 4 + 4 + 1);
}

#[test]
fn drain_requantizes_every_lane_in_its_slot_3_lanes() {
    drain_run(3);
}

#[test]
fn drain_requantizes_every_lane_in_its_slot_8_lanes() {
    drain_run(8);
}

// ---------------------------------------------------------------------------------------------
// exp2

/// Every one of the 65,536 log2 words through exp2, one per cycle: `raw` is
/// `qformat::exp2_cycles` two edges after the `load` edge (with `valid`), and `log2` holds the
/// last word taken when `load` is low.
#[test]
fn exp2_matches_qformat_on_every_word() {
    let Some(mut m) = model("exp2") else { return };
    let table = exp2_table();
    let n = 1usize << 16;
    let mut rng = seeded(0xE292);
    // The word taken in each cycle so far (None: `load` low), and the last one taken.
    let mut loaded: Vec<Option<u16>> = Vec::new();
    let mut last: Option<u16> = None;
    let mut next = 0usize;
    let mut t = 0usize;
    while next < n || loaded.iter().rev().take(3).any(Option::is_some) {
        // Every word once, shuffled (40503 is odd: a bijection of u16), with a cycle without
        // `load` now and then: nothing new, `log2` holds.
        let w = (next < n && t % 1000 != 999).then(|| {
            next += 1;
            ((next - 1) as u16).wrapping_mul(40503)
        });
        m.set("log2_in", u64::from(w.unwrap_or_else(|| rng.random())));
        m.set_bool("load", w.is_some());
        if let Some(v) = last {
            assert_eq!(
                m.get("log2") as u16,
                v,
                "cycle {t}: log2 holds the last word"
            );
        }
        let src = t.checked_sub(2).and_then(|p| loaded[p]);
        assert_eq!(m.get_bool("valid"), src.is_some(), "cycle {t}: valid");
        if let Some(v) = src {
            let want = exp2_cycles(Act::from_bits(v as i16), &table);
            assert_eq!(m.get("raw"), want, "cycle {t}: exp2 of {v:#06x}");
        }
        loaded.push(w);
        last = w.or(last);
        m.tick();
        t += 1;
    }
    assert_eq!(loaded.iter().flatten().count(), n);
}

// ---------------------------------------------------------------------------------------------
// Limits and clamp

/// A run-time limit: anywhere in 24 bits, or near the synthesized ones.
fn limit<R: Rng>(rng: &mut R, syn: Limits) -> u32 {
    match rng.random_range(0..4) {
        0 => rng.random_range(0..=0xFF_FFFF),
        1 => rng.random_range(0..=2 * syn.max_cycles.min(0x7F_FFFF)),
        2 => (syn.min_cycles + rng.random_range(0..3)).saturating_sub(1),
        _ => (syn.max_cycles + rng.random_range(0..3)).saturating_sub(1),
    }
}

/// The run-time limits of the default configuration: at power-up (after the stages settle)
/// the synthesized ones; after any write of both registers, `Limits::tighten` of them, on the
/// fourth edge after the one that samples the second write, and steady after; always within
/// the synthesized limits, also for a minimum written above the synthesized maximum (which the
/// old rule, `min = max(syn_min, rt_min)`, let through: checked to differ here).
#[test]
fn limits_only_tighten() {
    let Some(mut m) = model("limits_default") else {
        return;
    };
    let cfg = ConfigInfo::get("default").unwrap();
    let q = QPredictor::from_yaml_str(cfg.predictor_yaml, cfg.name).unwrap();
    let syn = Limits {
        min_cycles: q.min_cycles,
        max_cycles: q.max_cycles,
    };
    let get = |m: &BlockModel| Limits {
        min_cycles: m.get("min") as u32,
        max_cycles: m.get("max") as u32,
    };
    for _ in 0..3 {
        m.tick();
    }
    assert_eq!(
        get(&m),
        syn,
        "power-up: the synthesized limits from the third edge"
    );
    let mut rng = seeded(0x0011_4175);
    let full = 0xFF_FFFF;
    let mut cases = vec![
        (0, full),
        (syn.min_cycles + 1, full),
        (0, syn.max_cycles - 1),
        (syn.max_cycles + 7, 100),
        (0, 0),
        (full, full),
        (full, 0),
        (syn.min_cycles, syn.max_cycles),
        (syn.max_cycles + 1, full),
        (syn.max_cycles + 1, syn.max_cycles + 1),
        (full, syn.min_cycles - 1),
        (syn.max_cycles, syn.min_cycles),
        (syn.min_cycles - 1, syn.max_cycles + 1),
        (0, full),
    ];
    cases.extend((0..2000).map(|_| (limit(&mut rng, syn), limit(&mut rng, syn))));
    let (mut above, mut old_rule_caught) = (0, 0);
    for (min, max) in cases {
        let rt = Limits {
            min_cycles: min,
            max_cycles: max,
        };
        for (sel, v) in [(false, min), (true, max)] {
            m.set_bool("we", true);
            m.set_bool("sel", sel);
            m.set("data", u64::from(v));
            m.tick();
        }
        m.set_bool("we", false);
        // Garbage on the write port while `we` is low: ignored.
        m.set("data", rng.random_range(0..=u64::from(full)));
        m.set_bool("sel", rng.random());
        for _ in 0..4 {
            m.tick();
        }
        let want = syn.tighten(rt);
        let got = get(&m);
        assert_eq!(got, want, "run-time {rt:?}");
        assert!(
            syn.min_cycles <= got.min_cycles
                && got.min_cycles <= got.max_cycles
                && got.max_cycles <= syn.max_cycles,
            "run-time {rt:?}: {got:?} within the synthesized {syn:?}"
        );
        // The old rule as the expectation: caught wherever the minimum is above `syn_max`.
        let old_min = syn.min_cycles.max(min);
        let old = Limits {
            min_cycles: old_min,
            max_cycles: syn.max_cycles.min(max).max(old_min),
        };
        old_rule_caught += usize::from(old != got);
        above += usize::from(min > syn.max_cycles);
        m.tick();
        assert_eq!(get(&m), want, "run-time {rt:?}, steady");
    }
    assert!(
        above > 100,
        "minimums above the synthesized maximum: {above}"
    );
    assert_eq!(
        old_rule_caught, above,
        "the old rule mismatches exactly the minimums above the synthesized maximum"
    );
}

/// The clamp alone: for each result, `raw` and the limits in the cycle with `valid`, then
/// `done` two edges later with every result output registered (`cycles`, the flags,
/// `log2_cycles`, `out_polarity`), and all of them holding, whatever the inputs do, until the
/// next `done`. The two-set engine's clamp (`clamp_sets`) registers the weight set
/// (`set$0` as `out_set$0`) the same way.
#[test]
fn clamp_selects_and_holds_the_result() {
    clamp_run("clamp", false);
}

#[test]
fn two_set_clamp_selects_and_holds_the_result_and_its_set() {
    clamp_run("clamp_sets", true);
}

fn clamp_run(name: &str, two_sets: bool) {
    let Some(mut m) = model(name) else { return };
    let mut rng = seeded(0xC1A3);
    let mut prev: Option<(u64, bool, bool, u64, bool, bool)> = None;
    let mut outcomes = [0usize; 3];
    for j in 0..20_000 {
        let a: u32 = rng.random_range(0..1 << 24);
        let b: u32 = rng.random_range(0..1 << 24);
        let (min, max) = if j % 5 == 0 {
            (a, a)
        } else {
            (a.min(b), a.max(b))
        };
        let raw: u64 = match rng.random_range(0..9) {
            0 => u64::from(min).saturating_sub(1),
            1 => u64::from(min),
            2 => u64::from(max),
            3 => u64::from(max) + 1,
            4 => (1 << 24) + rng.random_range(0..4) - 2,
            5 => rng.random_range(0..1 << 48),
            6 => (1 << 48) - 1,
            _ => rng.random_range(0..1 << 24),
        };
        let log2: u64 = rng.random_range(0..1 << 16);
        let pol: bool = rng.random();
        let set: bool = two_sets && rng.random();
        let (cycles, low, high) = if raw < u64::from(min) {
            (u64::from(min), true, false)
        } else if raw > u64::from(max) {
            (u64::from(max), false, true)
        } else {
            (raw, false, false)
        };
        outcomes[usize::from(low) + 2 * usize::from(high)] += 1;
        let want = (cycles, low, high, log2, pol, set);
        // Idle cycles with garbage on every input but `valid`, then the result's three cycles.
        let idle = rng.random_range(0..4);
        for t in 0..idle + 3 {
            let live = t >= idle;
            m.set_bool("valid", t == idle);
            let keep = |v: u64, r: u64| if live { v } else { r };
            m.set("raw", keep(raw, rng.random_range(0..1 << 48)));
            m.set("min", keep(u64::from(min), rng.random_range(0..1 << 24)));
            m.set("max", keep(u64::from(max), rng.random_range(0..1 << 24)));
            m.set("log2", keep(log2, rng.random_range(0..1 << 16)));
            m.set_bool("polarity", if live { pol } else { rng.random() });
            if two_sets {
                m.set_bool("set$0", if live { set } else { rng.random() });
            }
            let done = t == idle + 2;
            assert_eq!(m.get_bool("done"), done, "result {j}, cycle {t}: done");
            assert_eq!(
                m.get_bool("fin"),
                t == idle + 1,
                "result {j}, cycle {t}: fin"
            );
            let got = (
                m.get("cycles"),
                m.get_bool("clamp_low"),
                m.get_bool("clamp_high"),
                m.get("log2_cycles"),
                m.get_bool("out_polarity"),
                two_sets && m.get_bool("out_set$0"),
            );
            if done {
                assert_eq!(got, want, "result {j}: raw {raw}, limits {min}..={max}");
            } else if let Some(p) = prev {
                assert_eq!(got, p, "result {j}, cycle {t}: the previous result holds");
            }
            m.tick();
        }
        prev = Some(want);
    }
    assert!(outcomes.iter().all(|&c| c > 1000), "{outcomes:?}");
}

// ---------------------------------------------------------------------------------------------
// Ports

/// The write ports: a write presented in one cycle is performed in the next one, only if the
/// engine is idle then: the region decoded into one write enable, the lane, word and data
/// fields, and the input write with its index as an activation-RAM address.
#[test]
fn ports_register_and_decode_writes() {
    let Some(mut m) = model("ports") else { return };
    let mut rng = seeded(0x9027);
    let mut prev: Option<(bool, u64, u64, bool, u64, u64)> = None;
    let mut performed = [0usize; 5];
    for t in 0..50_000 {
        let idle = rng.random_range(0..4) != 0;
        let ld_we = rng.random();
        let region: u64 = if rng.random() {
            rng.random_range(0..4)
        } else {
            rng.random_range(0..16)
        };
        let ld_addr = region << 16 | rng.random_range(0..1 << 16);
        let ld_data: u64 = rng.random_range(0..1 << 32);
        let in_we = rng.random();
        let in_addr = rng.random_range(0..64);
        let in_data = rng.random_range(0..1 << 16);
        m.set_bool("idle", idle);
        m.eval();
        if let Some((we, addr, data, iwe, ia, id)) = prev {
            let r = addr >> 16;
            let ctx = format!("cycle {t}");
            for (n, name) in ["weight_we", "bias_we", "frac_we", "limit_we"]
                .iter()
                .enumerate()
            {
                let want = we && idle && r == n as u64;
                assert_eq!(m.get_bool(name), want, "{ctx}: {name}");
                performed[n] += usize::from(want);
            }
            assert_eq!(m.get("lane"), addr >> 12 & 0xF, "{ctx}: lane");
            assert_eq!(m.get("word"), addr & 0xFFF, "{ctx}: word");
            assert_eq!(m.get("data"), data, "{ctx}: data");
            assert_eq!(m.get_bool("input_we"), iwe, "{ctx}: input_we");
            assert_eq!(m.get("input_addr"), ia, "{ctx}: input_addr");
            assert_eq!(m.get("input_data"), id, "{ctx}: input_data");
            performed[4] += usize::from(iwe && idle);
        }
        m.set_bool("ld_we", ld_we);
        m.set("ld_addr", ld_addr);
        m.set("ld_data", ld_data);
        m.set_bool("in_we", in_we);
        m.set("in_addr", in_addr);
        m.set("in_data", in_data);
        prev = Some((ld_we, ld_addr, ld_data, in_we, in_addr, in_data));
        m.tick();
    }
    assert!(performed.iter().all(|&c| c > 1000), "{performed:?}");
}
