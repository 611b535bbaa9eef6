// Integer instructions: results and condition codes at the edge values (VAX ARM, each
// instruction's "Condition Codes"), integer overflow and divide-by-zero traps.
#include <catch2/catch.hpp>

#include "tests/vax/cpu_test_support.h"

using namespace trapeze::vax;
using namespace trapeze::vax::test;

namespace {

struct Case {
    const char* program;  // runs with PSL<C> as `carry_in` and the other codes clear
    bool carry_in;
    uint32_t r0;
    const char* cc;  // "NZVC" with '-' for clear
};

const Case kCases[] = {
    // MNEG: 0 - src; the most negative number overflows and stays negative (N set: Debian's
    // SIMH computes N with signed C overflow and gets it wrong).
    {"MOVL #0x80000000,R1\n MNEGL R1,R0", false, 0x80000000, "N-VC"},
    {"MNEGL #0,R0", true, 0, "-Z--"},
    {"MNEGL #1,R0", false, 0xFFFFFFFF, "N--C"},
    {"MOVL #0xFFFFFF80,R0\n MNEGB R0,R0", false, 0xFFFFFF80, "N-VC"},
    {"MOVL #0x8000,R1\n CLRL R0\n MNEGW R1,R0", false, 0x8000, "N-VC"},
    // ADD: V on signed overflow, C on unsigned carry.
    {"ADDL3 #0x7FFFFFFF,#1,R0", false, 0x80000000, "N-V-"},
    {"ADDL3 #-1,#1,R0", false, 0, "-Z-C"},
    {"ADDL3 #0x80000000,#0x80000000,R0", false, 0, "-ZVC"},
    {"CLRL R0\n ADDB2 #0x7F,R0\n ADDB2 #1,R0", false, 0x80, "N-V-"},
    {"MOVL #0x1234FFFF,R0\n ADDW2 #1,R0", false, 0x12340000, "-Z-C"},
    // SUB: dif = min - sub, C on borrow.
    {"SUBL3 #1,#0,R0", false, 0xFFFFFFFF, "N--C"},
    {"SUBL3 #1,#0x80000000,R0", false, 0x7FFFFFFF, "--V-"},
    {"MOVL #5,R0\n SUBL2 #5,R0", true, 0, "-Z--"},
    // CMP: N signed less, C unsigned less, V 0.
    {"CLRL R0\n CMPL #1,#2", false, 0, "N--C"},
    {"CLRL R0\n CMPL #-1,#1", false, 0, "N---"},
    {"CLRL R0\n CMPL #1,#-1", false, 0, "---C"},
    {"CLRL R0\n CMPL #2,#2", true, 0, "-Z--"},
    {"CLRL R0\n CMPB #0x80,#0x7F", false, 0, "N---"},
    // INC/DEC.
    {"MOVL #0x7FFFFFFF,R0\n INCL R0", false, 0x80000000, "N-V-"},
    {"MOVL #-1,R0\n INCL R0", false, 0, "-Z-C"},
    {"CLRL R0\n DECL R0", false, 0xFFFFFFFF, "N--C"},
    {"MOVL #0x80000000,R0\n DECL R0", false, 0x7FFFFFFF, "--V-"},
    // MUL: V when the product does not fit; C 0.
    {"MULL3 #0x10000,#0x10000,R0", true, 0, "-ZV-"},
    {"MULL3 #-2,#3,R0", true, 0xFFFFFFFA, "N---"},
    {"MOVL #0x40,R0\n MULB2 #2,R0", false, 0x80, "N-V-"},
    // DIV: most negative / -1 overflows (no trap with IV clear), quotient = dividend.
    {"DIVL3 #-1,#0x80000000,R0", false, 0x80000000, "N-V-"},
    {"DIVL3 #3,#-7,R0", true, 0xFFFFFFFE, "N---"},
    // Logical: V 0, C kept.
    {"BISL3 #0x80000000,#1,R0", true, 0x80000001, "N--C"},
    {"MOVL #0xFF,R0\n BICL2 #0xFF,R0", true, 0, "-Z-C"},
    {"XORL3 #-1,#0,R0", false, 0xFFFFFFFF, "N---"},
    {"MCOML #0,R0", true, 0xFFFFFFFF, "N--C"},
    {"CLRL R0\n BITL #1,#2", true, 0, "-Z-C"},
    // MOV/CLR keep C; TST clears it.
    {"MOVL #0x80000000,R0", true, 0x80000000, "N--C"},
    {"MOVL #-1,R0\n CLRL R0", true, 0, "-Z-C"},
    {"CLRL R0\n TSTL R0", true, 0, "-Z--"},
    {"MOVZBL #0xFF,R0", true, 0xFF, "---C"},
    {"MOVL #-1,R0\n MOVZWL #0x8000,R0", false, 0x8000, "----"},
    // CVT between sizes: V when the value does not fit.
    {"CLRL R0\n CVTLB #0x80,R0", true, 0x80, "N-V-"},
    {"CVTWL #0x8000,R0", true, 0xFFFF8000, "N---"},
    {"CLRL R0\n CVTLW #-1,R0", false, 0xFFFF, "N---"},
    {"CVTBL #0x7F,R0", false, 0x7F, "----"},
    // Shifts and rotates.
    {"ASHL #1,#0x40000000,R0", false, 0x80000000, "N-V-"},
    {"ASHL #-1,#-3,R0", false, 0xFFFFFFFE, "N---"},
    {"ASHL #32,#1,R0", false, 0, "-ZV-"},
    {"ASHL #-40,#-1,R0", false, 0xFFFFFFFF, "N---"},
    {"ROTL #1,#0x80000000,R0", true, 1, "---C"},
    {"ROTL #-4,#0x12345678,R0", false, 0x81234567, "N---"},
    // Extended arithmetic.
    {"MOVL #0xFFFFFFFF,R0\n BISPSW #1\n ADWC #0,R0", false, 0, "-Z-C"},
    {"CLRL R0\n BISPSW #1\n SBWC #0,R0", false, 0xFFFFFFFF, "N--C"},
    {"EMUL #0x10000,#0x10000,#-1,R0", true, 0xFFFFFFFF, "----"},
};

}  // namespace

