//! The command decoder's state machine.

use super::{b, Build, ItemCheck, TABLE_WORDS};
use crate::mem::Rom;
use ouro_core::protocol::{Opcode, Status, BAD_FRAME_OPCODE, MAX_RECORDS, VERSION_MAJOR};
use rust_hdl::prelude::*;

/// The decoder's states.
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum DecState {
    /// Waiting for a frame (or answering a bad one).
    Idle,
    /// Addressing the next payload byte.
    Fetch,
    /// Taking it.
    Take,
    /// Opcode, handshake and fixed lengths.
    Classify,
    /// The item's checks settle into their registers (first pass).
    CheckWait,
    /// Checking an item (first pass).
    ItemCheck,
    /// Applying an item (second pass).
    ItemApply,
    /// The end of a pass: the verdict, or the response of a list command.
    PassEnd,
    /// Executing a fixed command.
    Exec,
    /// Waiting for the cell select (raw commands).
    SelWait,
    /// Waiting for the read (READ_CELL).
    ReadWait,
    /// Waiting for the pulse (RAW_PULSE).
    PulseWait,
    /// Releasing the receive buffer; the response's length.
    Release,
    /// Choosing the next response byte.
    Next,
    /// Reading a record word.
    WordReq,
    /// Offering a response byte to the transmitter.
    Send,
}

