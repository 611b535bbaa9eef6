// Operand specifiers, procedure calls, PSL/mode changes, exceptions and memory management.
#include <catch2/catch.hpp>

#include "tests/vax/cpu_test_support.h"

using namespace trapeze::vax;
using namespace trapeze::vax::test;

TEST_CASE("operand specifier modes", "[cpu][specifiers]") {
    Machine m;
    m.exec(R"(
        MOVAB DATA,R1
        MOVL (R1),R2
        MOVL (R1)+,R3
        MOVL -(R1),R4
        MOVL B^4(R1),R5
        MOVAL PTR,R6
        MOVL @(R6)+,R7
        MOVL #1,R8
        MOVL DATA[R8],R9
        MOVL @#DATA,R10
        MOVL @W^-4(R6),R11
        MOVQ DATA,-(SP)
        MOVL (SP)+,AP
        BRB DONE
    DATA: .LONG 0x11111111, 0x22222222
    PTR:  .LONG DATA
    DONE:)");
    uint32_t data = m.symbol("DATA");
    CHECK(m.cpu.r[1] == data);
    CHECK(m.cpu.r[2] == 0x11111111);
    CHECK(m.cpu.r[3] == 0x11111111);
    CHECK(m.cpu.r[4] == 0x11111111);
    CHECK(m.cpu.r[5] == 0x22222222);
    CHECK(m.cpu.r[6] == m.symbol("PTR") + 4);
    CHECK(m.cpu.r[7] == 0x11111111);
    CHECK(m.cpu.r[9] == 0x22222222);
    CHECK(m.cpu.r[10] == 0x11111111);
    CHECK(m.cpu.r[11] == 0x11111111);
    CHECK(m.cpu.r[kAP] == 0x11111111);
    CHECK(m.cpu.r[kSP] == kStack - 4);
}

TEST_CASE("immediate mode is (PC)+: a modify operand writes the instruction stream", "[cpu][specifiers]") {
    Machine m;
    // ADAWI #1,I^#0 : 58 01 8F 00 00; the word after 8F (word-aligned, as ADAWI requires)
    // becomes 1.
    m.exec(" NOP\n .BYTE 0x58, 0x01, 0x8F\nIMM: .WORD 0\n MOVZWL IMM,R0");
    REQUIRE(m.vector_taken() == -1);
    CHECK(m.cpu.r[0] == 1);
}

TEST_CASE("reserved addressing modes fault", "[cpu][specifiers][exceptions]") {
    Machine m;
    m.exec(".BYTE 0xD0, 0x01, 0x01");  // MOVL S^#1,S^#1: literal destination
    CHECK(m.vector_taken() == 0x1C);
    Machine n;
    n.exec(".BYTE 0xD0, 0x44, 0x8F, 0, 0, 0, 0, 0x50");  // MOVL I^#0[R4],R0: the CVAX faults
    CHECK(n.vector_taken() == 0x1C);
}

TEST_CASE("CALLS and RET build and unwind the call frame", "[cpu][call]") {
    Machine m;
    m.exec(R"(
        MOVL #0x55,R2
        MOVL #0x66,R3
        PUSHL #7
        PUSHL #8
        CALLS #2,SUB
        BRB DONE
    SUB: .WORD ^M<R2,R3> ! 0x4000
        MOVL 4(AP),R0
        MOVL 8(AP),R1
        MOVL 4(FP),FRAME
        MOVPSL PSLIN
        MOVL #0x99,R2
        CLRL R3
        RET
    FRAME: .LONG 0
    PSLIN: .LONG 0
    DONE:)");
    CHECK(m.cpu.r[0] == 8);
    CHECK(m.cpu.r[1] == 7);
    CHECK(m.cpu.r[2] == 0x55);
    CHECK(m.cpu.r[3] == 0x66);
    CHECK(m.cpu.r[kSP] == kStack);  // the arguments are popped
    uint32_t frame = m.read32(m.symbol("FRAME"));
    CHECK(((frame >> 16) & 0xFFF) == 0x00C);  // saved mask: R2, R3
    CHECK((frame & (1u << 29)) != 0);          // S: CALLS
    CHECK((m.read32(m.symbol("PSLIN")) & psl::IV) != 0);  // entry mask <14> sets IV
    CHECK((m.cpu.psl & psl::IV) == 0);                    // RET restores it
}

