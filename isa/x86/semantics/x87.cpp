// The x87 instructions: one handler for every x87 form. It performs what belongs to the
// processor rather than the FPU — #NM (CR0.EM/TS), the pending-exception check of waiting
// instructions (#MF with CR0.NE, FERR#/IRQ13 without), memory operands with their faults,
// FIP/FDP/FOP sites — and calls the FPU unit (fpu/x87.h) for the arithmetic. SDM Vol. 1 ch. 8,
// Vol. 3 §2.5 (CR0.EM/MP/TS/NE).
#include "isa/x86/fpu/x87.h"
#include "isa/x86/semantics/operands.h"

namespace trapeze::x86 {

namespace {

// Raises the fault the FPU outcome implies, if any: none (the unit records unmasked
// exceptions as pending, reported at the next waiting instruction).
inline void done(const X87Outcome&) {}

template <size_t N>
void read_bytes(X86Cpu& c, unsigned seg, uint32_t ea, uint8_t (&buf)[N], size_t n, bool a32) {
    c.probe_read(seg, ea, unsigned(n));
    for (size_t i = 0; i < n; ++i) buf[i] = uint8_t(c.read<1>(seg, a32 ? ea + uint32_t(i) : ((ea + uint32_t(i)) & 0xFFFF)));
}

template <size_t N>
void write_bytes(X86Cpu& c, unsigned seg, uint32_t ea, const std::array<uint8_t, N>& bytes, size_t n, bool a32) {
    for (size_t i = 0; i < n; ++i)
        c.write<1>(seg, a32 ? ea + uint32_t(i) : ((ea + uint32_t(i)) & 0xFFFF), bytes[i]);
}

// An x87 store: the destination is checked first (the FPU state must not change if the
// store would fault), then the operation runs, then its bytes are written unless an
// unmasked exception suppressed them.
template <size_t N, class Op>
void store_operand(X86Cpu& c, unsigned seg, uint32_t ea, bool a32, Op&& op) {
    c.probe_write(seg, ea, unsigned(N));
    X87Store<N> r = op();
    if (r.write) write_bytes(c, seg, ea, r.bytes, N, a32);
}

X87EnvFormat env_format(X86Cpu& c, unsigned opsize) {
    bool real = !c.protected_mode() || c.v86();
    if (opsize == 4) return real ? X87EnvFormat::Real32 : X87EnvFormat::Protected32;
    return real ? X87EnvFormat::Real16 : X87EnvFormat::Protected16;
}

// #NM and pending-exception checks common to ESC instructions. Returns false when the
// instruction must not execute now (FERR# raised: it re-executes after the handler).
bool x87_prologue(X86Cpu& c, uint8_t esc, uint8_t modrm) {
    if (c.s.cr0 & (CR0_EM | CR0_TS)) raise_fault(kNM);
    if (X87::is_waiting_instruction(esc, modrm) && c.fpu().pending_exception()) {
        if ((c.s.cr0 & CR0_NE) || !c.has_ferr_handler()) raise_fault(kMF);
        c.signal_ferr();
        c.next_eip = c.s.eip;  // stalls until the interrupt handler clears the exception
        c.end_block = true;
        return false;
    }
    return true;
}

void set_compare_eflags(X86Cpu& c, const X87CompareFlags& f) {
    if (!f.write) return;
    uint32_t fl = (f.zf ? ZF : 0) | (f.pf ? PF : 0) | (f.cf ? CF : 0);
    set_eager(c.s.arith, fl);
}

X87ArithOp arith_op(unsigned reg) { return static_cast<X87ArithOp>(reg); }

// The FCMOVcc condition from the opcode (SDM Vol. 2A FCMOVcc).
bool fcmov_condition(X86Cpu& c, uint8_t esc, unsigned reg) {
    const ArithFlags& f = c.s.arith;
    bool r;
    switch (reg & 3) {
    case 0: r = flag_cf(f); break;                    // B
    case 1: r = flag_zf(f); break;                    // E
    case 2: r = flag_cf(f) || flag_zf(f); break;      // BE
    default: r = flag_pf(f); break;                   // U
    }
    return esc == 0xDB ? !r : r;
}

void x87_memory(X86Cpu& c, const DecodedInsn& in, uint8_t esc, uint8_t modrm, const X87Site& site) {
    X87& f = c.fpu();
    const unsigned reg = (modrm >> 3) & 7;
    const unsigned seg = in.mem.seg;
    const uint32_t ea = c.effective_address(in);
    const bool a32 = in.addr32;
    uint8_t buf[108];
    switch (esc) {
    case 0xD8:
    case 0xDC: {
        size_t n = esc == 0xD8 ? 4 : 8;
        read_bytes(c, seg, ea, buf, n, a32);
        if (reg == 2 || reg == 3) return done(esc == 0xD8 ? f.fcom_m32fp(site, buf, reg == 3) : f.fcom_m64fp(site, buf, reg == 3));
        return done(esc == 0xD8 ? f.arith_m32fp(site, arith_op(reg), buf) : f.arith_m64fp(site, arith_op(reg), buf));
    }
    case 0xDA:
    case 0xDE: {
        size_t n = esc == 0xDA ? 4 : 2;
        read_bytes(c, seg, ea, buf, n, a32);
        if (reg == 2 || reg == 3) return done(esc == 0xDA ? f.ficom_m32int(site, buf, reg == 3) : f.ficom_m16int(site, buf, reg == 3));
        return done(esc == 0xDA ? f.arith_m32int(site, arith_op(reg), buf) : f.arith_m16int(site, arith_op(reg), buf));
    }
    case 0xD9:
        switch (reg) {
        case 0: read_bytes(c, seg, ea, buf, 4, a32); return done(f.fld_m32fp(site, buf));
        case 2:
        case 3: return store_operand<4>(c, seg, ea, a32, [&] { return f.fst_m32fp(site, reg == 3); });
        case 4: {
            auto fmt = env_format(c, in.opsize);
            read_bytes(c, seg, ea, buf, env_image_size(fmt), a32);
            f.fldenv(fmt, buf);
            return;
        }
        case 5: read_bytes(c, seg, ea, buf, 2, a32); f.fldcw(uint16_t(buf[0] | (buf[1] << 8))); return;
        case 6: {
            auto fmt = env_format(c, in.opsize);
            c.probe_write(seg, ea, unsigned(env_image_size(fmt)));
            auto img = f.fnstenv(fmt);
            write_bytes(c, seg, ea, img.bytes, img.size, a32);
            return;
        }
        case 7: c.probe_write(seg, ea, 2); c.write<2>(seg, ea, f.fnstcw()); return;
        default: raise_fault(kUD);
        }
    case 0xDB:
        switch (reg) {
        case 0: read_bytes(c, seg, ea, buf, 4, a32); return done(f.fild_m32int(site, buf));
        case 2:
        case 3: return store_operand<4>(c, seg, ea, a32, [&] { return f.fist_m32int(site, reg == 3); });
        case 5: read_bytes(c, seg, ea, buf, 10, a32); return done(f.fld_m80fp(site, buf));
        case 7: return store_operand<10>(c, seg, ea, a32, [&] { return f.fstp_m80fp(site); });
        default: raise_fault(kUD);  // /1 is FISTTP (SSE3)
        }
    case 0xDD:
        switch (reg) {
        case 0: read_bytes(c, seg, ea, buf, 8, a32); return done(f.fld_m64fp(site, buf));
        case 2:
        case 3: return store_operand<8>(c, seg, ea, a32, [&] { return f.fst_m64fp(site, reg == 3); });
        case 4: {
            auto fmt = env_format(c, in.opsize);
            read_bytes(c, seg, ea, buf, save_image_size(fmt), a32);
            f.frstor(fmt, buf);
            return;
        }
        case 6: {
            auto fmt = env_format(c, in.opsize);
            c.probe_write(seg, ea, unsigned(save_image_size(fmt)));
            auto img = f.fnsave(fmt);
            write_bytes(c, seg, ea, img.bytes, img.size, a32);
            return;
        }
        case 7: c.probe_write(seg, ea, 2); c.write<2>(seg, ea, f.fnstsw()); return;
        default: raise_fault(kUD);
        }
    case 0xDF:
        switch (reg) {
        case 0: read_bytes(c, seg, ea, buf, 2, a32); return done(f.fild_m16int(site, buf));
        case 2:
        case 3: return store_operand<2>(c, seg, ea, a32, [&] { return f.fist_m16int(site, reg == 3); });
        case 4: read_bytes(c, seg, ea, buf, 10, a32); return done(f.fbld(site, buf));
        case 5: read_bytes(c, seg, ea, buf, 8, a32); return done(f.fild_m64int(site, buf));
        case 6: return store_operand<10>(c, seg, ea, a32, [&] { return f.fbstp(site); });
        case 7: return store_operand<8>(c, seg, ea, a32, [&] { return f.fistp_m64int(site); });
        default: raise_fault(kUD);
        }
    }
    raise_fault(kUD);
}

void x87_register(X86Cpu& c, uint8_t esc, uint8_t modrm, const X87Site& site) {
    X87& f = c.fpu();
    const unsigned reg = (modrm >> 3) & 7, i = modrm & 7;
    switch (esc) {
    case 0xD8:
        if (reg == 2 || reg == 3) return done(f.fcom_st(site, i, reg == 3));
        return done(f.arith_st0_sti(site, arith_op(reg), i));
    case 0xDC:
        if (reg == 2 || reg == 3) return done(f.fcom_st(site, i, reg == 3));  // aliases
        // DC E0+i is FSUBR ST(i),ST(0) in Intel's naming, i.e. ST(i) = ST(0) - ST(i) ... the
        // register-stack forms swap SUB/SUBR and DIV/DIVR relative to the memory forms.
        return done(f.arith_sti_st0(site, arith_op(reg ^ ((reg & 4) ? 1 : 0)), i, false));
    case 0xDE:
        if (reg == 2) return done(f.fcom_st(site, i, true));  // alias of FCOMP
        if (reg == 3) {
            if (i == 1) return done(f.fcompp(site));
            raise_fault(kUD);
        }
        return done(f.arith_sti_st0(site, arith_op(reg ^ ((reg & 4) ? 1 : 0)), i, true));
    case 0xD9:
        switch (modrm) {
        case 0xD0: return done(f.fnop(site));
        case 0xE0: return done(f.fchs(site));
        case 0xE1: return done(f.fabs(site));
        case 0xE4: return done(f.ftst(site));
        case 0xE5: return done(f.fxam(site));
        case 0xE8: case 0xE9: case 0xEA: case 0xEB: case 0xEC: case 0xED: case 0xEE:
            return done(f.fld_constant(site, static_cast<X87Constant>(modrm - 0xE8)));
        case 0xF0: return done(f.f2xm1(site));
        case 0xF1: return done(f.fyl2x(site));
        case 0xF2: return done(f.fptan(site));
        case 0xF3: return done(f.fpatan(site));
        case 0xF4: return done(f.fxtract(site));
        case 0xF5: return done(f.fprem1(site));
        case 0xF6: return done(f.fdecstp(site));
        case 0xF7: return done(f.fincstp(site));
        case 0xF8: return done(f.fprem(site));
        case 0xF9: return done(f.fyl2xp1(site));
        case 0xFA: return done(f.fsqrt(site));
        case 0xFB: return done(f.fsincos(site));
        case 0xFC: return done(f.frndint(site));
        case 0xFD: return done(f.fscale(site));
        case 0xFE: return done(f.fsin(site));
        case 0xFF: return done(f.fcos(site));
        default: break;
        }
        if (reg == 0) return done(f.fld_st(site, i));
        if (reg == 1) return done(f.fxch(site, i));
        if (reg == 3) return done(f.fst_st(site, i, true));  // FSTPNCE alias (D9 D8+i)
        raise_fault(kUD);
    case 0xDA:
        if (reg < 4) return done(f.fcmov(site, i, fcmov_condition(c, esc, reg)));
        if (modrm == 0xE9) return done(f.fucompp(site));
        raise_fault(kUD);
    case 0xDB:
        if (reg < 4) return done(f.fcmov(site, i, fcmov_condition(c, esc, reg)));
        switch (modrm) {
        case 0xE0: case 0xE1: case 0xE4: return;  // FENI/FDISI/FSETPM: no-ops on the 387+
        case 0xE2: f.fnclex(); return;
        case 0xE3: f.fninit(); return;
        default: break;
        }
        if (reg == 5) {
            auto r = f.fucomi(site, i, false);
            set_compare_eflags(c, r);
            return;
        }
        if (reg == 6) {
            auto r = f.fcomi(site, i, false);
            set_compare_eflags(c, r);
            return;
        }
        raise_fault(kUD);
    case 0xDD:
        switch (reg) {
        case 0: return done(f.ffree(site, i));
        case 1: return done(f.fxch(site, i));  // alias
        case 2: return done(f.fst_st(site, i, false));
        case 3: return done(f.fst_st(site, i, true));
        case 4: return done(f.fucom_st(site, i, false));
        case 5: return done(f.fucom_st(site, i, true));
        default: raise_fault(kUD);
        }
    case 0xDF:
        if (modrm == 0xE0) {
            c.set_reg<2>(EAX, f.fnstsw());
            return;
        }
        switch (reg) {
        case 0: return done(f.ffreep(site, i));
        case 1: return done(f.fxch(site, i));
        case 2:
        case 3: return done(f.fst_st(site, i, true));
        case 5: { auto r = f.fucomi(site, i, true); set_compare_eflags(c, r); return; }
        case 6: { auto r = f.fcomi(site, i, true); set_compare_eflags(c, r); return; }
        default: raise_fault(kUD);
        }
    }
    raise_fault(kUD);
}

void x87(X86Cpu& c, const DecodedInsn& in) {
    const uint8_t esc = uint8_t(in.opcode >> 8), modrm = uint8_t(in.opcode);
    if (!x87_prologue(c, esc, modrm)) return;
    X87Pointer ip{c.s.seg[CS].selector, c.s.eip};
    if (modrm < 0xC0) {
        X87Pointer dp{c.s.seg[in.mem.seg].selector, c.effective_address(in)};
        x87_memory(c, in, esc, modrm, X87Site::memory_form(ip, esc, modrm, dp));
    } else {
        x87_register(c, esc, modrm, X87Site::register_form(ip, esc, modrm));
    }
}

// WAIT/FWAIT: #NM when CR0.MP and CR0.TS; reports a pending unmasked exception.
void fwait(X86Cpu& c, const DecodedInsn&) {
    if ((c.s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) raise_fault(kNM);
    if (c.fpu().pending_exception()) {
        if ((c.s.cr0 & CR0_NE) || !c.has_ferr_handler()) raise_fault(kMF);
        c.signal_ferr();
        c.next_eip = c.s.eip;
        c.end_block = true;
    }
}

// FXSAVE/FXRSTOR m512 (SDM Vol. 2A): #NM on EM or TS, #GP(0) if not 16-byte aligned.
uint32_t fx_address(X86Cpu& c, const DecodedInsn& in) {
    if (c.s.cr0 & (CR0_EM | CR0_TS)) raise_fault(kNM);
    uint32_t ea = c.effective_address(in);
    if ((c.s.seg[in.mem.seg].base + ea) & 15) raise_fault(kGP, 0);
    return ea;
}

void fxsave(X86Cpu& c, const DecodedInsn& in) {
    uint32_t ea = fx_address(c, in);
    c.probe_write(in.mem.seg, ea, 512);
    auto img = c.fpu().fxsave();
    // Bytes 464-511 are available to software and are not written (SDM Vol. 1 Table 10-2).
    write_bytes(c, in.mem.seg, ea, img, 464, in.addr32);
}

void fxrstor(X86Cpu& c, const DecodedInsn& in) {
    uint32_t ea = fx_address(c, in);
    static thread_local uint8_t buf[512];
    c.probe_read(in.mem.seg, ea, 512);
    for (unsigned i = 0; i < 512; ++i) buf[i] = uint8_t(c.read<1>(in.mem.seg, ea + i));
    if (!c.fpu().fxrstor(buf)) raise_fault(kGP, 0);
}

}  // namespace

Handler sel_x87(SelectorInput&) { return x87; }
Handler sel_fwait(SelectorInput&) { return fwait; }
Handler sel_fxsave(SelectorInput&) { return fxsave; }
Handler sel_fxrstor(SelectorInput&) { return fxrstor; }

}  // namespace trapeze::x86