/// The command decoder (`docs/HDL.md`, "Command decoder"). One request at a time: it reads the
/// payload from the receive buffer (`rx_*`, one byte per two cycles), checks every item with
/// [`ItemCheck`] in a first pass, and only when the whole request is good applies it in a second
/// pass (so nothing is half-applied); then it releases the buffer and streams the response to
/// the frame transmitter (`tx_*`). Bad frames reported by the receiver (`rx_bad`) are counted
/// (up to 15) and each answered `FF 00 01` between requests.
#[derive(LogicBlock)]
pub struct Decoder {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// A good frame's payload is in the receive buffer.
    pub rx_ready: Signal<In, bool>,
    /// Its length.
    pub rx_length: Signal<In, Bits<11>>,
    /// One cycle: a bad frame was discarded.
    pub rx_bad: Signal<In, bool>,
    /// Receive buffer read address.
    pub rx_addr: Signal<Out, Bits<10>>,
    /// The byte at the previous edge's address.
    pub rx_data: Signal<In, Bits<8>>,
    /// Release the receive buffer (one cycle).
    pub rx_release: Signal<Out, bool>,
    /// Response byte.
    pub tx_data: Signal<Out, Bits<8>>,
    /// Response byte offered.
    pub tx_valid: Signal<Out, bool>,
    /// It is the response's last.
    pub tx_last: Signal<Out, bool>,
    /// The transmitter takes it.
    pub tx_ready: Signal<In, bool>,
    /// Settings write.
    pub cfg_we: Signal<Out, bool>,
    /// Settings register.
    pub cfg_addr: Signal<Out, Bits<8>>,
    /// Settings value.
    pub cfg_data: Signal<Out, Bits<24>>,
    /// Engine load port: write.
    pub ld_we: Signal<Out, bool>,
    /// Engine load port: address.
    pub ld_addr: Signal<Out, Bits<20>>,
    /// Engine load port: data.
    pub ld_data: Signal<Out, Bits<32>>,
    /// Pulser run-time limit write.
    pub lim_we: Signal<Out, bool>,
    /// Which limit (0 minimum cycles, 1 maximum cycles).
    pub lim_sel: Signal<Out, Bits<2>>,
    /// The limit.
    pub lim_data: Signal<Out, Bits<24>>,
    /// Table memory write.
    pub tb_we: Signal<Out, bool>,
    /// Table memory address.
    pub tb_addr: Signal<Out, Bits<14>>,
    /// Table word.
    pub tb_data: Signal<Out, Bits<16>>,
    /// Push a job (held until `q_push_ready`).
    pub q_push: Signal<Out, bool>,
    /// The job (row, col, target, tolerance as the PROGRAM entry's bytes).
    pub q_job: Signal<Out, Bits<48>>,
    /// The queue takes a push.
    pub q_push_ready: Signal<In, bool>,
    /// Jobs queued.
    pub q_count: Signal<In, Bits<13>>,
    /// Jobs that can still be queued.
    pub q_free: Signal<In, Bits<13>>,
    /// Ask for the next record word (one cycle).
    pub r_req: Signal<Out, bool>,
    /// The word is on `r_data`.
    pub r_valid: Signal<In, bool>,
    /// Record word.
    pub r_data: Signal<In, Bits<16>>,
    /// Forget the oldest record (one cycle).
    pub r_pop: Signal<Out, bool>,
    /// Records held.
    pub r_count: Signal<In, Bits<11>>,
    /// The sequencer is programming a cell.
    pub seq_busy: Signal<In, bool>,
    /// The decoder drives the front end (raw commands).
    pub fe_own: Signal<Out, bool>,
    /// Select (one cycle).
    pub sel_start: Signal<Out, bool>,
    /// Row.
    pub sel_row: Signal<Out, Bits<8>>,
    /// Column.
    pub sel_col: Signal<Out, Bits<8>>,
    /// Selected.
    pub sel_done: Signal<In, bool>,
    /// Read (one cycle).
    pub rd_start: Signal<Out, bool>,
    /// log2 of the conversions.
    pub rd_reads_log2: Signal<Out, Bits<3>>,
    /// Read done.
    pub rd_done: Signal<In, bool>,
    /// Averaged code.
    pub rd_code: Signal<In, Bits<16>>,
    /// Pulse (one cycle).
    pub pu_start: Signal<Out, bool>,
    /// Polarity.
    pub pu_polarity: Signal<Out, bool>,
    /// DAC code.
    pub pu_dac: Signal<Out, Bits<16>>,
    /// Duration.
    pub pu_cycles: Signal<Out, Bits<24>>,
    /// Pulse done or refused.
    pub pu_done: Signal<In, bool>,
    /// The interlock's reason (0 applied).
    pub pu_error: Signal<In, Bits<2>>,
    /// A successful HELLO has been seen.
    pub handshake: Signal<Out, bool>,
    /// One cycle: a response with a status other than OK starts.
    pub error: Signal<Out, bool>,
    check: ItemCheck,
    // The checker's verdict on the item, registered (the range compares take a cycle).
    ok_r: DFF<bool>,
    field_r: DFF<Bits<8>>,
    rom: Rom<8, 6>,
    state: DFF<DecState>,
    hdr: DFF<bool>,
    held: DFF<bool>,
    badframe: DFF<bool>,
    apply: DFF<bool>,
    ptr: DFF<Bits<11>>,
    len: DFF<Bits<11>>,
    op: DFF<Bits<8>>,
    tag: DFF<Bits<8>>,
    size: DFF<Bits<4>>,
    k: DFF<Bits<4>>,
    items: DFF<Bits<13>>,
    bad_found: DFF<bool>,
    bad_idx: DFF<Bits<8>>,
    item: DFF<Bits<80>>,
    status: DFF<Bits<8>>,
    hs: DFF<bool>,
    tleft: DFF<Bits<16>>,
    tover: DFF<bool>,
    flen: DFF<Bits<11>>,
    olast: DFF<bool>,
    taddr: DFF<Bits<14>>,
    nbuf: DFF<Bits<4>>,
    hdr_i: DFF<Bits<2>>,
    rom_i: DFF<Bits<6>>,
    rom_n: DFF<Bits<6>>,
    rec_n: DFF<Bits<6>>,
    rec_b: DFF<Bits<5>>,
    word: DFF<Bits<16>>,
    obyte: DFF<Bits<8>>,
    badcnt: DFF<Bits<4>>,
    uptime: DFF<Bits<32>>,
    fe_own_r: DFF<bool>,
    sel_r: DFF<bool>,
    rd_r: DFF<bool>,
    pu_r: DFF<bool>,
    op_hello: Constant<Bits<8>>,
    op_identify: Constant<Bits<8>>,
    op_configure: Constant<Bits<8>>,
    op_load_weights: Constant<Bits<8>>,
    op_load_table: Constant<Bits<8>>,
    op_program: Constant<Bits<8>>,
    op_read: Constant<Bits<8>>,
    op_raw: Constant<Bits<8>>,
    op_fetch: Constant<Bits<8>>,
    op_status: Constant<Bits<8>>,
    st_ok: Constant<Bits<8>>,
    st_bad_frame: Constant<Bits<8>>,
    st_bad_length: Constant<Bits<8>>,
    st_unknown: Constant<Bits<8>>,
    st_version: Constant<Bits<8>>,
    st_no_hs: Constant<Bits<8>>,
    st_busy: Constant<Bits<8>>,
    st_refused: Constant<Bits<8>>,
    st_bad_arg: Constant<Bits<8>>,
    resp_bit: Constant<Bits<8>>,
    bad_op: Constant<Bits<8>>,
    major: Constant<Bits<8>>,
    version_word: Constant<Bits<80>>,
    reg_rtmin: Constant<Bits<8>>,
    reg_rtmax: Constant<Bits<8>>,
    table_words: Constant<Bits<16>>,
    identity_len: Constant<Bits<6>>,
    k0_2: Constant<Bits<2>>,
    k1_2: Constant<Bits<2>>,
    k2_2: Constant<Bits<2>>,
    k3_2: Constant<Bits<2>>,
    k0_4: Constant<Bits<4>>,
    k1_4: Constant<Bits<4>>,
    k2_4: Constant<Bits<4>>,
    k3_4: Constant<Bits<4>>,
    k5_4: Constant<Bits<4>>,
    k6_4: Constant<Bits<4>>,
    k8_4: Constant<Bits<4>>,
    k9_4: Constant<Bits<4>>,
    k10_4: Constant<Bits<4>>,
    k15_4: Constant<Bits<4>>,
    k0_5: Constant<Bits<5>>,
    k1_5: Constant<Bits<5>>,
    k19_5: Constant<Bits<5>>,
    k0_6: Constant<Bits<6>>,
    k1_6: Constant<Bits<6>>,
    k0_8: Constant<Bits<8>>,
    k1_8: Constant<Bits<8>>,
    k0_13: Constant<Bits<13>>,
    k1_13: Constant<Bits<13>>,
    k2_13: Constant<Bits<13>>,
    k0_16: Constant<Bits<16>>,
    k1_16: Constant<Bits<16>>,
    k4_11: Constant<Bits<11>>,
    k5_11: Constant<Bits<11>>,
    k11_11: Constant<Bits<11>>,
    k0_3b: Constant<Bits<3>>,
    k51_8: Constant<Bits<8>>,
    k255_8: Constant<Bits<8>>,
    k0_11: Constant<Bits<11>>,
    k1_11: Constant<Bits<11>>,
    k2_11: Constant<Bits<11>>,
    k3_11: Constant<Bits<11>>,
    k1_14: Constant<Bits<14>>,
    k1_32: Constant<Bits<32>>,
    known: Signal<Local, bool>,
    is_list: Signal<Local, bool>,
    st_byte: Signal<Local, Bits<8>>,
    bad_len: Signal<Local, bool>,
    busy: Signal<Local, bool>,
    needs_idle: Signal<Local, bool>,
    bad_inc: Signal<Local, bool>,
    bad_dec: Signal<Local, bool>,
    n_fetch: Signal<Local, Bits<8>>,
    r8: Signal<Local, Bits<8>>,
    applying: Signal<Local, bool>,
    pop_r: DFF<bool>,
    req_r: DFF<bool>,
    reg_id: Signal<Local, Bits<8>>,
    is_limit: Signal<Local, bool>,
}

