//! The job queue: cells to program, in one SPRAM, from the command decoder to the sequencer.

use super::b;
use crate::mem::Spram;
use rust_hdl::prelude::*;

/// A first-in first-out queue of up to [`super::QUEUE_CAPACITY`] jobs (row, col, target,
/// tolerance: three 16-bit words in a four-word slot of one SPRAM).
///
/// Push: `push` with the job's fields in a cycle where `push_ready` is high; the job is
/// counted in `count` from the next cycle and written in the three cycles after. The queue
/// reads the oldest written job into a staging register (three reads, one cycle each, while no
/// job is being written) and offers it on `job_*` while `allow` is high (the result store has
/// room for its record); the sequencer takes it in a cycle where `job_valid` and `job_ready`
/// are both high. `count` counts the jobs pushed and not yet taken (staged included).
#[derive(LogicBlock)]
pub struct JobQueue {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Push a job.
    pub push: Signal<In, bool>,
    /// The job: row (bits 0..8), column (8..16), target (16..32), tolerance (32..48), as the
    /// PROGRAM entry's bytes.
    pub push_job: Signal<In, Bits<48>>,
    /// A push is taken in this cycle.
    pub push_ready: Signal<Out, bool>,
    /// The sequencer may take a job (its record has room).
    pub allow: Signal<In, bool>,
    /// A job is offered.
    pub job_valid: Signal<Out, bool>,
    /// Row.
    pub job_row: Signal<Out, Bits<8>>,
    /// Column.
    pub job_col: Signal<Out, Bits<8>>,
    /// Target.
    pub job_target: Signal<Out, Bits<16>>,
    /// Tolerance.
    pub job_tol: Signal<Out, Bits<16>>,
    /// The sequencer takes the offered job (with `job_valid`).
    pub job_ready: Signal<In, bool>,
    /// Jobs pushed and not yet taken.
    pub count: Signal<Out, Bits<13>>,
    /// Room: jobs that can still be pushed.
    pub free: Signal<Out, Bits<13>>,
    ram: Spram,
    wbuf: DFF<Bits<48>>,
    wphase: DFF<Bits<2>>,
    rphase: DFF<Bits<3>>,
    wptr: DFF<Bits<14>>,
    rptr: DFF<Bits<14>>,
    unread: DFF<Bits<13>>,
    n: DFF<Bits<13>>,
    staged: DFF<bool>,
    s0: DFF<Bits<16>>,
    s1: DFF<Bits<16>>,
    s2: DFF<Bits<16>>,
    k0_2: Constant<Bits<2>>,
    k1_2: Constant<Bits<2>>,
    k3_2: Constant<Bits<2>>,
    k0_3: Constant<Bits<3>>,
    k1_3: Constant<Bits<3>>,
    k2_3: Constant<Bits<3>>,
    k3_3: Constant<Bits<3>>,
    k4_3: Constant<Bits<3>>,
    k1_14: Constant<Bits<14>>,
    k2_14: Constant<Bits<14>>,
    k0_13: Constant<Bits<13>>,
    k1_13: Constant<Bits<13>>,
    cap: Constant<Bits<13>>,
    take: Signal<Local, bool>,
    write_done: Signal<Local, bool>,
    idle: Signal<Local, bool>,
    pushed: Signal<Local, bool>,
    start_read: Signal<Local, bool>,
}

impl JobQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            push: Default::default(),
            push_job: Default::default(),
            push_ready: Default::default(),
            allow: Default::default(),
            job_valid: Default::default(),
            job_row: Default::default(),
            job_col: Default::default(),
            job_target: Default::default(),
            job_tol: Default::default(),
            job_ready: Default::default(),
            count: Default::default(),
            free: Default::default(),
            ram: Spram::new(),
            wbuf: Default::default(),
            wphase: Default::default(),
            rphase: Default::default(),
            wptr: Default::default(),
            rptr: Default::default(),
            unread: Default::default(),
            n: Default::default(),
            staged: Default::default(),
            s0: Default::default(),
            s1: Default::default(),
            s2: Default::default(),
            k0_2: b(0),
            k1_2: b(1),
            k3_2: b(3),
            k0_3: b(0),
            k1_3: b(1),
            k2_3: b(2),
            k3_3: b(3),
            k4_3: b(4),
            k1_14: b(1),
            k2_14: b(2),
            k0_13: b(0),
            k1_13: b(1),
            cap: b(super::QUEUE_CAPACITY as u64),
            take: Default::default(),
            write_done: Default::default(),
            idle: Default::default(),
            pushed: Default::default(),
            start_read: Default::default(),
        }
    }
}

