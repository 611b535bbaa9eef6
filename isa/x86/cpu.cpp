#include "isa/x86/cpu.h"

#include <fmt/format.h>

#include <algorithm>

#include "isa/x86/decoder.h"
#include "isa/x86/fpu/x87.h"
#include "isa/x86/instruction_table.h"
#include "isa/x86/monitor.h"

namespace trapeze::x86 {

X86Cpu::X86Cpu(cpu::PhysicalMemory& mem, cpu::PortBus& ports, const CpuModel& model)
    : mem_(mem), ports_(ports), model_(model), cache_(mem),
      decoder_(std::make_unique<Decoder>(model)), fpu_(std::make_unique<X87>()) {
    mem_.set_code_write_observer([this](uint64_t page) {
        cache_.invalidate_page(page);
        end_block = true;  // the running block may have just rewritten itself
    });
    mem_.set_code_mark_observer([this](uint64_t page) { drop_write_entries(page); });
    reset();
}

X86Cpu::~X86Cpu() = default;

void X86Cpu::reset() {
    // Power-on state, SDM Vol. 3 §9.1.1 Table 9-1.
    s = X86State{};
    tsc_icount_ = icount_;
    s.gpr[EDX] = model_.reset_edx;
    s.eip = 0xFFF0;
    for (auto& sg : s.seg) {
        sg.selector = 0;
        sg.base = 0;
        sg.limit = 0xFFFF;
        sg.attr = 0x93;  // present, read/write data, accessed
        sg.valid = true;
    }
    s.seg[CS].selector = 0xF000;
    s.seg[CS].base = 0xFFFF0000u;
    s.seg[CS].attr = 0x9B;
    s.ldtr.attr = 0x82;
    s.tr.attr = 0x8B;
    s.cpl = 0;
    for (unsigned i = 0; i < 6; ++i) refresh_segcheck(i);
    halted_ = false;
    events_.nmi = false;
    events_changed();
    inhibit_until_ = 0;
    monitor_real_ = false;  // real mode: the monitor lets the guest run natively until PE
    fpu_->reset();
    flush_tlb();
    cache_.flush();
}

void X86Cpu::request_stop(cpu::StopReason why, std::string message) {
    stop_ = why;
    stop_message_ = std::move(message);
    end_block = true;
}

void X86Cpu::set_a20(bool enabled) {
    uint32_t m = enabled ? 0xFFFFFFFFu : ~(1u << 20);
    if (m != a20_mask_) {
        a20_mask_ = m;
        flush_tlb();
    }
}

// ---- segments --------------------------------------------------------------------------------

void X86Cpu::refresh_segcheck(unsigned i) {
    const Segment& sg = s.seg[i];
    bool readable, writable;
    uint32_t lo, hi;
    if (!protected_mode() || v86()) {
        readable = writable = true;
        lo = 0;
        hi = sg.limit;
    } else if (!sg.valid) {
        readable = writable = false;
        lo = 1;
        hi = 0;
    } else {
        if (sg.is_code()) {
            readable = sg.attr & 2;
            writable = false;
        } else {
            readable = true;
            writable = sg.attr & 2;
        }
        if (sg.expand_down()) {
            lo = sg.limit + 1;
            hi = sg.db() ? 0xFFFFFFFFu : 0xFFFFu;
            if (sg.limit == 0xFFFFFFFFu) lo = 0xFFFFFFFFu, hi = 0;  // empty
        } else {
            lo = 0;
            hi = sg.limit;
        }
    }
    const uint64_t end = lo <= hi ? uint64_t{hi} - lo + 1 : 0;
    seg_lo_[i] = lo;
    seg_end_[0][i] = readable ? end : 0;
    seg_end_[1][i] = writable ? end : 0;
    constexpr uint64_t k4G = uint64_t{1} << 32;
    seg_unlimited_[0][i] = lo == 0 && seg_end_[0][i] == k4G;
    seg_unlimited_[1][i] = lo == 0 && seg_end_[1][i] == k4G;
    const bool flat = sg.base == 0 && seg_unlimited_[0][i] && seg_unlimited_[1][i];
    flat_segs_ = uint8_t((flat_segs_ & ~(1u << i)) | (unsigned(flat) << i));
}

void X86Cpu::segment_fault(unsigned seg, uint32_t, unsigned, bool) const {
    // SDM Vol. 3 §5.3: limit and type violations are #GP(0), #SS(0) for the stack segment.
    if (seg == SS) raise_fault(kSS, 0);
    raise_fault(kGP, 0);
}

uint32_t X86Cpu::read_slow(unsigned seg, uint32_t off, unsigned size) {
    check_segment(seg, off, size, false);
    return read_linear_slow(s.seg[seg].base + off, size, user_access());
}

void X86Cpu::write_slow(unsigned seg, uint32_t off, uint32_t v, unsigned size) {
    check_segment(seg, off, size, true);
    write_linear_slow(s.seg[seg].base + off, v, size, user_access());
}

bool X86Cpu::tlb_refill(unsigned seg, uint32_t off, unsigned size, bool write) noexcept {
    if (!segment_allows(seg, off, size, write)) return false;
    const uint32_t lin = s.seg[seg].base + off;
    if ((lin & 0xFFF) + size > 0x1000) return false;  // two pages (or a wrap at 4 GB)
    const bool user = user_access();
    const uint32_t cr2 = s.cr2;
    try {
        translate(lin, write, user);  // fills the entry (tlb_fill) as far as this page allows
    } catch (...) {
        // A page fault (or anything a page-table read may throw): the trace leaves, and the
        // interpreter's own access raises it again, precisely.
        s.cr2 = cr2;
        return false;
    }
    return write ? tlb_tag_matches<1, true>(lin, user) : tlb_tag_matches<1, false>(lin, user);
}

void X86Cpu::make_flags_eager() noexcept { set_eager(s.arith, compute_arith_flags(s.arith)); }

void X86Cpu::leave_to_interpreter(uint32_t eip, uint64_t icount) {
    s.eip = eip;
    icount_ = icount;
    throw LeaveToInterpreter{};
}

void X86Cpu::leave_to_interpreter(uint32_t eip, uint64_t icount, LazyOp op, uint8_t size, uint32_t res,
                                  uint32_t a, uint32_t b, uint32_t cin, uint32_t eager) {
    s.arith = {op, size, res, a, b, cin, eager};
    leave_to_interpreter(eip, icount);
}

void X86Cpu::probe_read(unsigned seg, uint32_t off, unsigned size) {
    check_segment(seg, off, size, false);
    uint32_t lin = s.seg[seg].base + off;
    translate(lin, false, user_access());
    if ((lin & 0xFFF) + size > 0x1000) translate(lin + size - 1, false, user_access());
}

void X86Cpu::probe_write(unsigned seg, uint32_t off, unsigned size) {
    check_segment(seg, off, size, true);
    uint32_t lin = s.seg[seg].base + off;
    translate(lin, true, user_access());
    if ((lin & 0xFFF) + size > 0x1000) translate(lin + size - 1, true, user_access());
}

// ---- flags -----------------------------------------------------------------------------------

void X86Cpu::set_eflags(uint32_t value, uint32_t mask) {
    uint32_t cur = eflags();
    uint32_t nv = (cur & ~mask) | (value & mask);
    // Bits that do not exist on the model stay clear (AC is 486+, ID only with CPUID).
    if (!(model_.features & kFeat486)) nv &= ~AC;
    if (!(model_.features & kFeatCpuid)) nv &= ~ID;
    nv = (nv & 0x003F7FD5u) | 2;
    set_eager(s.arith, nv);
    bool vm_changed = (s.eflags ^ nv) & VM;
    s.eflags = nv & ~ARITH_FLAGS;
    if (vm_changed)
        for (unsigned i = 0; i < 6; ++i) refresh_segcheck(i);
}

// ---- paging ----------------------------------------------------------------------------------

uint32_t X86Cpu::translate(uint32_t lin, bool write, bool user) {
    if (!(s.cr0 & CR0_PG)) {
        uint32_t phys = lin & a20_mask_;
        tlb_fill(lin, phys, user, true);
        return phys;
    }
    ++tlb_stats_.page_walks;
    // 32-bit paging, SDM Vol. 3 §4.3. A/D bits are set only when the access succeeds (as
    // Bochs and the P6 do: the walk's permission checks precede the A/D updates).
    auto page_fault = [&](uint32_t code) {
        s.cr2 = lin;
        raise_fault(kPF, code | (write ? 2u : 0u) | (user ? 4u : 0u));
    };
    uint32_t pde_addr = ((s.cr3 & 0xFFFFF000u) | ((lin >> 20) & 0xFFC)) & a20_mask_;
    uint32_t pde = mem_.read(pde_addr, 4);
    if (!(pde & 1)) page_fault(0);
    bool wp = s.cr0 & CR0_WP;
    if ((pde & 0x80) && (s.cr4 & CR4_PSE)) {
        if (pde & 0x003FE000u) page_fault(1 | 8);  // reserved bits 21:13 (no PSE-36)
        bool uok = pde & 4, wok = pde & 2;
        if (user && !uok) page_fault(1);
        if (write && !wok && (user || wp)) page_fault(1);
        uint32_t npde = pde | 0x20 | (write ? 0x40 : 0);
        if (npde != pde) mem_.write(pde_addr, 4, npde);
        uint32_t phys = ((pde & 0xFFC00000u) | (lin & 0x003FFFFFu)) & a20_mask_;
        bool writable_entry = (npde & 0x40) && (user ? wok : (wok || !wp));
        tlb_fill(lin, phys, user, writable_entry, (pde & 0x100) && (s.cr4 & CR4_PGE));
        return phys;
    }
    uint32_t pte_addr = ((pde & 0xFFFFF000u) | ((lin >> 10) & 0xFFC)) & a20_mask_;
    uint32_t pte = mem_.read(pte_addr, 4);
    if (!(pte & 1)) page_fault(0);
    bool uok = (pde & 4) && (pte & 4);
    bool wok = (pde & 2) && (pte & 2);
    if (user && !uok) page_fault(1);
    if (write && !wok && (user || wp)) page_fault(1);
    if (!(pde & 0x20)) mem_.write(pde_addr, 4, pde | 0x20);
    uint32_t npte = pte | 0x20 | (write ? 0x40 : 0);
    if (npte != pte) mem_.write(pte_addr, 4, npte);
    uint32_t phys = ((pte & 0xFFFFF000u) | (lin & 0xFFF)) & a20_mask_;
    bool writable_entry = (npte & 0x40) && (user ? wok : (wok || !wp));
    // G is the PTE's (SDM Vol. 3 §4.10.2.4: ignored in a PDE that references a page table).
    tlb_fill(lin, phys, user, writable_entry, (pte & 0x100) && (s.cr4 & CR4_PGE));
    return phys;
}

void X86Cpu::tlb_fill(uint32_t lin, uint32_t phys, bool user, bool writable_entry, bool global) {
    if (data_breakpoints_ || write_log_) return;  // every access must reach the slow path
    const unsigned i = (lin >> 12) & (kTlbSize - 1);
    TlbEntry& e = tlb_[user][i];
    uint32_t page = lin & ~0xFFFu, ppage = phys & ~0xFFFu;
    const auto& p = mem_.page(ppage);
    if (tlb_phys_[user][i].tag == 1 && tlb_filled_count_ != kTlbFilledOverflow) {
        if (tlb_filled_count_ == kTlbFilledCapacity) tlb_filled_count_ = kTlbFilledOverflow;
        else tlb_filled_[tlb_filled_count_++] = uint16_t((unsigned(user) << 15) | i);
    }
    tlb_phys_[user][i] = {page, ppage, global};
    e.tag_write = (writable_entry && (p.flags & cpu::PhysicalMemory::kWritable) &&
                   !(p.flags & cpu::PhysicalMemory::kCode))
                      ? page
                      : 1;
    e.addend = (p.flags & cpu::PhysicalMemory::kReadable)
                   ? reinterpret_cast<uintptr_t>(p.host) - page
                   : 0;
    e.tag_read = e.addend ? page : 1;
    if (!e.addend) e.tag_write = 1;
}

void X86Cpu::drop_write_entries(uint64_t phys_page) {
    auto drop = [&](unsigned u, unsigned i) {
        if (tlb_phys_[u][i].tag != 1 && tlb_phys_[u][i].phys == phys_page) tlb_[u][i].tag_write = 1;
    };
    if (tlb_filled_count_ != kTlbFilledOverflow) {
        for (unsigned k = 0; k < tlb_filled_count_; ++k) drop(tlb_filled_[k] >> 15, tlb_filled_[k] & 0x7FFF);
        return;
    }
    for (unsigned u = 0; u < 2; ++u)
        for (unsigned i = 0; i < kTlbSize; ++i) drop(u, i);
}

void X86Cpu::flush_tlb(bool keep_global) {
    bump_epoch();
    ++tlb_stats_.flushes;
    if (keep_global) ++tlb_stats_.flushes_keeping_global;
    // Clears a slot unless it holds a global translation to keep; those stay listed.
    unsigned kept = 0;
    auto clear = [&](unsigned u, unsigned i) {
        if (keep_global && tlb_phys_[u][i].global) {
            tlb_filled_[kept++] = uint16_t((u << 15) | i);
            return;
        }
        tlb_[u][i] = TlbEntry{};
        tlb_phys_[u][i] = TlbPhys{};
    };
    if (tlb_filled_count_ != kTlbFilledOverflow) {
        for (unsigned k = 0, n = tlb_filled_count_; k < n; ++k) clear(tlb_filled_[k] >> 15, tlb_filled_[k] & 0x7FFF);
    } else {
        for (unsigned u = 0; u < 2; ++u)
            for (unsigned i = 0; i < kTlbSize; ++i) clear(u, i);
    }
    tlb_filled_count_ = kept;
}

void X86Cpu::invalidate_page(uint32_t lin) {
    ++tlb_stats_.invlpgs;
    if (code_fetched_from(lin)) {
        bump_epoch();
        ++tlb_stats_.invlpgs_unlinking;
    }
    const unsigned i = (lin >> 12) & (kTlbSize - 1);
    for (unsigned u = 0; u < 2; ++u)
        if (tlb_phys_[u][i].tag == (lin & ~0xFFFu)) tlb_[u][i] = TlbEntry{}, tlb_phys_[u][i] = TlbPhys{};
}

uint32_t X86Cpu::translate_fetch(uint32_t lin) { return translate(lin, false, s.cpl == 3); }

// ---- debug registers (SDM Vol. 3 §17.2-17.3) --------------------------------------------------

void X86Cpu::update_debug_registers() {
    const uint32_t dr7 = s.dr[7];
    code_breakpoints_ = data_breakpoints_ = false;
    for (unsigned i = 0; i < 4; ++i) {
        if (!((dr7 >> (2 * i)) & 3)) continue;
        unsigned rw = (dr7 >> (16 + 4 * i)) & 3;
        if (rw == 0) code_breakpoints_ = true;
        else if (rw != 2) data_breakpoints_ = true;  // RW=10b (I/O) needs CR4.DE: not modelled
    }
    update_observed();
    flush_tlb();
    end_block = true;
}

void X86Cpu::check_data_breakpoints(uint32_t lin, unsigned size, bool write) {
    const uint32_t dr7 = s.dr[7];
    for (unsigned i = 0; i < 4; ++i) {
        if (!((dr7 >> (2 * i)) & 3)) continue;
        unsigned rw = (dr7 >> (16 + 4 * i)) & 3;
        if (rw == 0 || rw == 2 || (rw == 1 && !write)) continue;
        static constexpr uint32_t kLen[4] = {1, 2, 8, 4};  // LEN 10b is 8 bytes on later CPUs
        uint32_t len = kLen[(dr7 >> (18 + 4 * i)) & 3];
        uint32_t base = s.dr[i] & ~(len - 1);
        if (lin <= base + len - 1 && base <= lin + size - 1) pending_db_ |= 1u << i;
    }
}

// An instruction breakpoint is a fault taken before the instruction, unless EFLAGS.RF.
void X86Cpu::check_code_breakpoints() {
    if (s.eflags & RF) return;
    const uint32_t lin = s.seg[CS].base + s.eip, dr7 = s.dr[7];
    uint32_t hit = 0;
    for (unsigned i = 0; i < 4; ++i)
        if (((dr7 >> (2 * i)) & 3) && ((dr7 >> (16 + 4 * i)) & 3) == 0 && s.dr[i] == lin) hit |= 1u << i;
    if (hit) {
        s.dr[6] = (s.dr[6] & ~0xFu) | hit;
        raise_fault(kDB);
    }
}

uint32_t X86Cpu::read_linear_slow(uint32_t lin, unsigned size, bool user) {
    if (data_breakpoints_) check_data_breakpoints(lin, size, false);
    if ((lin & 0xFFF) + size <= 0x1000) {
        uint32_t phys = translate(lin, false, user);
        return mem_.read(phys, size);
    }
    // Page-crossing access: translate both pages before reading either.
    unsigned first = 0x1000 - (lin & 0xFFF);
    uint32_t p0 = translate(lin, false, user);
    uint32_t p1 = translate(lin + first, false, user);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
        uint32_t b = mem_.read(i < first ? p0 + i : p1 + (i - first), 1);
        v |= b << (8 * i);
    }
    return v;
}