impl Decoder {
    /// The decoder of `build`.
    pub fn new(build: &Build) -> Self {
        let o = |x: Opcode| b::<8>(u64::from(x.code()));
        let s = |x: Status| b::<8>(u64::from(x.code()));
        use ouro_core::protocol::Register as R;
        Self {
            clock: Default::default(),
            rx_ready: Default::default(),
            rx_length: Default::default(),
            rx_bad: Default::default(),
            rx_addr: Default::default(),
            rx_data: Default::default(),
            rx_release: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_last: Default::default(),
            tx_ready: Default::default(),
            cfg_we: Default::default(),
            cfg_addr: Default::default(),
            cfg_data: Default::default(),
            ld_we: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            lim_we: Default::default(),
            lim_sel: Default::default(),
            lim_data: Default::default(),
            tb_we: Default::default(),
            tb_addr: Default::default(),
            tb_data: Default::default(),
            q_push: Default::default(),
            q_job: Default::default(),
            q_push_ready: Default::default(),
            q_count: Default::default(),
            q_free: Default::default(),
            r_req: Default::default(),
            r_valid: Default::default(),
            r_data: Default::default(),
            r_pop: Default::default(),
            r_count: Default::default(),
            seq_busy: Default::default(),
            fe_own: Default::default(),
            sel_start: Default::default(),
            sel_row: Default::default(),
            sel_col: Default::default(),
            sel_done: Default::default(),
            rd_start: Default::default(),
            rd_reads_log2: Default::default(),
            rd_done: Default::default(),
            rd_code: Default::default(),
            pu_start: Default::default(),
            pu_polarity: Default::default(),
            pu_dac: Default::default(),
            pu_cycles: Default::default(),
            pu_done: Default::default(),
            pu_error: Default::default(),
            handshake: Default::default(),
            error: Default::default(),
            check: ItemCheck::new(build),
            ok_r: Default::default(),
            field_r: Default::default(),
            rom: Rom::new(
                build.identity.iter().map(|&x| u64::from(x)).collect(),
                false,
            ),
            state: Default::default(),
            hdr: Default::default(),
            held: Default::default(),
            badframe: Default::default(),
            apply: Default::default(),
            ptr: Default::default(),
            len: Default::default(),
            op: Default::default(),
            tag: Default::default(),
            size: Default::default(),
            k: Default::default(),
            items: Default::default(),
            bad_found: Default::default(),
            bad_idx: Default::default(),
            item: Default::default(),
            status: Default::default(),
            hs: Default::default(),
            tleft: Default::default(),
            tover: Default::default(),
            flen: Default::default(),
            olast: Default::default(),
            taddr: Default::default(),
            nbuf: Default::default(),
            hdr_i: Default::default(),
            rom_i: Default::default(),
            rom_n: Default::default(),
            rec_n: Default::default(),
            rec_b: Default::default(),
            word: Default::default(),
            obyte: Default::default(),
            badcnt: Default::default(),
            uptime: Default::default(),
            fe_own_r: Default::default(),
            sel_r: Default::default(),
            rd_r: Default::default(),
            pu_r: Default::default(),
            op_hello: o(Opcode::Hello),
            op_identify: o(Opcode::Identify),
            op_configure: o(Opcode::Configure),
            op_load_weights: o(Opcode::LoadWeights),
            op_load_table: o(Opcode::LoadTable),
            op_program: o(Opcode::Program),
            op_read: o(Opcode::ReadCell),
            op_raw: o(Opcode::RawPulse),
            op_fetch: o(Opcode::Fetch),
            op_status: o(Opcode::Status),
            st_ok: s(Status::Ok),
            st_bad_frame: s(Status::BadFrame),
            st_bad_length: s(Status::BadLength),
            st_unknown: s(Status::UnknownOpcode),
            st_version: s(Status::VersionMismatch),
            st_no_hs: s(Status::NoHandshake),
            st_busy: s(Status::Busy),
            st_refused: s(Status::RefusedSafety),
            st_bad_arg: s(Status::BadArgument),
            resp_bit: b(u64::from(ouro_core::protocol::RESPONSE_BIT)),
            bad_op: b(u64::from(BAD_FRAME_OPCODE)),
            major: b(u64::from(VERSION_MAJOR)),
            version_word: b(
                u64::from(VERSION_MAJOR) | (u64::from(ouro_core::protocol::VERSION_MINOR) << 8)
            ),
            reg_rtmin: b(u64::from(R::RtMinCycles.code())),
            reg_rtmax: b(u64::from(R::RtMaxCycles.code())),
            table_words: b(TABLE_WORDS as u64),
            identity_len: b(build.identity.len() as u64),
            k0_2: b(0),
            k1_2: b(1),
            k2_2: b(2),
            k3_2: b(3),
            k0_4: b(0),
            k1_4: b(1),
            k2_4: b(2),
            k3_4: b(3),
            k5_4: b(5),
            k6_4: b(6),
            k8_4: b(8),
            k9_4: b(9),
            k10_4: b(10),
            k15_4: b(15),
            k0_5: b(0),
            k1_5: b(1),
            k19_5: b(19),
            k0_6: b(0),
            k1_6: b(1),
            k0_8: b(0),
            k1_8: b(1),
            k0_13: b(0),
            k1_13: b(1),
            k2_13: b(2),
            k0_16: b(0),
            k1_16: b(1),
            k4_11: b(4),
            k5_11: b(5),
            k11_11: b(11),
            k0_3b: b(0),
            k51_8: b(MAX_RECORDS as u64),
            k255_8: b(255),
            k0_11: b(0),
            k1_11: b(1),
            k2_11: b(2),
            k3_11: b(3),
            k1_14: b(1),
            k1_32: b(1),
            known: Default::default(),
            is_list: Default::default(),
            st_byte: Default::default(),
            bad_len: Default::default(),
            busy: Default::default(),
            needs_idle: Default::default(),
            bad_inc: Default::default(),
            bad_dec: Default::default(),
            n_fetch: Default::default(),
            r8: Default::default(),
            applying: Default::default(),
            pop_r: Default::default(),
            req_r: Default::default(),
            reg_id: Default::default(),
            is_limit: Default::default(),
        }
    }
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Decoder")
    }
}

