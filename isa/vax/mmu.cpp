// VAX memory management (VAX ARM, chapter "Memory Management"): 512-byte pages, the system
// region S0 mapped by the system page table at physical SBR (SLR entries), the process regions
// P0 (grows up, P0LR entries) and P1 (grows down, entries from P1LR up) mapped by page tables
// in S0 virtual space at P0BR/P1BR. PTE: <31> valid, <30:27> protection, <26> modify,
// <20:0> page frame number.
//
// Order of checks, as the ARM gives it: length violation, then protection (checked even when
// the PTE is invalid: the protection field of an invalid PTE is meaningful), then validity.
// Fault parameter (pushed last, (SP)): <0> length violation, <1> the fault was on the
// page-table entry (process page table page not accessible), <2> write or modify intent;
// the faulting virtual address is at 4(SP).
//
// Every access walks the tables: stale translations never occur (one of the behaviours the
// ARM permits, software must invalidate the TB after changing a PTE). The TB kept in cpu.h
// only records translated pages for TBCHK.
#include <fmt/format.h>

#include "isa/vax/cpu.h"

namespace trapeze::vax {

namespace {

// Most privileged mode number allowed to read / write for each protection code (-1: none).
// Codes: 0 NA, 1 reserved, 2 KW, 3 KR, 4 UW, 5 EW, 6 ERKW, 7 ER, 8 SW, 9 SREW, 10 SRKW, 11 SR,
// 12 URSW, 13 UREW, 14 URKW, 15 UR.
constexpr int kReadMax[16] = {-1, -1, 0, 0, 3, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
constexpr int kWriteMax[16] = {-1, -1, 0, -1, 3, 1, 0, -1, 2, 1, 0, -1, 2, 1, 0, -1};

constexpr uint32_t kPteValid = 1u << 31;
constexpr uint32_t kPteModify = 1u << 26;
constexpr uint32_t kPfnMask = 0x1FFFFF;
constexpr uint32_t kParamLength = 1, kParamPte = 2, kParamWrite = 4;

}  // namespace

uint32_t VaxCpu::read_phys(uint32_t pa, unsigned size) {
    pa &= 0x3FFFFFFF;
    if (const uint8_t* p = memory.host_pointer(pa, false); p && ((pa & 0xFFF) + size) <= 0x1000) {
        uint32_t v = 0;
        for (unsigned i = 0; i < size; ++i) v |= uint32_t{p[i]} << (8 * i);
        return v;
    }
    uint32_t v = memory.read(pa, size);
    if (memory.last_access_unassigned()) {
        if (trace_ & kTraceInt) fmt::print(trace_out_, "vax: non-existent memory read at 0x{:08X}\n", pa);
        // Non-existent memory: machine check (KA655 code 0x80, read bus error).
        machine_check(0x80, pa);
    }
    return v;
}

void VaxCpu::write_phys(uint32_t pa, unsigned size, uint32_t value) {
    pa &= 0x3FFFFFFF;
    if (uint8_t* p = memory.host_pointer(pa, true); p && ((pa & 0xFFF) + size) <= 0x1000) {
        for (unsigned i = 0; i < size; ++i) p[i] = static_cast<uint8_t>(value >> (8 * i));
        return;
    }
    memory.write(pa, size, value);
}

uint32_t VaxCpu::walk(uint32_t va, Access access, unsigned mode, bool probe_only, bool* ok) {
    const bool write = access != Access::read;
    const uint32_t wbit = write ? kParamWrite : 0;
    auto acv = [&](uint32_t param) -> uint32_t {
        if (probe_only) {
            *ok = false;
            return 0;
        }
        raise(scb::kAccessViolation, VaxException::Kind::fault, va, param | wbit);
    };
    const uint32_t region = va >> 30;
    const uint32_t vpn = (va & 0x3FFFFFFF) >> 9;
    uint32_t pte_pa = 0;
    if (region == 2) {
        if (vpn >= slr) return acv(kParamLength);
        pte_pa = sbr + 4 * vpn;
    } else if (region == 3) {
        return acv(kParamLength);
    } else {
        uint32_t pte_va;
        if (region == 0) {
            if (vpn >= p0lr) return acv(kParamLength);
            pte_va = p0br + 4 * vpn;
        } else {
            if (vpn < p1lr) return acv(kParamLength);
            pte_va = p1br + 4 * vpn;
        }
        // The process PTE lives in S0 virtual space: translate its address through the
        // system page table (a fault here has the PTE-reference bit).
        uint32_t svpn = (pte_va & 0x3FFFFFFF) >> 9;
        if ((pte_va >> 30) != 2 || svpn >= slr) return acv(kParamLength | kParamPte);
        uint32_t spte = read_phys(sbr + 4 * svpn, 4);
        if (!(spte & kPteValid))
            raise(scb::kTranslationNotValid, VaxException::Kind::fault, va, kParamPte | wbit);
        pte_pa = ((spte & kPfnMask) << 9) | (pte_va & 0x1FF);
    }
    uint32_t pte = read_phys(pte_pa, 4);
    unsigned prot = (pte >> 27) & 15;
    int allowed = write ? kWriteMax[prot] : kReadMax[prot];
    if (static_cast<int>(mode) > allowed) return acv(0);
    if (probe_only) return 0;
    if (!(pte & kPteValid)) raise(scb::kTranslationNotValid, VaxException::Kind::fault, va, wbit);
    if (write && !(pte & kPteModify)) write_phys(pte_pa, 4, pte | kPteModify);
    tb_tags_[(va >> 9) & (kTbSize - 1)] = va >> 9;
    return ((pte & kPfnMask) << 9) | (va & 0x1FF);
}

uint32_t VaxCpu::translate(uint32_t va, Access access, unsigned mode) {
    if (!mapen) return va & 0x3FFFFFFF;
    bool ok = true;
    return walk(va, access, mode, false, &ok);
}

bool VaxCpu::probe(uint32_t va, Access access, unsigned mode) {
    if (!mapen) return true;
    bool ok = true;
    walk(va, access, mode, true, &ok);
    return ok;
}

uint32_t VaxCpu::read_mode(uint32_t va, unsigned size, unsigned mode, Access access) {
    if ((va & 0x1FF) + size <= 0x200) return read_phys(translate(va, access, mode), size);
    // Crosses a page: both pages must be accessible before any byte is read.
    uint32_t first = 0x200 - (va & 0x1FF);
    uint32_t pa0 = translate(va, access, mode);
    uint32_t pa1 = translate(va + first, access, mode);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
        uint32_t pa = i < first ? pa0 + i : pa1 + (i - first);
        v |= read_phys(pa, 1) << (8 * i);
    }
    return v;
}

void VaxCpu::write_mode(uint32_t va, unsigned size, uint32_t value, unsigned mode) {
    if ((va & 0x1FF) + size <= 0x200) {
        write_phys(translate(va, Access::write, mode), size, value);
        return;
    }
    uint32_t first = 0x200 - (va & 0x1FF);
    uint32_t pa0 = translate(va, Access::write, mode);
    uint32_t pa1 = translate(va + first, Access::write, mode);
    for (unsigned i = 0; i < size; ++i) {
        uint32_t pa = i < first ? pa0 + i : pa1 + (i - first);
        write_phys(pa, 1, (value >> (8 * i)) & 0xFF);
    }
}

uint32_t VaxCpu::read(uint32_t va, unsigned size) { return read_mode(va, size, cur_mode()); }

uint64_t VaxCpu::read64(uint32_t va) {
    uint32_t lo = read(va, 4);
    return lo | uint64_t{read(va + 4, 4)} << 32;
}

void VaxCpu::write(uint32_t va, unsigned size, uint32_t value) { write_mode(va, size, value, cur_mode()); }

void VaxCpu::write64(uint32_t va, uint64_t value) {
    probe_write(va, 8);
    write(va, 4, static_cast<uint32_t>(value));
    write(va + 4, 4, static_cast<uint32_t>(value >> 32));
}

void VaxCpu::probe_write(uint32_t va, unsigned size) {
    if (!mapen) return;
    translate(va, Access::write, cur_mode());
    translate(va + size - 1, Access::write, cur_mode());
}

}  // namespace trapeze::vax