void X86Cpu::write_linear_slow(uint32_t lin, uint32_t v, unsigned size, bool user) {
    if (data_breakpoints_) check_data_breakpoints(lin, size, true);
    if ((lin & 0xFFF) + size <= 0x1000) {
        uint32_t phys = translate(lin, true, user);
        mem_.write(phys, size, v);
    } else {
        unsigned first = 0x1000 - (lin & 0xFFF);
        uint32_t p0 = translate(lin, true, user);
        uint32_t p1 = translate(lin + first, true, user);
        for (unsigned i = 0; i < size; ++i)
            mem_.write(i < first ? p0 + i : p1 + (i - first), 1, (v >> (8 * i)) & 0xFF);
    }
    // Logged once done: a write that faults did not happen (and a trapped one is retried).
    if (write_log_) write_log_->push_back({GuestWrite::kMemory, uint8_t(size), lin, v});
}

// ---- the run loop ----------------------------------------------------------------------------

Block* X86Cpu::build_block(uint32_t lin, uint64_t phys) {
    auto b = std::make_unique<Block>();
    b->phys_start = phys;
    b->mode = mode_bits();
    bool code32 = b->mode & 1;
    uint32_t page_left = 0x1000 - (lin & 0xFFF);
    uint32_t off = 0;
    while (b->insns.size() < kMaxBlockInsns) {
        uint8_t buf[16];
        uint32_t avail = std::min<uint32_t>(15, page_left - off);
        if (!mem_.read_block(phys + off, {buf, avail})) {
            for (uint32_t i = 0; i < avail; ++i) buf[i] = uint8_t(mem_.read(phys + off + i, 1));
        }
        DecodedInsn in;
        DecodeStatus st = decoder_->decode(buf, avail, code32, in);
        if (st == DecodeStatus::kNeedMoreBytes) {
            if (!b->insns.empty()) break;  // straddler starts its own block next time
            // The first instruction straddles the page: fetch the rest from the next page
            // (which may fault: precisely, since this instruction is about to execute).
            uint32_t p1 = translate_fetch(lin + page_left);
            for (uint32_t i = avail; i < 15; ++i) buf[i] = uint8_t(mem_.read(p1 + (i - avail), 1));
            st = decoder_->decode(buf, 15, code32, in);
            b->insns.push_back(in);
            b->bytes = in.len;
            b->phys_last = phys + avail - 1;  // the block is not cached (see fetch_block)
            b->valid = false;  // never cached, never linked: rebuilt at each execution
            if (rewriter_) rewriter_->rewrite(*b);
            straddler_ = std::move(b);
            return straddler_.get();
        }
        b->insns.push_back(in);
        off += in.len;
        cache_.stats.insns_decoded++;
        if (st == DecodeStatus::kInvalid) break;
        if (in.form < forms().size() && (forms()[in.form].attrs & (END | SER))) break;
        if (in.fn == handler_unimplemented) break;
        if (off >= page_left) break;
    }
    b->bytes = off;
    b->phys_last = phys + off - 1;
    if (rewriter_) rewriter_->rewrite(*b);
    return cache_.insert(std::move(b));
}

