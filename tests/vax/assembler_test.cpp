// The assembler: encodings it chooses, labels and layout, directives, expressions, errors.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "isa/vax/assembler.h"

using namespace trapeze::vax;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes assemble_ok(std::string_view source, uint32_t origin = 0x1000) {
    AssembledProgram program = assemble(source, origin);
    INFO(program.error_text());
    REQUIRE(program.ok());
    return program.image;
}

// The first error's line and text, for programs that must fail.
AssemblerDiagnostic first_error(std::string_view source) {
    AssembledProgram program = assemble(source, 0x1000);
    REQUIRE_FALSE(program.ok());
    return program.errors.front();
}

}  // namespace

TEST_CASE("instructions and the literals the assembler picks", "[assembler]") {
    CHECK(assemble_ok("ADDL3 #1,R0,(R1)+") == Bytes{0xC1, 0x01, 0x50, 0x81});
    CHECK(assemble_ok("movl r0, r1") == Bytes{0xD0, 0x50, 0x51});
    CHECK(assemble_ok("MOVL #63,R0") == Bytes{0xD0, 0x3F, 0x50});
    CHECK(assemble_ok("MOVL #64,R0") == Bytes{0xD0, 0x8F, 0x40, 0, 0, 0, 0x50});
    CHECK(assemble_ok("MOVL #-1,R0") == Bytes{0xD0, 0x8F, 0xFF, 0xFF, 0xFF, 0xFF, 0x50});
    CHECK(assemble_ok("MOVL I^#5,R0") == Bytes{0xD0, 0x8F, 0x05, 0, 0, 0, 0x50});
    CHECK(assemble_ok("MOVB #0xFF,R0") == Bytes{0x90, 0x8F, 0xFF, 0x50});
    CHECK(assemble_ok("MOVW #^X1234,R0") == Bytes{0xB0, 0x8F, 0x34, 0x12, 0x50});
    // An address operand takes the address of an immediate datum, never a short literal.
    CHECK(assemble_ok("MOVAL #5,R0") == Bytes{0xDE, 0x8F, 0x05, 0, 0, 0, 0x50});
    CHECK(assemble_ok("MOVL @#0x20000000,R2") == Bytes{0xD0, 0x9F, 0, 0, 0, 0x20, 0x52});
    CHECK(assemble_ok("CVTGF R0,R1") == Bytes{0xFD, 0x33, 0x50, 0x51});
    CHECK(assemble_ok("PUSHR #^M<R0,R1,R2>") == Bytes{0xBB, 0x07});
    CHECK(assemble_ok("HALT ; stop") == Bytes{0x00});
    CHECK(assemble_ok("BNEQU .") == Bytes{0x12, 0xFE});
}