impl Default for JobQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobQueue")
    }
}

impl Logic for JobQueue {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wbuf, wphase, rphase, wptr, rptr, unread, n, staged, s0, s1, s2);
        clock!(self, clock, ram);
        self.take.next = self.staged.q.val() & self.allow.val() & self.job_ready.val();
        self.write_done.next = self.wphase.q.val() == self.k3_2.val();
        self.idle.next =
            (self.wphase.q.val() == self.k0_2.val()) & (self.rphase.q.val() == self.k0_3.val());
        self.pushed.next = self.push.val() & self.idle.val();
        self.start_read.next = self.idle.val()
            & !self.push.val()
            & !self.staged.q.val()
            & (self.unread.q.val() != self.k0_13.val());
        // The SPRAM: the write pointer while writing, else the read pointer.
        self.ram.write_enable.next = self.wphase.q.val() != self.k0_2.val();
        self.ram.write_data.next = self.wbuf.q.val().get_bits::<16>(0);
        self.ram.address.next = self.rptr.q.val();
        if self.wphase.q.val() != self.k0_2.val() {
            self.ram.address.next = self.wptr.q.val();
        }
        // Writing words 0..2 of the tail slot (the slot's fourth word is left unused).
        if self.wphase.q.val() != self.k0_2.val() {
            self.wbuf.d.next = self.wbuf.q.val() >> 16;
            self.wphase.d.next = self.wphase.q.val() + self.k1_2.val();
            self.wptr.d.next = self.wptr.q.val() + self.k1_14.val();
            if self.write_done.val() {
                self.wphase.d.next = self.k0_2.val();
                self.wptr.d.next = self.wptr.q.val() + self.k2_14.val();
            }
        } else if self.pushed.val() {
            self.wbuf.d.next = self.push_job.val();
            self.wphase.d.next = self.k1_2.val();
        }
        // Reading into the staging registers: phases 1..3 read words 0..2, phases 2..4 take
        // them.
        if self.rphase.q.val() != self.k0_3.val() {
            self.rphase.d.next = self.rphase.q.val() + self.k1_3.val();
            if self.rphase.q.val() != self.k4_3.val() {
                self.rptr.d.next = self.rptr.q.val() + self.k1_14.val();
            }
            if self.rphase.q.val() == self.k3_3.val() {
                self.rptr.d.next = self.rptr.q.val() + self.k2_14.val();
            }
            if self.rphase.q.val() == self.k2_3.val() {
                self.s0.d.next = self.ram.read_data.val();
            }
            if self.rphase.q.val() == self.k3_3.val() {
                self.s1.d.next = self.ram.read_data.val();
            }
            if self.rphase.q.val() == self.k4_3.val() {
                self.s2.d.next = self.ram.read_data.val();
                self.rphase.d.next = self.k0_3.val();
                self.staged.d.next = true;
            }
        } else if self.start_read.val() {
            self.rphase.d.next = self.k1_3.val();
        }
        // Jobs written and not yet staged (a read never starts while a job is written).
        if self.write_done.val() {
            self.unread.d.next = self.unread.q.val() + self.k1_13.val();
        }
        if self.start_read.val() {
            self.unread.d.next = self.unread.q.val() - self.k1_13.val();
        }
        if self.take.val() {
            self.staged.d.next = false;
        }
        // Jobs pushed and not taken.
        if self.pushed.val() & !self.take.val() {
            self.n.d.next = self.n.q.val() + self.k1_13.val();
        }
        if !self.pushed.val() & self.take.val() {
            self.n.d.next = self.n.q.val() - self.k1_13.val();
        }
        self.push_ready.next = self.idle.val();
        self.job_valid.next = self.staged.q.val() & self.allow.val();
        self.job_row.next = self.s0.q.val().get_bits::<8>(0);
        self.job_col.next = self.s0.q.val().get_bits::<8>(8);
        self.job_target.next = self.s1.q.val();
        self.job_tol.next = self.s2.q.val();
        self.count.next = self.n.q.val();
        self.free.next = self.cap.val() - self.n.q.val();
    }
}