// The run loop's way from one block to the next: inline, since it runs once per block; the
// lookup and the new link are out of line (chain_miss).
inline Block* X86Cpu::chained_block(Block* prev) {
    const uint32_t eip = s.eip;
    const Block::Link* l = prev->links;
    if (l[0].eip != eip) {
        ++l;
        if (l->eip != eip) return chain_miss(prev);
    }
    if (l->epoch == epoch() && l->cs_base == s.seg[CS].base &&
        l->context == ((uint32_t(s.cpl) << 8) | mode_bits()))
        return l->block;
    // The other link may hold the same EIP under another context.
    return chain_miss(prev);
}

Block* X86Cpu::chain_miss(Block* prev) {
    ++tlb_stats_.chain_misses;
    const uint64_t ep = epoch();
    const uint32_t base = s.seg[CS].base;
    const uint32_t ctx = link_context();
    const uint32_t lin = base + s.eip;
    // chained_block looks only at the first link holding this EIP: one left from an older
    // epoch that no longer holds (or of another context) would send it here every time, so
    // it goes. One of an older epoch that still leads to the block fetch_block would find is
    // brought into this one: most epochs end with a CR3 load (a context switch), which
    // changes the mappings of few of the pages code runs from, and looking every link up
    // again after each one was most of the block lookups of the Linux guest's run.
    const Block::Link* hit = nullptr;
    for (Block::Link& l : prev->links) {
        if (l.eip != s.eip) continue;
        if (l.cs_base == base && l.context == ctx) {
            if (l.epoch == ep) {
                hit = &l;
                continue;
            }
            if (link_still_leads_there(l, lin)) {
                ++tlb_stats_.links_kept;
                note_code_fetch(lin);  // as fetch_block would: INVLPG of the page must unlink it
                l.epoch = ep;
                hit = &l;
                continue;
            }
        }
        l = Block::Link{};
    }
    if (hit) return hit->block;
    Block* b = fetch_block();
    if (b->valid) {
        Block::Link& l = prev->links[prev->next_link];
        prev->next_link ^= 1;
        l = {s.eip, base, ctx, epoch(), cache_.code_generation(), b, b->insns.data()};
    }
    return b;
}

