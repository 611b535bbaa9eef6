// Queue instructions (VAX ARM, chapter "Queue Instructions"): absolute queues INSQUE/REMQUE
// (entry: forward link at +0, backward link at +4) and the interlocked self-relative queues
// INSQHI/INSQTI/REMQHI/REMQTI (links are displacements from the entry; the header's bit 0 is
// the secondary interlock; header and entries must be quadword aligned: reserved operand).
#include "isa/vax/semantics/semantics.h"

namespace trapeze::vax::sem {

namespace {

using L = uint32_t;

// INSQUE entry.ab, pred.ab. CC: compare of the old successor with pred (Z: the queue was
// empty, the entry is the only one), V 0.
void insque(VaxCpu& c, Insn& in) {
    uint32_t e = in.op[0].addr, p = in.op[1].addr;
    uint32_t s = c.read(p, 4);
    c.probe_write(e, 8);
    c.probe_write(s + 4, 4);
    c.write(e, 4, s);
    c.write(e + 4, 4, p);
    c.write(s + 4, 4, e);
    c.write(p, 4, e);
    c.set_cc(cmp_flags<L>(s, p));
}

// REMQUE entry.ab, addr.wl. V when the queue was empty (entry is the header: nothing removed).
void remque(VaxCpu& c, Insn& in) {
    uint32_t e = in.op[0].addr;
    uint32_t s = c.read(e, 4), p = c.read(e + 4, 4);
    uint32_t cc = cmp_flags<L>(s, p);
    if (s == e) {
        c.set_cc(cc | psl::V);
        put(c, in, 1, e);
        return;
    }
    c.probe_write(p, 4);
    c.probe_write(s + 4, 4);
    c.write(p, 4, s);
    c.write(s + 4, 4, p);
    put(c, in, 1, e);
    c.set_cc(cc);
}

void check_quad(VaxCpu& c, uint32_t a) {
    if (a & 7) c.reserved_operand();
}

// INSQHI entry.ab, header.aq: insert at the head. C: the interlock was set (not inserted);
// Z: the entry is the only one.
void insqhi(VaxCpu& c, Insn& in) {
    uint32_t e = in.op[0].addr, h = in.op[1].addr;
    check_quad(c, e);
    check_quad(c, h);
    if (e == h) c.reserved_operand();
    uint32_t t = c.read(h, 4);
    if (t & 6) c.reserved_operand();  // a link that is not a quadword displacement
    if (t & 1) {
        c.set_cc(psl::C);
        return;
    }
    uint32_t first = h + t;
    // Interlocked: every location is checked before any is written (a fault leaves the queue
    // intact; EHKAA checks this).
    c.probe_write(e, 8);
    c.probe_write(first + 4, 4);
    c.probe_write(h, 4);
    c.write(e, 4, first - e);
    c.write(e + 4, 4, h - e);
    c.write(first + 4, 4, e - first);
    c.write(h, 4, e - h);
    c.set_cc(t == 0 ? psl::Z : 0);
}

void insqti(VaxCpu& c, Insn& in) {
    uint32_t e = in.op[0].addr, h = in.op[1].addr;
    check_quad(c, e);
    check_quad(c, h);
    if (e == h) c.reserved_operand();
    uint32_t t = c.read(h, 4);
    if (t & 6) c.reserved_operand();
    if (t & 1) {
        c.set_cc(psl::C);
        return;
    }
    uint32_t tl = c.read(h + 4, 4);
    if (tl & 7) c.reserved_operand();
    uint32_t tail = h + tl;
    c.probe_write(e, 8);
    c.probe_write(tail, 4);
    c.probe_write(h + 4, 4);
    c.write(e, 4, h - e);
    c.write(e + 4, 4, tail - e);
    c.write(tail, 4, e - tail);
    c.write(h + 4, 4, e - h);
    c.set_cc(t == 0 ? psl::Z : 0);
}

// What REMQHI and REMQTI share: the header's alignment, the destination rule, the interlock
// and the empty queue. Returns false when the instruction is complete (nothing removed);
// otherwise h is the header and t its forward link.
bool remq_interlocked_start(VaxCpu& c, Insn& in, uint32_t& h, uint32_t& t) {
    h = in.op[0].addr;
    check_quad(c, h);
    // The destination may not be the header itself (EHKAA expects a reserved operand).
    if (in.op[1].kind == Operand::kMemory && in.op[1].addr == h) c.reserved_operand();
    t = c.read(h, 4);
    if (t & 6) c.reserved_operand();
    if (t & 1) {
        c.set_cc(psl::C | psl::V);
        return false;
    }
    if (t == 0) {
        put(c, in, 1, h);
        c.set_cc(psl::Z | psl::V);
        return false;
    }
    return true;
}

// REMQHI header.aq, addr.wl: remove from the head. V: nothing removed (queue empty, addr =
// header) or interlock set (C too). Z: the queue is empty afterwards.
void remqhi(VaxCpu& c, Insn& in) {
    uint32_t h, t;
    if (!remq_interlocked_start(c, in, h, t)) return;
    uint32_t e = h + t;
    uint32_t link = c.read(e, 4);
    if (link & 7) c.reserved_operand();
    uint32_t next = e + link;
    c.probe_write(h, 4);
    c.probe_write(next + 4, 4);
    c.write(h, 4, next - h);
    c.write(next + 4, 4, h - next);
    put(c, in, 1, e);
    c.set_cc(next == h ? psl::Z : 0);
}

void remqti(VaxCpu& c, Insn& in) {
    uint32_t h, t;
    if (!remq_interlocked_start(c, in, h, t)) return;
    uint32_t tl = c.read(h + 4, 4);
    if (tl & 7) c.reserved_operand();
    uint32_t tail = h + tl;
    uint32_t link = c.read(tail + 4, 4);
    if (link & 7) c.reserved_operand();
    uint32_t prev = tail + link;
    c.probe_write(h + 4, 4);
    c.probe_write(prev, 4);
    c.write(h + 4, 4, prev - h);
    c.write(prev, 4, h - prev);
    put(c, in, 1, tail);
    c.set_cc(prev == h ? psl::Z : 0);
}

#define R(name, fn) Row{OpcodeId::name, fn}
const Row kRows[] = {
    R(INSQUE, insque), R(REMQUE, remque), R(INSQHI, insqhi), R(INSQTI, insqti), R(REMQHI, remqhi),
    R(REMQTI, remqti),
};
#undef R

}  // namespace

std::span<const Row> queue_rows() { return kRows; }

}  // namespace trapeze::vax::sem