TEST_CASE("integer results and condition codes at edge values", "[cpu][integer]") {
    for (const Case& c : kCases) {
        Machine m;
        std::string program = std::string(c.carry_in ? "BISPSW #1\n BICPSW #14\n" : "BICPSW #15\n") + c.program;
        INFO(c.program);
        m.exec(program);
        REQUIRE(m.vector_taken() == -1);
        CHECK(m.cpu.r[0] == c.r0);
        CHECK(ccs(m.cc()) == c.cc);
    }
}

TEST_CASE("EMUL and EDIV", "[cpu][integer]") {
    Machine m;
    m.exec("EMUL #0x10000,#0x10000,#5,R2\n EDIV #3,R2,R4,R5");
    CHECK(m.cpu.r[2] == 5);
    CHECK(m.cpu.r[3] == 1);
    CHECK(m.cpu.r[4] == 0x55555557);  // (2^32 + 5) / 3
    CHECK(m.cpu.r[5] == 0);
    CHECK(ccs(m.cc()) == "----");
    // Quotient overflow: V, quo = dividend<31:0>, rem = 0.
    Machine o;
    o.exec("MOVL #0,R2\n MOVL #1,R3\n EDIV #1,R2,R4,R5");
    CHECK(o.cpu.r[4] == 0);
    CHECK(o.cpu.r[5] == 0);
    CHECK(ccs(o.cc()) == "-ZV-");
}

TEST_CASE("integer overflow traps only with PSL<IV>, after the instruction", "[cpu][integer][exceptions]") {
    Machine m;
    m.exec("BISPSW #0x20\n ADDL3 #0x7FFFFFFF,#1,R0\nNEXT: NOP");
    REQUIRE(m.vector_taken() == 0x34);
    CHECK(m.cpu.r[0] == 0x80000000);  // the result is stored: a trap
    uint32_t sp = m.cpu.r[kSP];
    CHECK(m.read32(sp) == arith::kIntegerOverflow);
    // The PC pushed is the next instruction's (the NOP).
    CHECK(m.read32(sp + 4) == m.symbol("NEXT"));
    Machine n;
    n.exec("ADDL3 #0x7FFFFFFF,#1,R0");
    CHECK(n.vector_taken() == -1);
}