// Whether fetch_block, asked now for linear address lin (with the link's CS base and
// context, which the caller checked), would answer the link's block: no block has been
// dropped since the link was made (so its block is alive and still the cached block for its
// physical address and mode), and the soft TLB maps lin's page to that block's page now.
// A TLB miss says no (fetch_block then walks the page tables).
bool X86Cpu::link_still_leads_there(const Block::Link& l, uint32_t lin) const {
    uint32_t phys;
    return l.code_generation == cache_.code_generation() && fetch_tlb_hit(lin, phys) &&
           phys == l.block->phys_start;
}

Block* X86Cpu::fetch_block() {
    ++tlb_stats_.block_lookups;
    uint32_t lin = s.seg[CS].base + s.eip;
    note_code_fetch(lin);
    uint32_t phys;
    if (!fetch_tlb_hit(lin, phys)) phys = translate_fetch(lin);
    Block* b = cache_.find(phys, mode_bits());
    if (!b) b = build_block(lin, phys);
    return b;
}

// Inline into run(): it runs once per block. Each instruction: next_eip, the handler, commit
// EIP and the instruction count, stop at end_block. After a handler returns, s.eip is
// next_eip whatever the handler did, so the loop keeps EIP in a register between the two.
inline void X86Cpu::execute_block(Block& b) {
    b.exec_count++;
    const DecodedInsn* in = b.insns.data();
    const DecodedInsn* const end = in + b.insns.size();
    // CS limit: checked once per block when the whole block is inside the limit, else per
    // instruction (SDM Vol. 3 §5.3: an instruction fetch beyond the limit is #GP(0)).
    const uint32_t limit = s.seg[CS].limit;
    uint32_t eip = s.eip;
    if (uint64_t{eip} + b.bytes - 1 > limit) [[unlikely]] {
        for (; in != end; ++in) {
            if (uint64_t{eip} + in->len - 1 > limit) raise_fault(kGP, 0);
            next_eip = eip + in->len;
            in->fn(*this, *in);
            s.eip = eip = next_eip;
            ++icount_;
            if (end_block) break;
        }
        return;
    }
    for (; in != end; ++in) {
        next_eip = eip + in->len;
        in->fn(*this, *in);
        s.eip = eip = next_eip;
        ++icount_;
        if (end_block) break;
    }
}