TEST_CASE("PUSHR and POPR", "[cpu][call]") {
    Machine m;
    m.exec(R"(
        MOVL #1,R0
        MOVL #2,R1
        MOVL #5,R5
        PUSHR #^M<R0,R1,R5>
        MOVL (SP),R6
        MOVL 8(SP),R7
        CLRL R0
        CLRL R1
        CLRL R5
        POPR #^M<R0,R1,R5>)");
    CHECK(m.cpu.r[6] == 1);  // R0 at the lowest address
    CHECK(m.cpu.r[7] == 5);
    CHECK(m.cpu.r[0] == 1);
    CHECK(m.cpu.r[1] == 2);
    CHECK(m.cpu.r[5] == 5);
    CHECK(m.cpu.r[kSP] == kStack);
}

TEST_CASE("REI to user mode, CHMK back, and privileged instructions", "[cpu][exceptions]") {
    Machine m;
    m.cpu.stack[kKernel] = 0x7000;
    m.cpu.stack[kUser] = 0x6000;
    m.exec(R"(
        PUSHL #0x03C00000      ; user mode, previous user, IPL 0
        PUSHAB USER
        REI
    USER:
        CHMK #-3
        HALT)");
    // CHMK: kernel stack, code sign-extended, PC after CHMK, PSL user.
    REQUIRE(m.vector_taken() == 0x40);
    uint32_t sp = m.cpu.r[kSP];
    CHECK(sp == 0x7000 - 12);
    CHECK(m.read32(sp) == 0xFFFFFFFD);
    CHECK(m.read32(sp + 4) == m.symbol("USER") + 4);  // CHMK I^#-3: 4 bytes
    CHECK(m.read32(sp + 8) == 0x03C00000);
    CHECK(m.cpu.cur_mode() == kKernel);
    CHECK(m.cpu.prv_mode() == kUser);
    CHECK(m.cpu.stack[kUser] == 0x6000);
}

TEST_CASE("HALT in user mode is a privileged-instruction fault", "[cpu][exceptions]") {
    Machine m;
    m.cpu.stack[kKernel] = 0x7000;
    m.cpu.stack[kUser] = 0x6000;
    m.exec(R"(
        PUSHL #0x03C00000
        PUSHAB USER
        REI
    USER: HALT)");
    REQUIRE(m.vector_taken() == 0x10);
    CHECK(m.read32(m.cpu.r[kSP]) == m.symbol("USER"));  // a fault: the HALT's own PC
}

TEST_CASE("REI rejects a PSL that would raise privilege or is malformed", "[cpu][exceptions]") {
    const uint32_t bad[] = {
        0x041F0000 | (1u << 21),  // MBZ bit
        0x04000000,               // interrupt stack at IPL 0
        0x03DF0000,               // user mode at IPL 31
        0x00000000 | (3u << 24),  // previous mode more privileged than current
        0x80000000,               // compatibility mode (none on the CVAX)
    };
    for (uint32_t p : bad) {
        Machine m;
        m.load(" PUSHL #" + std::to_string(p) + "\n PUSHAB 10$\n REI\n10$: HALT\n");
        m.run();
        INFO(p);
        CHECK(m.vector_taken() == 0x18);
    }
}

TEST_CASE("software interrupts through SIRR, taken when IPL drops", "[cpu][exceptions]") {
    Machine m;
    m.exec(R"(
        MTPR #5,#20        ; SIRR: request IPL 5
        MFPR #21,R0        ; SISR
        MTPR #4,#18        ; IPL 4: the request is taken before the next instruction
        NOP)");
    CHECK(m.cpu.r[0] == (1u << 5));
    REQUIRE(m.vector_taken() == 0x80 + 4 * 5);
    CHECK(m.cpu.ipl() == 5);
    CHECK(m.cpu.sisr == 0);
}

TEST_CASE("trace faults after each instruction with PSL<T>", "[cpu][exceptions]") {
    Machine m;
    m.exec(R"(
        BISPSW #0x10
        NOP
        NOP)");
    // BISPSW sets T during its execution, TP only at the next instruction: the NOP after it
    // runs and the trace fault comes before the second NOP.
    REQUIRE(m.vector_taken() == 0x28);
    CHECK(m.read32(m.cpu.r[kSP]) == kOrigin + 3);
}

namespace {

// Identity-map S0 over the test machine's 1 MB: system page table at 0x80000, PTE protection
// `prot` unless overridden; SCB vectors point into S0.
void map_s0(Machine& m) {
    const uint32_t spt = 0x80000;
    for (uint32_t vpn = 0; vpn < 2048; ++vpn) m.mem.write(spt + 4 * vpn, 4, 0x80000000u | (4u << 27) | vpn);
    for (uint32_t v = 0; v < 0x200; v += 4) m.mem.write(v, 4, 0x80000000u + kHandlers + v);
    m.cpu.sbr = spt;
    m.cpu.slr = 2048;
    m.cpu.mapen = true;
    m.cpu.r[kSP] = 0x80000000u + kStack;
}

void set_pte(Machine& m, uint32_t va, uint32_t pte) { m.mem.write(0x80000 + 4 * ((va & 0x3FFFFFFF) >> 9), 4, pte); }
uint32_t get_pte(Machine& m, uint32_t va) { return m.mem.read(0x80000 + 4 * ((va & 0x3FFFFFFF) >> 9), 4); }

void run_mapped(Machine& m, const std::string& source) {
    m.load(source + "\n HALT\n");
    map_s0(m);
    m.cpu.r[kPC] = 0x80000000u + kOrigin;
    m.run();
}

}  // namespace

TEST_CASE("S0 translation, modify bit, access violation and translation not valid", "[cpu][mmu]") {
    SECTION("reads and writes through the system page table set the modify bit") {
        Machine m;
        m.mem.write(0x20000, 4, 0xCAFEF00D);
        run_mapped(m, " MOVL @#0x80020000,R0\n MOVL #5,@#0x80020100");
        CHECK(m.vector_taken() == -1);
        CHECK(m.cpu.r[0] == 0xCAFEF00D);
        CHECK(m.mem.read(0x20100, 4) == 5);
        CHECK((get_pte(m, 0x80020000) & (1u << 26)) != 0);
    }
    SECTION("a write to a kernel-read-only page is an access violation with the write bit") {
        Machine m;
        m.load(" MOVL #5,@#0x80020000\n HALT\n");
        map_s0(m);
        set_pte(m, 0x80020000, 0x80000000u | (3u << 27) | 0x100);
        m.cpu.r[kPC] = 0x80000000u + kOrigin;
        m.run();
        REQUIRE(m.vector_taken() == 0x20);
        uint32_t sp = m.cpu.r[kSP];
        CHECK(m.read32(0x3FFFFFFF & sp) == 4);                  // fault parameter: write
        CHECK(m.read32(0x3FFFFFFF & (sp + 4)) == 0x80020000);  // virtual address
        CHECK(m.read32(0x3FFFFFFF & (sp + 8)) == 0x80000000u + kOrigin);  // faulting PC
    }
    SECTION("an invalid PTE is translation-not-valid; protection is checked first") {
        Machine m;
        m.load(" MOVL @#0x80020000,R0\n HALT\n");
        map_s0(m);
        set_pte(m, 0x80020000, (4u << 27) | 0x100);  // not valid, UW
        m.cpu.r[kPC] = 0x80000000u + kOrigin;
        m.run();
        CHECK(m.vector_taken() == 0x24);
        CHECK(m.read32(0x3FFFFFFF & m.cpu.r[kSP]) == 0);
        Machine n;
        n.load(" MOVL @#0x80020000,R0\n HALT\n");
        map_s0(n);
        set_pte(n, 0x80020000, 0);  // not valid and no access: ACV wins
        n.cpu.r[kPC] = 0x80000000u + kOrigin;
        n.run();
        CHECK(n.vector_taken() == 0x20);
    }
    SECTION("beyond SLR is a length violation") {
        Machine m;
        run_mapped(m, " MOVL @#0x80100000,R0");
        REQUIRE(m.vector_taken() == 0x20);
        CHECK(m.read32(0x3FFFFFFF & m.cpu.r[kSP]) == 1);
    }
}

TEST_CASE("P0 translation through a process page table in S0", "[cpu][mmu]") {
    Machine m;
    m.mem.write(0x30004, 4, 0x12345678);  // P0 VA 0x204 = page 1 + 4 -> physical 0x30004
    m.load(" MOVL @#0x204,R0\n MOVL @#0x404,R1\n HALT\n");
    map_s0(m);
    // P0 page table at S0 0x80040000 (physical 0x40000): page 1 -> frame 0x180 (0x30000);
    // page 2 in a page-table page whose S0 PTE is invalid.
    m.mem.write(0x40004, 4, 0x80000000u | (4u << 27) | (0x30000 >> 9));
    m.mem.write(0x40008, 4, (4u << 27) | 0x1);  // page 2: UW but not valid
    m.cpu.p0br = 0x80040000;  // P0 page n's PTE at P0BR + 4n
    m.cpu.p0lr = 8;
    m.cpu.r[kPC] = 0x80000000u + kOrigin;
    m.run();
    CHECK(m.cpu.r[0] == 0x12345678);
    CHECK(m.vector_taken() == 0x24);  // page 2 is not valid
    Machine n;
    n.load(" MOVL @#0x204,R0\n HALT\n");
    map_s0(n);
    n.cpu.p0br = 0x80040000;
    n.cpu.p0lr = 8;
    set_pte(n, 0x80040000, 0);  // the page-table page itself is not valid
    n.cpu.r[kPC] = 0x80000000u + kOrigin;
    n.run();
    REQUIRE(n.vector_taken() == 0x24);
    CHECK(n.read32(0x3FFFFFFF & n.cpu.r[kSP]) == 2);  // PTE reference
}

TEST_CASE("PROBER and PROBEW check protection for the previous mode", "[cpu][mmu]") {
    Machine m;
    m.load(R"(
        PROBER #0,#4,@#0x80020000
        MOVPSL R0
        PROBEW #0,#4,@#0x80020000
        MOVPSL R1
        PROBER #3,#4,@#0x80020000
        MOVPSL R2
        HALT)");
    map_s0(m);
    set_pte(m, 0x80020000, 0x80000000u | (3u << 27) | 0x100);  // KR
    m.cpu.r[kPC] = 0x80000000u + kOrigin;
    m.run();
    CHECK((m.cpu.r[0] & psl::Z) == 0);  // kernel may read
    CHECK((m.cpu.r[1] & psl::Z) != 0);  // nobody may write
    CHECK((m.cpu.r[2] & psl::Z) != 0);  // user may not read
}

TEST_CASE("emulated and reserved instructions on the KA655", "[cpu][exceptions]") {
    Machine m;
    m.exec(" ADDP4 #1,@#0x2000,#1,@#0x2004");
    REQUIRE(m.vector_taken() == 0xC8);
    uint32_t sp = m.cpu.r[kSP];
    CHECK(m.read32(sp) == 0x20);          // opcode
    CHECK(m.read32(sp + 4) == kOrigin);   // PC of the instruction
    CHECK(m.read32(sp + 8) == 1);         // operand 1 (read: its value)
    CHECK(m.read32(sp + 12) == 0x2000);   // operand 2 (address)
    Machine n;
    n.exec(" ADDH2 #1,R0");  // H_floating: reserved instruction on the KA655
    CHECK(n.vector_taken() == 0x10);
}