TEST_CASE("divide by zero traps whatever PSL<IV> says", "[cpu][integer][exceptions]") {
    Machine m;
    m.exec("MOVL #7,R0\n DIVL2 #0,R0");
    REQUIRE(m.vector_taken() == 0x34);
    CHECK(m.read32(m.cpu.r[kSP]) == arith::kIntegerDivideByZero);
    CHECK(m.cpu.r[0] == 7);  // quotient = dividend
    CHECK((m.read32(m.cpu.r[kSP] + 8) & psl::V) != 0);  // saved PSL has V
}

TEST_CASE("CASE, ACB, AOB and SOB", "[cpu][control]") {
    Machine m;
    m.exec(R"(
        CLRL R1
        CASEL #1,#0,#2
    10$: .WORD 20$-10$, 30$-10$, 40$-10$
        MOVL #99,R1
        BRB 50$
    20$: MOVL #10,R1
        BRB 50$
    30$: MOVL #11,R1
        BRB 50$
    40$: MOVL #12,R1
    50$: CLRL R2
        CLRL R3
    60$: INCL R3
        ACBL #10,#2,R2,60$
        CLRL R4
    70$: AOBLSS #5,R4,70$
        MOVL #3,R5
        CLRL R6
    80$: INCL R6
        SOBGTR R5,80$
        CASEB #7,#0,#1
        .WORD 0, 0
        MOVL #1,R7)");
    CHECK(m.cpu.r[1] == 11);
    CHECK(m.cpu.r[2] == 12);
    CHECK(m.cpu.r[3] == 6);
    CHECK(m.cpu.r[4] == 5);
    CHECK(m.cpu.r[6] == 3);
    CHECK(m.cpu.r[7] == 1);  // out-of-range selector falls past the table
}

TEST_CASE("bit fields in registers and memory", "[cpu][field]") {
    Machine m;
    m.exec(R"(
        MOVL #0xF0,R0
        EXTZV #4,#4,R0,R1
        EXTV #4,#4,R0,R2
        MOVAB DATA,R3
        EXTZV #12,#8,(R3),R4
        INSV #0xA,#28,#8,R5
        FFS #0,#32,R0,R7
        FFC #4,#8,R0,R8
        BRB DONE
    DATA: .LONG 0x12345678
    DONE:)");
    CHECK(m.cpu.r[1] == 0xF);
    CHECK(m.cpu.r[2] == 0xFFFFFFFF);
    CHECK(m.cpu.r[4] == 0x45);
    CHECK(m.cpu.r[5] == 0xA0000000);
    CHECK((m.cpu.r[6] & 0xF) == 0);  // INSV spilled into R6 bits <3:0>
    CHECK(m.cpu.r[7] == 4);
    CHECK(m.cpu.r[8] == 8);
}

TEST_CASE("a register field with position above 31 is a reserved operand", "[cpu][field][exceptions]") {
    Machine m;
    m.exec("EXTZV #32,#1,R0,R1");
    CHECK(m.vector_taken() == 0x18);
}

TEST_CASE("character strings", "[cpu][string]") {
    Machine m;
    m.exec(R"(
        MOVC3 #5,SRC,DST
        MOVC5 #3,SRC,#42,#6,DST2
        CMPC3 #5,SRC,DST
        MOVL R0,R6
        LOCC #108,#5,SRC
        MOVL R0,R7
        SKPC #104,#5,SRC
        MOVL R0,R8
        BRW DONE
    SRC: .ASCII /hello/
    DST: .BLKB 5
    DST2: .BLKB 6
    DONE:)");
    CHECK(m.cpu.r[6] == 0);  // equal
    CHECK(m.cpu.r[7] == 3);  // "llo" remains
    CHECK(m.cpu.r[8] == 4);
    uint32_t dst2 = m.symbol("DST2");
    std::string s;
    for (int i = 0; i < 6; ++i) s += static_cast<char>(m.mem.read(dst2 + i, 1));
    CHECK(s == "hel***");
}