void X86Cpu::execute_block_hooked(Block& b, size_t max_insns) {
    const uint32_t limit = s.seg[CS].limit;
    size_t n = 0;
    for (const DecodedInsn& in : b.insns) {
        if (n++ == max_insns) break;
        if (uint64_t{s.eip} + in.len - 1 > limit) raise_fault(kGP, 0);
        if (trace_ & kTraceExec && trace_out_) {
            uint8_t buf[16];
            uint32_t lin = s.seg[CS].base + s.eip;
            for (unsigned i = 0; i < in.len; ++i) buf[i] = uint8_t(read_linear_slow(lin + i, 1, false));
            fmt::print(trace_out_, "{:04x}:{:08x}  {}\n", s.seg[CS].selector, s.eip,
                       Decoder::disassemble(buf, in.len, b.mode & 1, s.eip));
            if (trace_ & kTraceCpu) fmt::print(trace_out_, "{}", describe_state());
        }
        if (code_breakpoints_) check_code_breakpoints();
        if (hooks_) {
            uint32_t lin = s.seg[CS].base + s.eip;
            hooks_->on_insn({lin, 0, in.form, s.cpl, in.len});
        }
        if (execute_with_debug_checks(in)) break;
        if (end_block) break;
    }
}

bool X86Cpu::execute_with_debug_checks(const DecodedInsn& in) {
    const bool rf_before = s.eflags & RF;
    pending_db_ = 0;
    next_eip = s.eip + in.len;
    in.fn(*this, in);
    s.eip = next_eip;
    ++icount_;
    // RF suppresses instruction breakpoints for one instruction; an instruction that
    // itself loaded RF (IRET) keeps it (SDM Vol. 3 §17.3.1.1).
    if (rf_before) s.eflags &= ~RF;
    if (!pending_db_) return false;
    s.dr[6] = (s.dr[6] & ~0xFu) | pending_db_;
    pending_db_ = 0;
    deliver(kDB, false, false, 0, false);  // data breakpoint: a trap after the access
    return true;
}