impl Logic for Decoder {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, ok_r, field_r, state, hdr, held, badframe, apply, ptr, len, op, tag, size,
            k, items, bad_found, bad_idx, item, status, hs, tleft, tover, flen, olast, taddr, nbuf,
            hdr_i, rom_i, rom_n, rec_n, rec_b, word, obyte, badcnt, uptime, fe_own_r, sel_r, rd_r,
            pu_r, pop_r, req_r
        );
        self.check.op.next = self.op.q.val().get_bits::<4>(0);
        self.check.item.next = self.item.q.val();
        self.ok_r.d.next = self.check.ok.val();
        self.field_r.d.next = self.check.field.val();
        self.rom.clock.next = self.clock.val();
        self.rom.address.next = self.rom_i.q.val();
        self.sel_r.d.next = false;
        self.rd_r.d.next = false;
        self.pu_r.d.next = false;
        self.pop_r.d.next = false;
        self.req_r.d.next = false;
        self.uptime.d.next = self.uptime.q.val() + self.k1_32.val();
        // Classification of the opcode.
        self.known.next =
            (self.op.q.val() != self.k0_8.val()) & (self.op.q.val() <= self.op_status.val());
        self.is_list.next = (self.op.q.val() == self.op_configure.val())
            | (self.op.q.val() == self.op_load_weights.val())
            | (self.op.q.val() == self.op_load_table.val())
            | (self.op.q.val() == self.op_program.val());
        self.needs_idle.next = (self.op.q.val() == self.op_configure.val())
            | (self.op.q.val() == self.op_load_weights.val())
            | (self.op.q.val() == self.op_load_table.val())
            | (self.op.q.val() == self.op_read.val())
            | (self.op.q.val() == self.op_raw.val());
        self.reg_id.next = self.item.q.val().get_bits::<8>(40);
        self.is_limit.next = (self.op.q.val() == self.op_configure.val())
            & ((self.reg_id.val() == self.reg_rtmin.val())
                | (self.reg_id.val() == self.reg_rtmax.val()));
        self.applying.next = self.state.q.val() == DecState::ItemApply;
        // Bad frames waiting for their answer.
        self.bad_inc.next = self.rx_bad.val() & (self.badcnt.q.val() != self.k15_4.val());
        self.bad_dec.next =
            (self.state.q.val() == DecState::Idle) & (self.badcnt.q.val() != self.k0_4.val());
        if self.bad_inc.val() & !self.bad_dec.val() {
            self.badcnt.d.next = self.badcnt.q.val() + self.k1_4.val();
        }
        if !self.bad_inc.val() & self.bad_dec.val() {
            self.badcnt.d.next = self.badcnt.q.val() - self.k1_4.val();
        }
        // FETCH: min(max, 51, records held).
        self.r8.next = self.r_count.val().get_bits::<8>(0);
        if self.r_count.val().get_bits::<3>(8) != self.k0_3b.val() {
            self.r8.next = self.k255_8.val();
        }
        self.n_fetch.next = self.item.q.val().get_bits::<8>(72);
        if self.n_fetch.val() > self.k51_8.val() {
            self.n_fetch.next = self.k51_8.val();
        }
        if self.n_fetch.val() > self.r8.val() {
            self.n_fetch.next = self.r8.val();
        }
        // The verdicts at the end of the check pass. A wrong length: lists need a whole,
        // non-empty number of items (LOAD_TABLE a start and a word), the fixed commands their
        // exact length. Busy: a command that needs the sequencer idle, or a PROGRAM that does not
        // fit the queue.
        self.bad_len.next = (self.is_list.val()
            & ((self.k.q.val() != self.k0_4.val())
                | (self.items.q.val() == self.k0_13.val())
                | ((self.op.q.val() == self.op_load_table.val())
                    & (self.items.q.val() < self.k2_13.val()))))
            | (!self.is_list.val() & (self.len.q.val() != self.flen.q.val()));
        self.busy.next = (self.needs_idle.val()
            & (self.seq_busy.val() | (self.q_count.val() != self.k0_13.val())))
            | ((self.op.q.val() == self.op_program.val())
                & (self.items.q.val() > self.q_free.val()));
        self.st_byte.next = self.k0_8.val();
        if self.seq_busy.val() | (self.q_count.val() != self.k0_13.val()) {
            self.st_byte.next = self.k1_8.val();
        }
        match self.state.q.val() {
            DecState::Idle => {
                self.nbuf.d.next = self.k0_4.val();
                self.rom_n.d.next = self.k0_6.val();
                self.rom_i.d.next = self.k0_6.val();
                self.rec_n.d.next = self.k0_6.val();
                self.rec_b.d.next = self.k0_5.val();
                self.status.d.next = self.st_bad_frame.val();
                self.badframe.d.next = true;
                self.held.d.next = false;
                if self.badcnt.q.val() != self.k0_4.val() {
                    self.state.d.next = DecState::Release;
                } else if self.rx_ready.val() {
                    self.held.d.next = true;
                    self.len.d.next = self.rx_length.val();
                    self.ptr.d.next = self.k0_11.val();
                    self.hdr.d.next = true;
                    self.apply.d.next = false;
                    self.state.d.next = DecState::Release;
                    if self.rx_length.val() >= self.k2_11.val() {
                        self.badframe.d.next = false;
                        self.state.d.next = DecState::Fetch;
                    }
                }
            }
            DecState::Fetch => {
                self.state.d.next = DecState::Take;
            }
            DecState::Take => {
                if self.hdr.q.val() {
                    if self.ptr.q.val() == self.k0_11.val() {
                        self.op.d.next = self.rx_data.val();
                        self.ptr.d.next = self.k1_11.val();
                        self.state.d.next = DecState::Fetch;
                    } else {
                        self.tag.d.next = self.rx_data.val();
                        self.hdr.d.next = false;
                        self.state.d.next = DecState::Classify;
                    }
                } else {
                    self.item.d.next =
                        (bit_cast::<80, 8>(self.rx_data.val()) << 72) | (self.item.q.val() >> 8);
                    self.ptr.d.next = self.ptr.q.val() + self.k1_11.val();
                    if (self.k.q.val() + self.k1_4.val()) == self.size.q.val() {
                        self.k.d.next = self.k0_4.val();
                        if self.apply.q.val() {
                            self.state.d.next = DecState::ItemApply;
                        } else {
                            self.state.d.next = DecState::CheckWait;
                        }
                    } else {
                        self.k.d.next = self.k.q.val() + self.k1_4.val();
                        if (self.ptr.q.val() + self.k1_11.val()) == self.len.q.val() {
                            self.state.d.next = DecState::PassEnd;
                        } else {
                            self.state.d.next = DecState::Fetch;
                        }
                    }
                }
            }
            DecState::Classify => {
                // Arguments per item (the whole argument list for the fixed commands).
                self.size.d.next = self.k0_4.val();
                if (self.op.q.val() == self.op_hello.val())
                    | (self.op.q.val() == self.op_load_table.val())
                {
                    self.size.d.next = self.k2_4.val();
                }
                if self.op.q.val() == self.op_configure.val() {
                    self.size.d.next = self.k5_4.val();
                }
                if self.op.q.val() == self.op_load_weights.val() {
                    self.size.d.next = self.k8_4.val();
                }
                if self.op.q.val() == self.op_program.val() {
                    self.size.d.next = self.k6_4.val();
                }
                if self.op.q.val() == self.op_read.val() {
                    self.size.d.next = self.k3_4.val();
                }
                if self.op.q.val() == self.op_raw.val() {
                    self.size.d.next = self.k9_4.val();
                }
                if self.op.q.val() == self.op_fetch.val() {
                    self.size.d.next = self.k1_4.val();
                }
                // The whole payload's length, for the fixed commands.
                self.flen.d.next = self.k2_11.val();
                if self.op.q.val() == self.op_hello.val() {
                    self.flen.d.next = self.k4_11.val();
                }
                if self.op.q.val() == self.op_read.val() {
                    self.flen.d.next = self.k5_11.val();
                }
                if self.op.q.val() == self.op_raw.val() {
                    self.flen.d.next = self.k11_11.val();
                }
                if self.op.q.val() == self.op_fetch.val() {
                    self.flen.d.next = self.k3_11.val();
                }
                self.ptr.d.next = self.k2_11.val();
                self.k.d.next = self.k0_4.val();
                self.items.d.next = self.k0_13.val();
                self.bad_found.d.next = false;
                self.tover.d.next = false;
                if !self.known.val() {
                    self.status.d.next = self.st_unknown.val();
                    self.state.d.next = DecState::Release;
                } else if !self.hs.q.val()
                    & (self.op.q.val() != self.op_hello.val())
                    & (self.op.q.val() != self.op_identify.val())
                {
                    self.status.d.next = self.st_no_hs.val();
                    self.state.d.next = DecState::Release;
                } else if self.len.q.val() == self.k2_11.val() {
                    self.state.d.next = DecState::PassEnd;
                } else {
                    self.state.d.next = DecState::Fetch;
                }
            }
            DecState::CheckWait => {
                self.state.d.next = DecState::ItemCheck;
            }
            DecState::ItemCheck => {
                if !self.ok_r.q.val() & !self.bad_found.q.val() {
                    self.bad_found.d.next = true;
                    self.bad_idx.d.next = self.field_r.q.val();
                    if self.is_list.val() {
                        self.bad_idx.d.next = self.items.q.val().get_bits::<8>(0);
                    }
                }
                // LOAD_TABLE: the words left below the end of the table memory.
                if self.op.q.val() == self.op_load_table.val() {
                    if self.items.q.val() == self.k0_13.val() {
                        self.tleft.d.next =
                            self.table_words.val() - self.item.q.val().get_bits::<16>(64);
                        if self.item.q.val().get_bits::<16>(64) > self.table_words.val() {
                            self.tover.d.next = true;
                        }
                    } else if self.tleft.q.val() == self.k0_16.val() {
                        self.tover.d.next = true;
                    } else {
                        self.tleft.d.next = self.tleft.q.val() - self.k1_16.val();
                    }
                }
                self.items.d.next = self.items.q.val() + self.k1_13.val();
                if self.ptr.q.val() == self.len.q.val() {
                    self.state.d.next = DecState::PassEnd;
                } else {
                    self.state.d.next = DecState::Fetch;
                }
            }
            DecState::ItemApply => {
                if self.op.q.val() == self.op_load_table.val() {
                    if self.items.q.val() == self.k0_13.val() {
                        self.taddr.d.next = self.item.q.val().get_bits::<14>(64);
                    } else {
                        self.taddr.d.next = self.taddr.q.val() + self.k1_14.val();
                    }
                }
                if (self.op.q.val() != self.op_program.val()) | self.q_push_ready.val() {
                    self.items.d.next = self.items.q.val() + self.k1_13.val();
                    if self.ptr.q.val() == self.len.q.val() {
                        self.state.d.next = DecState::PassEnd;
                    } else {
                        self.state.d.next = DecState::Fetch;
                    }
                }
            }
            DecState::PassEnd => {
                self.state.d.next = DecState::Release;
                if self.apply.q.val() {
                    self.status.d.next = self.st_ok.val();
                    if self.op.q.val() == self.op_program.val() {
                        self.item.d.next = bit_cast::<80, 13>(self.items.q.val());
                        self.nbuf.d.next = self.k2_4.val();
                    }
                } else if self.bad_len.val() {
                    self.status.d.next = self.st_bad_length.val();
                } else if self.bad_found.q.val() {
                    self.status.d.next = self.st_bad_arg.val();
                    self.item.d.next = bit_cast::<80, 8>(self.bad_idx.q.val());
                    self.nbuf.d.next = self.k1_4.val();
                } else if (self.op.q.val() == self.op_load_table.val()) & self.tover.q.val() {
                    self.status.d.next = self.st_bad_arg.val();
                    self.item.d.next = bit_cast::<80, 8>(self.k0_8.val());
                    self.nbuf.d.next = self.k1_4.val();
                } else if self.busy.val() {
                    self.status.d.next = self.st_busy.val();
                } else if self.is_list.val() {
                    self.apply.d.next = true;
                    self.ptr.d.next = self.k2_11.val();
                    self.k.d.next = self.k0_4.val();
                    self.items.d.next = self.k0_13.val();
                    self.state.d.next = DecState::Fetch;
                } else {
                    self.state.d.next = DecState::Exec;
                }
            }
            DecState::Exec => {
                self.status.d.next = self.st_ok.val();
                self.state.d.next = DecState::Release;
                if self.op.q.val() == self.op_hello.val() {
                    self.item.d.next = self.version_word.val();
                    self.nbuf.d.next = self.k2_4.val();
                    if self.item.q.val().get_bits::<8>(64) == self.major.val() {
                        self.hs.d.next = true;
                    } else {
                        self.status.d.next = self.st_version.val();
                    }
                }
                if self.op.q.val() == self.op_identify.val() {
                    self.rom_n.d.next = self.identity_len.val();
                }
                if self.op.q.val() == self.op_status.val() {
                    self.item.d.next = bit_cast::<80, 8>(self.st_byte.val())
                        | (bit_cast::<80, 13>(self.q_count.val()) << 8)
                        | (bit_cast::<80, 11>(self.r_count.val()) << 24)
                        | (bit_cast::<80, 32>(self.uptime.q.val()) << 48);
                    self.nbuf.d.next = self.k10_4.val();
                }
                if self.op.q.val() == self.op_fetch.val() {
                    self.item.d.next = bit_cast::<80, 8>(self.n_fetch.val());
                    self.nbuf.d.next = self.k1_4.val();
                    self.rec_n.d.next = self.n_fetch.val().get_bits::<6>(0);
                }
                if self.op.q.val() == self.op_read.val() {
                    self.fe_own_r.d.next = true;
                    self.sel_r.d.next = true;
                    self.state.d.next = DecState::SelWait;
                }
                if self.op.q.val() == self.op_raw.val() {
                    if self.item.q.val().get_bits::<8>(72) != self.k0_8.val() {
                        // 2^24 cycles or more: beyond any duration limit, never truncated.
                        self.status.d.next = self.st_refused.val();
                        self.item.d.next = bit_cast::<80, 8>(self.k1_8.val());
                        self.nbuf.d.next = self.k1_4.val();
                    } else {
                        self.fe_own_r.d.next = true;
                        self.sel_r.d.next = true;
                        self.state.d.next = DecState::SelWait;
                    }
                }
            }
            DecState::SelWait => {
                if self.sel_done.val() {
                    if self.op.q.val() == self.op_read.val() {
                        self.rd_r.d.next = true;
                        self.state.d.next = DecState::ReadWait;
                    } else {
                        self.pu_r.d.next = true;
                        self.state.d.next = DecState::PulseWait;
                    }
                }
            }
            DecState::ReadWait => {
                if self.rd_done.val() {
                    self.item.d.next = bit_cast::<80, 16>(self.rd_code.val());
                    self.nbuf.d.next = self.k2_4.val();
                    self.fe_own_r.d.next = false;
                    self.state.d.next = DecState::Release;
                }
            }
            DecState::PulseWait => {
                if self.pu_done.val() {
                    self.fe_own_r.d.next = false;
                    self.state.d.next = DecState::Release;
                    if self.pu_error.val() != self.k0_2.val() {
                        self.status.d.next = self.st_refused.val();
                        self.item.d.next = bit_cast::<80, 2>(self.pu_error.val());
                        self.nbuf.d.next = self.k1_4.val();
                    }
                }
            }
            DecState::Release => {
                self.hdr_i.d.next = self.k0_2.val();
                self.state.d.next = DecState::Next;
            }
            DecState::Next => {
                self.state.d.next = DecState::Send;
                if self.hdr_i.q.val() == self.k0_2.val() {
                    self.olast.d.next = false;
                    self.obyte.d.next = self.op.q.val() | self.resp_bit.val();
                    if self.badframe.q.val() {
                        self.obyte.d.next = self.bad_op.val();
                    }
                    self.hdr_i.d.next = self.k1_2.val();
                } else if self.hdr_i.q.val() == self.k1_2.val() {
                    self.obyte.d.next = self.tag.q.val();
                    if self.badframe.q.val() {
                        self.obyte.d.next = self.k0_8.val();
                    }
                    self.hdr_i.d.next = self.k2_2.val();
                } else if self.hdr_i.q.val() == self.k2_2.val() {
                    self.obyte.d.next = self.status.q.val();
                    self.hdr_i.d.next = self.k3_2.val();
                    self.olast.d.next = (self.nbuf.q.val() == self.k0_4.val())
                        & (self.rom_n.q.val() == self.k0_6.val())
                        & (self.rec_n.q.val() == self.k0_6.val());
                } else if self.nbuf.q.val() != self.k0_4.val() {
                    self.obyte.d.next = self.item.q.val().get_bits::<8>(0);
                    self.item.d.next = self.item.q.val() >> 8;
                    self.nbuf.d.next = self.nbuf.q.val() - self.k1_4.val();
                    self.olast.d.next = (self.nbuf.q.val() == self.k1_4.val())
                        & (self.rom_n.q.val() == self.k0_6.val())
                        & (self.rec_n.q.val() == self.k0_6.val());
                } else if self.rom_n.q.val() != self.k0_6.val() {
                    self.obyte.d.next = self.rom.data.val();
                    self.rom_i.d.next = self.rom_i.q.val() + self.k1_6.val();
                    self.rom_n.d.next = self.rom_n.q.val() - self.k1_6.val();
                    self.olast.d.next = (self.rom_n.q.val() == self.k1_6.val())
                        & (self.rec_n.q.val() == self.k0_6.val());
                } else if !self.rec_b.q.val().get_bit(0) {
                    self.req_r.d.next = true;
                    self.state.d.next = DecState::WordReq;
                } else {
                    self.obyte.d.next = self.word.q.val().get_bits::<8>(8);
                    self.rec_b.d.next = self.rec_b.q.val() + self.k1_5.val();
                    self.olast.d.next = (self.rec_b.q.val() == self.k19_5.val())
                        & (self.rec_n.q.val() == self.k1_6.val());
                    if self.rec_b.q.val() == self.k19_5.val() {
                        self.rec_b.d.next = self.k0_5.val();
                        self.rec_n.d.next = self.rec_n.q.val() - self.k1_6.val();
                        self.pop_r.d.next = true;
                    }
                }
            }
            DecState::WordReq => {
                if self.r_valid.val() {
                    self.word.d.next = self.r_data.val();
                    self.obyte.d.next = self.r_data.val().get_bits::<8>(0);
                    self.olast.d.next = false;
                    self.rec_b.d.next = self.rec_b.q.val() + self.k1_5.val();
                    self.state.d.next = DecState::Send;
                }
            }
            DecState::Send => {
                if self.tx_ready.val() {
                    self.state.d.next = DecState::Next;
                    if self.olast.q.val() {
                        self.state.d.next = DecState::Idle;
                    }
                }
            }
            _ => {
                self.state.d.next = DecState::Idle;
            }
        }
        // Outputs.
        self.rx_addr.next = self.ptr.q.val().get_bits::<10>(0);
        self.rx_release.next = (self.state.q.val() == DecState::Release) & self.held.q.val();
        self.tx_data.next = self.obyte.q.val();
        self.tx_valid.next = self.state.q.val() == DecState::Send;
        self.tx_last.next = self.olast.q.val();
        self.cfg_we.next = self.applying.val() & (self.op.q.val() == self.op_configure.val());
        self.cfg_addr.next = self.reg_id.val();
        self.cfg_data.next = self.item.q.val().get_bits::<24>(48);
        self.ld_we.next = self.applying.val() & (self.op.q.val() == self.op_load_weights.val());
        self.ld_addr.next = self.item.q.val().get_bits::<20>(16);
        self.ld_data.next = self.item.q.val().get_bits::<32>(48);
        self.lim_we.next = self.applying.val() & self.is_limit.val();
        self.lim_sel.next = self.k0_2.val();
        if self.reg_id.val() == self.reg_rtmax.val() {
            self.lim_sel.next = self.k1_2.val();
        }
        self.lim_data.next = self.item.q.val().get_bits::<24>(48);
        self.tb_we.next = self.applying.val()
            & (self.op.q.val() == self.op_load_table.val())
            & (self.items.q.val() != self.k0_13.val());
        self.tb_addr.next = self.taddr.q.val();
        self.tb_data.next = self.item.q.val().get_bits::<16>(64);
        self.q_push.next = self.applying.val() & (self.op.q.val() == self.op_program.val());
        self.q_job.next = self.item.q.val().get_bits::<48>(32);
        self.r_req.next = self.req_r.q.val();
        self.r_pop.next = self.pop_r.q.val();
        self.fe_own.next = self.fe_own_r.q.val();
        self.sel_start.next = self.sel_r.q.val();
        self.sel_row.next = self.item.q.val().get_bits::<8>(8);
        self.sel_col.next = self.item.q.val().get_bits::<8>(16);
        if self.op.q.val() == self.op_read.val() {
            self.sel_row.next = self.item.q.val().get_bits::<8>(56);
            self.sel_col.next = self.item.q.val().get_bits::<8>(64);
        }
        self.rd_start.next = self.rd_r.q.val();
        self.rd_reads_log2.next = self.item.q.val().get_bits::<3>(72);
        self.pu_start.next = self.pu_r.q.val();
        self.pu_polarity.next = self.item.q.val().get_bit(24);
        self.pu_dac.next = self.item.q.val().get_bits::<16>(32);
        self.pu_cycles.next = self.item.q.val().get_bits::<24>(48);
        self.handshake.next = self.hs.q.val();
        self.error.next =
            (self.state.q.val() == DecState::Release) & (self.status.q.val() != self.st_ok.val());
    }
}