TEST_CASE("every addressing mode's syntax", "[assembler]") {
    CHECK(assemble_ok("MOVL (R1),-(SP)") == Bytes{0xD0, 0x61, 0x7E});
    CHECK(assemble_ok("MOVL @(R4)+,AP") == Bytes{0xD0, 0x94, 0x5C});
    CHECK(assemble_ok("MOVL 4(R3),R0") == Bytes{0xD0, 0xA3, 0x04, 0x50});
    CHECK(assemble_ok("MOVL -4(FP),R0") == Bytes{0xD0, 0xAD, 0xFC, 0x50});
    CHECK(assemble_ok("MOVL 0x100(R3),R0") == Bytes{0xD0, 0xC3, 0x00, 0x01, 0x50});
    CHECK(assemble_ok("MOVL 0x12345(R3),R0") == Bytes{0xD0, 0xE3, 0x45, 0x23, 0x01, 0x00, 0x50});
    CHECK(assemble_ok("MOVL W^4(R3),R0") == Bytes{0xD0, 0xC3, 0x04, 0x00, 0x50});
    CHECK(assemble_ok("MOVL L^4(R3),R0") == Bytes{0xD0, 0xE3, 0x04, 0, 0, 0, 0x50});
    CHECK(assemble_ok("MOVL @4(R3),R0") == Bytes{0xD0, 0xB3, 0x04, 0x50});
    CHECK(assemble_ok("MOVL @(R3),R0") == Bytes{0xD0, 0xB3, 0x00, 0x50});
    CHECK(assemble_ok("MOVL (R3)[R4],R0") == Bytes{0xD0, 0x44, 0x63, 0x50});
    CHECK(assemble_ok("MOVL 4(R3)[R4],R0") == Bytes{0xD0, 0x44, 0xA3, 0x04, 0x50});
    CHECK(assemble_ok("MOVL @#0x20000000[R4],R0") ==
          Bytes{0xD0, 0x44, 0x9F, 0, 0, 0, 0x20, 0x50});
    // Relative: the displacement is from the end of the specifier.
    CHECK(assemble_ok("MOVL 0x1013,R0") == Bytes{0xD0, 0xAF, 0x10, 0x50});
    CHECK(assemble_ok("MOVL @0x1013,R0") == Bytes{0xD0, 0xBF, 0x10, 0x50});
    CHECK(assemble_ok("MOVL W^0x1013,R0") == Bytes{0xD0, 0xCF, 0x0F, 0x00, 0x50});
    CHECK(assemble_ok("MOVL 0x2000,R0") == Bytes{0xD0, 0xCF, 0xFC, 0x0F, 0x50});
    CHECK(assemble_ok("MOVL R0,0x1006[R7]") == Bytes{0xD0, 0x50, 0x47, 0xAF, 0x01});
}

TEST_CASE("floating literals", "[assembler]") {
    CHECK(assemble_ok("MOVF #1.0,R0") == Bytes{0x50, 0x08, 0x50});
    CHECK(assemble_ok("MOVF #1,R0") == Bytes{0x50, 0x08, 0x50});  // converted, as MACRO-32 does
    CHECK(assemble_ok("MOVD #2.5,R0") == Bytes{0x70, 0x12, 0x50});
    CHECK(assemble_ok("MOVF #0.1,R0") == Bytes{0x50, 0x8F, 0xCC, 0x3E, 0xCD, 0xCC, 0x50});
    CHECK(assemble_ok("MOVF #-1.0,R0") == Bytes{0x50, 0x8F, 0x80, 0xC0, 0, 0, 0x50});
    // Explicit S^/I^ with an integer are raw encodings.
    CHECK(assemble_ok("MOVF S^#8,R0") == Bytes{0x50, 0x08, 0x50});
    CHECK(assemble_ok("MOVF I^#0x4080,R0") == Bytes{0x50, 0x8F, 0x80, 0x40, 0, 0, 0x50});
    CHECK(assemble_ok("MOVF I^#1.0,R0") == Bytes{0x50, 0x8F, 0x80, 0x40, 0, 0, 0x50});
    CHECK(assemble_ok("MOVG #1.0,R0") == Bytes{0xFD, 0x50, 0x08, 0x50});
    CHECK(assemble_ok("MOVG #100.5,R0") ==
          Bytes{0xFD, 0x50, 0x8F, 0x79, 0x40, 0x00, 0x20, 0, 0, 0, 0, 0x50});
}