void X86Cpu::feed_engine(Block& b) {
    if (engine_->ready.load(std::memory_order_acquire)) engine_->install_ready();
    const uint64_t n = uint64_t{b.exec_count} + 1;
    if (n == engine_->threshold && b.valid && !b.native_owner) engine_->block_hot(b);
    else if (n == engine_->probe && b.valid && !b.native_owner) [[unlikely]] engine_->block_seen(b);
}

void X86Cpu::set_trace_engine(TraceEngine* engine) {
    engine_ = engine;
    cache_.flush();  // drops every block and with it any compiled code
    cache_.collect_garbage();
}

// Between blocks: an NMI, else an external interrupt if IF (the interrupt shadow of STI and
// MOV/POP SS first). Inline, the common case (nothing pending) costs a few tests; delivery
// is out of line.
inline bool X86Cpu::check_interrupts() {
    if (icount_ < inhibit_until_) return false;
    if (events_.nmi) [[unlikely]] return take_nmi();
    if (interrupts_enabled() && intr_asserted()) [[unlikely]]
        return take_external_interrupt();
    return false;
}

// Whether check_interrupts() would deliver something now (no side effects; the PIC's INTR
// line is a plain query).
inline bool X86Cpu::interrupt_due() const {
    return icount_ >= inhibit_until_ &&
           events_.any() && (events_.nmi || (interrupts_enabled() && intr_asserted()));
}

bool X86Cpu::take_nmi() {
    events_.nmi = false;
    events_changed();
    halted_ = false;
    deliver(kNMI, false, false, 0, true);
    return true;
}

bool X86Cpu::take_external_interrupt() {
    uint8_t vec = irq_->acknowledge_interrupt();
    halted_ = false;
    if (trace_ & kTraceInt && trace_out_)
        fmt::print(trace_out_, "interrupt: vector {:#04x} (external) at {:04x}:{:08x}\n", vec,
                   s.seg[CS].selector, s.eip);
    deliver(vec, false, false, 0, true);
    return true;
}

void X86Cpu::update_observed() {
    observed_ = hooks_ || code_breakpoints_ || data_breakpoints_ ||
                ((trace_ & (kTraceInAsm | kTraceExec | kTraceCpu)) && trace_out_);
}

void X86Cpu::inhibit_interrupts_once() { inhibit_until_ = icount_ + 2; }

void X86Cpu::handle_fault(const GuestFault& f) {
    // A fault whose handler faults again before it completes an instruction, for ever (an
    // IVT/IDT entry that points at an invalid opcode, say): the instruction count, and guest
    // time with it, stands still, so no limit or device event can end the loop. The hardware
    // would spin; trapeze stops the run instead of hanging the host.
    if (icount_ != fault_loop_icount_) {
        fault_loop_icount_ = icount_;
        fault_loop_count_ = 0;
    } else if (++fault_loop_count_ >= kFaultLoopLimit) {
        request_stop(cpu::StopReason::kError,
                     fmt::format("exception loop: exception {} raised {} times at {:04x}:{:08x} without an "
                                 "instruction completing (its handler faults at once)",
                                 f.vector, fault_loop_count_, s.seg[CS].selector, s.eip));
        return;
    }
    if (monitor_real_) {
        monitor_->trap_fault(f);  // deprivileged guest: the monitor decides what the guest sees
        return;
    }
    // Double-fault rules, SDM Vol. 3 §6.15 Table 6-5.
    auto contributory = [](unsigned v) { return v == kDE || (v >= kTS && v <= kGP); };
    uint8_t vec = f.vector;
    bool has = f.has_error;
    uint32_t err = f.error;
    if (trace_ & kTraceInt && trace_out_)
        fmt::print(trace_out_, "exception {} ({:#x}) at {:04x}:{:08x} cr2={:08x}\n", vec,
                   has ? err : 0, s.seg[CS].selector, s.eip, s.cr2);
    for (int attempt = 0; attempt < 3; ++attempt) {
        try {
            deliver(vec, false, has, err, false);
            return;
        } catch (const GuestFault& g) {
            if (trace_ & kTraceInt && trace_out_)
                fmt::print(trace_out_, "exception {} while delivering {}\n", g.vector, vec);
            if (vec == kDF) break;  // fault while delivering #DF: shutdown
            bool to_df = (contributory(vec) && contributory(g.vector)) ||
                         (vec == kPF && (g.vector == kPF || contributory(g.vector)));
            if (to_df) {
                vec = kDF;
                has = true;
                err = 0;
            } else {
                vec = g.vector;
                has = g.has_error;
                err = g.error;
            }
        }
    }
    request_stop(cpu::StopReason::kShutdown,
                 fmt::format("triple fault at {:04x}:{:08x}\n{}", s.seg[CS].selector, s.eip,
                             describe_state()));
}

