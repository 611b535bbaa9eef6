// A bare IA-32 test bench for unit tests: RAM at 0, a CPU in flat 32-bit protected mode at
// CPL 0 (or real mode), code and data poked directly into guest memory.
#pragma once

#include <cstring>
#include <initializer_list>
#include <memory>
#include <vector>

#include "cpu/physical_memory.h"
#include "cpu/port_bus.h"
#include "isa/x86/cpu.h"

namespace trapeze::test {

struct X86Bench {
    cpu::PhysicalMemory mem{32};
    cpu::PortBus ports;
    uint8_t* ram;
    std::unique_ptr<x86::X86Cpu> cpu;

    explicit X86Bench(uint32_t ram_bytes = 16 << 20) {
        ram = mem.add_ram(0, ram_bytes);
        cpu = std::make_unique<x86::X86Cpu>(mem, ports, x86::default_model());
    }

    // Flat 32-bit protected mode, CPL 0, paging off, EIP = eip.
    void flat32(uint32_t eip) {
        auto& s = cpu->s;
        s.gpr = {};
        // GDT at 0x800: null, flat ring-0 code (0x08), flat ring-0 data (0x10).
        poke32(0x808, 0x0000FFFF);
        poke32(0x80C, 0x00CF9B00);
        poke32(0x810, 0x0000FFFF);
        poke32(0x814, 0x00CF9300);
        s.gdtr = {0x800, 0x17};
        s.cr0 |= x86::CR0_PE;
        for (unsigned i = 0; i < 6; ++i) {
            auto& sg = s.seg[i];
            sg.base = 0;
            sg.limit = 0xFFFFFFFF;
            sg.valid = true;
            sg.selector = i == x86::CS ? 0x08 : 0x10;
            sg.attr = i == x86::CS ? 0xC09B : 0xC093;
        }
        s.cpl = 0;
        s.eip = eip;
        s.gpr[x86::ESP] = 0x80000;
        for (unsigned i = 0; i < 6; ++i) cpu->refresh_segcheck(i);
    }

    // The paging structures the TLB tests share: page directory at 0x10000, PDE 0 -> table
    // 0x11000 identity-mapping the first 4 MB, PDE 1 -> table 0x12000 (linear 0x400000-
    // 0x7FFFFF: its entries are the test's). paging_on() loads CR3 with it and sets CR0.PG.
    void two_page_tables() {
        poke32(0x10000, 0x11000 | 3);
        poke32(0x10004, 0x12000 | 3);
        for (uint32_t i = 0; i < 1024; ++i) poke32(0x11000 + 4 * i, (i << 12) | 3);
    }
    void paging_on(uint32_t cr0_extra = 0) {
        cpu->write_cr(3, 0x10000);
        cpu->write_cr(0, cpu->s.cr0 | x86::CR0_PG | cr0_extra);
    }

    void poke(uint32_t addr, std::initializer_list<uint8_t> bytes) {
        std::memcpy(ram + addr, std::data(bytes), bytes.size());
    }
    void poke32(uint32_t addr, uint32_t v) { std::memcpy(ram + addr, &v, 4); }
    uint32_t peek32(uint32_t addr) const {
        uint32_t v;
        std::memcpy(&v, ram + addr, 4);
        return v;
    }
};

}  // namespace trapeze::test