TEST_CASE("labels, branches and layout", "[assembler]") {
    Bytes image = assemble_ok(R"(
start:  CLRL R0             ; 1000: d4 50
loop:   INCL R0             ; 1002: d6 50
        CMPL R0,#10         ; 1004: d1 50 0a
        BLSS loop           ; 1007: 19 f9
        BRB done            ; 1009: 11 01
        NOP                 ; 100b: 01
done:   HALT                ; 100c: 00
)");
    CHECK(image == Bytes{0xD4, 0x50, 0xD6, 0x50, 0xD1, 0x50, 0x0A, 0x19, 0xF9,
                         0x11, 0x01, 0x01, 0x00});

    // A forward relative reference grows to a word displacement when its target is far.
    AssembledProgram far = assemble("MOVL data,R0\n.BLKB 200\ndata: .LONG 7\n", 0x1000);
    REQUIRE(far.ok());
    CHECK(far.image[1] == 0xCF);
    CHECK(far.symbol("DATA") == 0x1000 + 5 + 200);
    AssembledProgram near = assemble("MOVL data,R0\n.BLKB 20\ndata: .LONG 7\n", 0x1000);
    REQUIRE(near.ok());
    CHECK(near.image[1] == 0xAF);
    CHECK(near.image[2] == 21);  // the PC after the displacement is 0x1003

    // Immediates of forward symbols grow from short literals when the value is large.
    AssembledProgram forward = assemble("MOVL #VALUE,R0\nMOVL #SMALL,R1\nVALUE = 1000\n"
                                        "SMALL = 3\n",
                                        0);
    REQUIRE(forward.ok());
    CHECK(forward.image == Bytes{0xD0, 0x8F, 0xE8, 0x03, 0, 0, 0x50, 0xD0, 0x03, 0x51});

    // Local labels live between ordinary labels.
    Bytes locals = assemble_ok(R"(
first:  BRB 10$
10$:    BRB 10$
second: BRB 10$
        NOP
10$:    HALT
)");
    CHECK(locals == Bytes{0x11, 0x00, 0x11, 0xFE, 0x11, 0x01, 0x01, 0x00});

    // A CASE table is written with .WORD label differences.
    Bytes table = assemble_ok(R"(
        CASEB R0,#0,#1
base:   .WORD one-base, two-base
one:    NOP
two:    HALT
)");
    CHECK(table == Bytes{0x8F, 0x50, 0x00, 0x01, 0x04, 0x00, 0x05, 0x00, 0x01, 0x00});
}

TEST_CASE("data directives", "[assembler]") {
    Bytes image = assemble_ok(R"(
        .BYTE 1, 2, -1, ^XFF
        .WORD ^X1234, -2
        .LONG here
here:   .QUAD 0x1122334455667788
        .ASCII /AB/<13><10>
        .ASCIZ "h\n"
        .ASCIC "xyz"
        .ALIGN LONG
        .F_FLOATING 1.0
        .BLKB 3
        .ALIGN 1, 0xEE
        .D_FLOATING 2.5
)",
                              0x200);
    Bytes expected = {1, 2, 0xFF, 0xFF, 0x34, 0x12, 0xFE, 0xFF, 0x0C, 0x02, 0, 0,
                      0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                      'A', 'B', 13, 10, 'h', '\n', 0, 3, 'x', 'y', 'z',
                      0,                                     // .ALIGN LONG (0x21f -> 0x220)
                      0x80, 0x40, 0, 0,                      // 1.0
                      0, 0, 0,                               // .BLKB 3
                      0xEE,                                  // .ALIGN 1 (0x227 -> 0x228)
                      0x20, 0x41, 0, 0, 0, 0, 0, 0};         // 2.5
    CHECK(image == expected);

    AssembledProgram org = assemble(".ORG 0x210\nentry: HALT\n. = . + 2\n.BYTE 5\n", 0x200);
    REQUIRE(org.ok());
    CHECK(org.image.size() == 0x14);
    CHECK(org.image[0x10] == 0x00);
    CHECK(org.image[0x13] == 0x05);
    CHECK(org.symbol("entry") == 0x210);

    AssembledProgram entry = assemble(".ENTRY main, ^M<R2,R3>\nRET\n", 0);
    REQUIRE(entry.ok());
    CHECK(entry.image == Bytes{0x0C, 0x00, 0x04});
    CHECK(entry.symbol("MAIN") == 0);

    CHECK(assemble_ok("NOP\n.END\nthis is not assembled") == Bytes{0x01});
    CHECK(assemble_ok(".TITLE test\n.IDENT /1/\nNOP") == Bytes{0x01});
}