cpu::RunResult X86Cpu::run(uint64_t max_insns) {
    stop_ = cpu::StopReason::kRunning;
    stop_message_.clear();
    const uint64_t limit = max_insns ? icount_ + max_insns : UINT64_MAX;
    insn_limit_ = limit;
    events_changed();
    Block* prev = nullptr;  // the block just run, when control simply flowed out of it
    while (stop_ == cpu::StopReason::kRunning) {
        sync_tsc();
        if (icount_ >= limit) {
            stop_ = cpu::StopReason::kInsnLimit;
            stop_message_ = fmt::format("instruction limit reached at {:04x}:{:08x}",
                                        s.seg[CS].selector, s.eip);
            break;
        }
        if (!prev) cache_.collect_garbage();
        end_block = false;
        Block* from = prev;
        prev = nullptr;
        if (monitor_ && bool(s.cr0 & CR0_PE) != monitor_real_) {
            monitor_->update_activation();
            from = nullptr;
        }
        try {
            if (check_interrupts()) from = nullptr;
            if (halted_) {
                bool can_wake = interrupts_enabled() && irq_;
                if (!can_wake && !events_.nmi) {
                    stop_ = cpu::StopReason::kHaltedNoWake;
                    stop_message_ = fmt::format("halted with interrupts disabled at {:04x}:{:08x}",
                                                s.seg[CS].selector, s.eip);
                    break;
                }
                // Let time pass: the machine's devices advance with the instruction count.
                // Only an interrupt ends the halt, and device state changes only between
                // run() calls (a machine bounds each call by its next device event), so a
                // bounded run skips straight to its limit; an unbounded one steps.
                uint64_t idle = limit == UINT64_MAX ? 1 : limit - icount_;
                icount_ += idle;  // the TSC follows at the next sync_tsc
                halted_insns_ += idle;
                continue;
            }
            Block* b = from && from->valid ? chained_block(from) : fetch_block();
            for (;;) {
                // Blocks hold at most kMaxBlockInsns instructions: the first test spares the
                // division of insns.size() while the limit is far.
                const uint64_t left = limit - icount_;
                if (observed_ || (s.eflags & (TF | RF))) [[unlikely]] {
                    if (trace_ & kTraceInAsm && trace_out_ && b->exec_count == 0) trace_block(*b);
                    if (s.eflags & TF) {
                        // Single-step (SDM Vol. 3 §17.3.1.4): one instruction, then a #DB trap
                        // if TF was set when it started and it did not itself deliver an event.
                        uint64_t events = deliveries_;
                        execute_block_hooked(*b, 1);
                        sync_tsc();
                        if (deliveries_ == events && stop_ == cpu::StopReason::kRunning) {
                            s.dr[6] |= 0x4000;  // BS
                            deliver(kDB, false, false, 0, false);
                        }
                        break;  // never chained
                    }
                    if (hooks_ || code_breakpoints_ || data_breakpoints_ || (s.eflags & RF) ||
                        (trace_ & (kTraceExec | kTraceCpu)))
                        execute_block_hooked(*b, size_t(left));
                    else if (left < b->insns.size())
                        execute_block_hooked(*b, size_t(left));  // the run ends inside it
                    else if (b->native && run_native(*b)) {
                    } else {
                        if (engine_) feed_engine(*b);
                        execute_block(*b);
                    }
                } else if (left < kMaxBlockInsns && left < b->insns.size()) [[unlikely]] {
                    execute_block_hooked(*b, size_t(left));  // the run ends inside it
                } else if (b->native && run_native(*b)) {
                } else {
                    if (engine_) {
                        prefetch_successors(*b);
                        feed_engine(*b);
                    }
                    execute_block(*b);
                }
                // (No sync_tsc() here: every reader goes through tsc_now(), and the top of the
                // outer loop and the fault handlers sync before anything else looks at s.tsc.)
                // Chain only when control left the block normally (no mode or mapping change).
                if (end_block || !b->valid) break;
                prev = b;
                // Straight on to the chained block when the top of the outer loop would do
                // nothing guest-visible: end_block is already clear, there is no garbage
                // collection (prev is set), its sync_tsc() only moves the TSC's base
                // (tsc_now() is the same either way), and none of the following holds.
                // Anything else goes round the outer loop, which then does exactly what it
                // always did. Below chain_limit_ (the limit, while no event line is up)
                // and without a monitor none of them can: a stop and HLT come with
                // end_block (request_stop, halt), and an interrupt needs a line up.
                if (icount_ >= chain_limit_ || monitor_) [[unlikely]] {
                    if (stop_ != cpu::StopReason::kRunning || icount_ >= limit || halted_ ||
                        (monitor_ && bool(s.cr0 & CR0_PE) != monitor_real_) || interrupt_due())
                        break;
                }
                prev = nullptr;
                b = chained_block(b);
            }
        } catch (const GuestFault& f) {
            sync_tsc();  // the block's instructions before the fault
            handle_fault(f);
        } catch (const MonitorTrap&) {
            sync_tsc();
            monitor_->trap_rewritten();
        } catch (const StopRun&) {
        } catch (const LeaveToInterpreter&) {
            sync_tsc();
            ++trace_leaves_;
            leave_pending_ = true;  // the next run_native declines: the block is interpreted
        }
    }
    sync_tsc();
    return {stop_, stop_message_, icount_};
}

// ---- the monitor's hooks (isa/x86/monitor.h) ----------------------------------------------------

void X86Cpu::attach_monitor(X86Monitor* monitor, BlockRewriter* rewriter) {
    monitor_ = monitor;
    rewriter_ = rewriter;
    monitor_real_ = false;
    cache_.flush();
    cache_.collect_garbage();
}

bool X86Cpu::interrupts_enabled() const {
    return monitor_real_ ? monitor_->virtual_if() : bool(s.eflags & IF);
}

uint32_t X86Cpu::monitor_window_read(uint32_t lin, unsigned size) { return monitor_->window_read(lin, size); }
void X86Cpu::monitor_window_write(uint32_t lin, uint32_t v, unsigned size) { monitor_->window_write(lin, v, size); }

void X86Cpu::set_write_log(std::vector<GuestWrite>* log) {
    write_log_ = log;
    flush_tlb();
}

void X86Cpu::execute_one_uncached() {
    const uint32_t lin = s.seg[CS].base + s.eip;
    const bool code32 = mode_bits() & 1;
    uint8_t buf[15];
    uint32_t first = std::min<uint32_t>(15, 0x1000 - (lin & 0xFFF));
    uint32_t p0 = translate_fetch(lin);
    for (uint32_t i = 0; i < first; ++i) buf[i] = uint8_t(mem_.read(p0 + i, 1));
    DecodedInsn in;
    DecodeStatus st = decoder_->decode(buf, first, code32, in);
    if (st == DecodeStatus::kNeedMoreBytes) {
        // The instruction straddles the page: its second page may fault, precisely.
        uint32_t p1 = translate_fetch(lin + first);
        for (uint32_t i = first; i < 15; ++i) buf[i] = uint8_t(mem_.read(p1 + (i - first), 1));
        decoder_->decode(buf, 15, code32, in);
    }
    last_uncached_form_ = in.form;
    if (uint64_t{s.eip} + in.len - 1 > s.seg[CS].limit) raise_fault(kGP, 0);
    if (code_breakpoints_) check_code_breakpoints();
    execute_with_debug_checks(in);
    end_block = true;
}

void X86Cpu::trace_block(const Block& b) {
    fmt::print(trace_out_, "IN:\n");
    uint32_t eip = s.eip;
    for (const DecodedInsn& in : b.insns) {
        uint8_t buf[16];
        uint32_t lin = s.seg[CS].base + eip;
        for (unsigned i = 0; i < in.len; ++i) buf[i] = uint8_t(mem_.read(b.phys_start + (eip - s.eip) + i, 1));
        (void)lin;
        fmt::print(trace_out_, "0x{:08x}:  {}\n", lin, Decoder::disassemble(buf, in.len, b.mode & 1, eip));
        eip += in.len;
    }
    fmt::print(trace_out_, "\n");
}

std::string X86Cpu::describe_state() const {
    static const char* names[] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
    static const char* sn[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    std::string out;
    for (int i = 0; i < 8; ++i) out += fmt::format("{}={:08x}{}", names[i], s.gpr[i], i % 4 == 3 ? "\n" : " ");
    out += fmt::format("EIP={:08x} EFL={:08x} CPL={} CR0={:08x} CR2={:08x} CR3={:08x} CR4={:08x}\n",
                       s.eip, eflags(), s.cpl, s.cr0, s.cr2, s.cr3, s.cr4);
    for (int i = 0; i < 6; ++i)
        out += fmt::format("{} ={:04x} {:08x} {:08x} {:04x}\n", sn[i], s.seg[i].selector,
                           s.seg[i].base, s.seg[i].limit, s.seg[i].attr);
    out += fmt::format("GDT={:08x} {:04x} IDT={:08x} {:04x} LDT={:04x} TR={:04x}\n", s.gdtr.base,
                       s.gdtr.limit, s.idtr.base, s.idtr.limit, s.ldtr.selector, s.tr.selector);
    return out;
}

}  // namespace trapeze::x86