TEST_CASE("expressions", "[assembler]") {
    AssembledProgram program = assemble(R"(
A = 1 + 2 * 3
B = <1 + 2> * 3
C = ^C0 & ^XFF
D = 1 @ 4
E = ^B101 ! ^O10
F = label - .
G = -A + 10.
H = 7 / 2 - 0x10 \ 1
label:
)",
                                        0x100);
    INFO(program.error_text());
    REQUIRE(program.ok());
    CHECK(program.symbol("A") == 7);
    CHECK(program.symbol("B") == 9);
    CHECK(program.symbol("C") == 0xFF);
    CHECK(program.symbol("D") == 16);
    CHECK(program.symbol("E") == 13);
    CHECK(program.symbol("F") == 0);
    CHECK(program.symbol("G") == 3);
    CHECK(program.symbol("H") == ((3 - 0x10) ^ 1));

    CHECK(assemble_ok("IPR_SID = 62\nMFPR #IPR_SID,R0") == Bytes{0xDB, 0x3E, 0x50});

    // A symbol may be assigned again; each use sees the value assigned before it.
    CHECK(assemble_ok("N = 1\n.BYTE N\nN = N + 1\n.BYTE N\nN = N + 1\n.BYTE N") ==
          Bytes{1, 2, 3});
}

TEST_CASE("errors name the line and the problem", "[assembler]") {
    auto check_error = [](std::string_view source, int line, std::string_view text) {
        AssemblerDiagnostic error = first_error(source);
        CAPTURE(source, error.message);
        CHECK(error.line == line);
        CHECK(error.message.find(text) != std::string::npos);
    };
    check_error("NOP\nMOVL nowhere,R0", 2, "undefined symbol NOWHERE");
    check_error("FROB R0", 1, "unknown instruction FROB");
    check_error("MOVL R0", 1, "MOVL takes 2 operands, not 1");
    check_error("MOVL R0,#5", 1, "cannot be a destination");
    check_error("MOVAL R1,R2", 1, "register mode for an address operand");
    check_error("MOVQ SP,R0", 1, "would extend into PC");
    check_error("MOVL (R1)[PC],R0", 1, "PC cannot be an index register");
    check_error("MOVL R1[R2],R0", 1, "cannot be the base of index mode");
    check_error("MOVL (R2)+[R2],R0", 1, "UNPREDICTABLE");
    check_error("MOVL S^#64,R0", 1, "not a short literal");
    check_error("MOVB #300,R0", 1, "does not fit in 1 byte");
    check_error("MOVL B^200(R1),R0", 1, "does not fit B^");
    check_error("BRB far\n.BLKB 200\nfar: HALT", 1, "out of range of a byte displacement");
    check_error("x: NOP\nx: NOP", 2, "defined twice");
    check_error(".ORG 0x1010\n.ORG 0x1000", 2, "cannot move the location back");
    check_error(".BYTE 256", 1, "does not fit in 1 byte");
    check_error(".FROB 1", 1, "unknown directive");
    check_error("MOVL 4(R16),R0", 1, "not a register");
    check_error("MOVF #1.0E39,R0", 1, "out of the range");
    check_error("BRB (R1)", 1, "branch displacement");
    check_error(".ASCII /abc", 1, "unterminated");
    check_error("A = 1/0", 1, "division by zero");
    check_error(".ALIGN", 1, ".ALIGN takes");
    check_error("X: NOP\nX = 5", 2, "both a label and an assigned symbol");
    check_error("NOP\n.ORG", 2, ".ORG takes one address");
    check_error(".BLKB 0x10000000", 1, "more than 64 MB");
    AssembledProgram past_end = assemble("NOP\n.BLKB 0x20", 0xFFFFFFF0);
    REQUIRE(past_end.errors.size() == 1);
    CHECK(past_end.errors[0].line == 2);
    CHECK(past_end.errors[0].message.find("past the end of the 32-bit address space") !=
          std::string::npos);
    // Every error is reported, not only the first.
    AssembledProgram several = assemble("FROB\nMOVL R0\nNOP\nMOVL x,R0", 0);
    CHECK(several.errors.size() == 3);
}
