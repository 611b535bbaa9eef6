// The decoder: every operand specifier mode with its exact length and values, branches, CASE
// tables, two-byte and reserved opcodes, and the reserved addressing mode conditions.
#include <catch2/catch.hpp>

#include <vector>

#include "isa/vax/decoder.h"
#include "isa/vax/disassembler.h"

using namespace trapeze::vax;

namespace {

constexpr uint32_t kAt = 0x1000;

DecodedInsn decode_bytes(std::vector<uint8_t> bytes, uint32_t address = kAt) {
    return decode(std::span<const uint8_t>(bytes), address);
}

std::string text_of(std::vector<uint8_t> bytes, uint32_t address = kAt) {
    return disassemble(decode_bytes(std::move(bytes), address));
}

}  // namespace

TEST_CASE("short literal, register and autoincrement", "[decoder]") {
    DecodedInsn insn = decode_bytes({0xC1, 0x01, 0x50, 0x81});
    REQUIRE(insn.status == DecodeStatus::ok);
    CHECK(insn.id() == OpcodeId::ADDL3);
    CHECK(insn.length == 4);
    REQUIRE(insn.operand_count == 3);
    CHECK(insn.operands[0].mode == SpecifierMode::short_literal);
    CHECK(insn.operands[0].literal == 1);
    CHECK(insn.operands[0].offset == 1);
    CHECK(insn.operands[0].length == 1);
    CHECK(insn.operands[1].mode == SpecifierMode::register_mode);
    CHECK(insn.operands[1].reg == 0);
    CHECK(insn.operands[2].mode == SpecifierMode::autoincrement);
    CHECK(insn.operands[2].reg == 1);
    CHECK(insn.operands[2].offset == 3);
    CHECK(disassemble(insn) == "ADDL3 S^#1,R0,(R1)+");
    CHECK(disassemble(insn, {.explicit_literals = false}) == "ADDL3 #1,R0,(R1)+");
    CHECK(insn.issue == SpecifierIssue::none);
}

TEST_CASE("register deferred, autodecrement, autoincrement deferred", "[decoder]") {
    DecodedInsn insn = decode_bytes({0xD0, 0x61, 0x52});
    CHECK(insn.length == 3);
    CHECK(insn.operands[0].mode == SpecifierMode::register_deferred);
    CHECK(text_of({0xD0, 0x61, 0x52}) == "MOVL (R1),R2");
    CHECK(text_of({0xD0, 0x73, 0x5E}) == "MOVL -(R3),SP");
    CHECK(decode_bytes({0xD0, 0x73, 0x5E}).operands[0].mode == SpecifierMode::autodecrement);
    CHECK(text_of({0xD0, 0x94, 0x5D}) == "MOVL @(R4)+,FP");
    CHECK(decode_bytes({0xD0, 0x94, 0x5D}).operands[0].mode ==
          SpecifierMode::autoincrement_deferred);
    CHECK(text_of({0xDD, 0x8C}) == "PUSHL (AP)+");
}

TEST_CASE("immediate mode takes the operand's size of data", "[decoder]") {
    DecodedInsn movl = decode_bytes({0xD0, 0x8F, 0x78, 0x56, 0x34, 0x12, 0x50});
    REQUIRE(movl.status == DecodeStatus::ok);
    CHECK(movl.length == 7);
    CHECK(movl.operands[0].mode == SpecifierMode::immediate);
    CHECK(movl.operands[0].reg == kPC);
    CHECK(movl.operands[0].immediate_size == 4);
    CHECK(movl.operands[0].immediate_value() == 0x12345678);
    CHECK(movl.operands[0].length == 5);
    CHECK(disassemble(movl) == "MOVL I^#0x12345678,R0");
    CHECK(disassemble(movl, {.explicit_literals = false}) == "MOVL #0x12345678,R0");

    CHECK(decode_bytes({0x90, 0x8F, 0xFF, 0x50}).length == 4);
    CHECK(text_of({0x90, 0x8F, 0xFF, 0x50}) == "MOVB I^#0xff,R0");
    CHECK(decode_bytes({0xB0, 0x8F, 0x34, 0x12, 0x50}).length == 5);
    // A small immediate keeps its I^ even in the terse style: #5 would be a short literal.
    CHECK(disassemble(decode_bytes({0xB0, 0x8F, 0x05, 0x00, 0x50}),
                      {.explicit_literals = false}) == "MOVW I^#5,R0");

    DecodedInsn movq = decode_bytes({0x7D, 0x8F, 1, 2, 3, 4, 5, 6, 7, 8, 0x52});
    CHECK(movq.length == 11);
    CHECK(movq.operands[0].immediate_size == 8);
    CHECK(movq.operands[0].immediate_value() == 0x0807060504030201);

    std::vector<uint8_t> movo = {0xFD, 0x7D, 0x8F};
    for (int i = 1; i <= 16; ++i) movo.push_back(static_cast<uint8_t>(i));
    movo.push_back(0x54);
    DecodedInsn octa = decode_bytes(movo);
    REQUIRE(octa.status == DecodeStatus::ok);
    CHECK(octa.id() == OpcodeId::MOVO);
    CHECK(octa.length == 20);
    CHECK(octa.operands[0].immediate_size == 16);
    CHECK(octa.operands[0].immediate[15] == 16);
    CHECK(disassemble(octa) == "MOVO I^#0x100f0e0d0c0b0a090807060504030201,R4");

    // F_floating 1.0 is 0x00004080; D/G/H immediates are 8/8/16 bytes.
    CHECK(text_of({0x50, 0x8F, 0x80, 0x40, 0x00, 0x00, 0x50}) == "MOVF I^#0x4080,R0");
    CHECK(decode_bytes({0x70, 0x8F, 0x80, 0x40, 0, 0, 0, 0, 0, 0, 0x50}).length == 11);
    CHECK(decode_bytes({0xFD, 0x50, 0x8F, 0x10, 0x40, 0, 0, 0, 0, 0, 0, 0x50}).length == 12);

    // With an address operand the immediate is the datum whose address is taken.
    DecodedInsn moval = decode_bytes({0xDE, 0x8F, 1, 0, 0, 0, 0x50});
    CHECK(moval.status == DecodeStatus::ok);
    CHECK(moval.length == 7);
}

TEST_CASE("short literals of floating operands", "[decoder]") {
    // 0x08 is 1.0 (exponent 1, fraction 0), 0x00 is 0.5, 0x3F is 120.
    CHECK(text_of({0x50, 0x08, 0x50}) == "MOVF S^#1.0,R0");
    CHECK(text_of({0x70, 0x00, 0x50}) == "MOVD S^#0.5,R0");
    CHECK(text_of({0xFD, 0x50, 0x3F, 0x50}) == "MOVG S^#120.0,R0");
    CHECK(text_of({0x50, 0x0C, 0x50}) == "MOVF S^#1.5,R0");
    CHECK(disassemble(decode_bytes({0x50, 0x0C, 0x50}), {.explicit_literals = false}) ==
          "MOVF #1.5,R0");
}

TEST_CASE("absolute mode", "[decoder]") {
    DecodedInsn insn = decode_bytes({0xD0, 0x9F, 0x00, 0x00, 0x00, 0x20, 0x52});
    REQUIRE(insn.status == DecodeStatus::ok);
    CHECK(insn.length == 7);
    CHECK(insn.operands[0].mode == SpecifierMode::absolute);
    CHECK(insn.operands[0].address == 0x20000000);
    CHECK(insn.operands[0].length == 5);
    CHECK(disassemble(insn) == "MOVL @#0x20000000,R2");
}

TEST_CASE("displacement modes and their deferred forms", "[decoder]") {
    DecodedInsn byte = decode_bytes({0xD0, 0xA3, 0x04, 0x50});
    CHECK(byte.length == 4);
    CHECK(byte.operands[0].mode == SpecifierMode::byte_displacement);
    CHECK(byte.operands[0].reg == 3);
    CHECK(byte.operands[0].displacement == 4);
    CHECK(byte.operands[0].length == 2);
    CHECK(disassemble(byte) == "MOVL B^4(R3),R0");

    DecodedInsn negative = decode_bytes({0xD0, 0xB3, 0xF0, 0x50});
    CHECK(negative.operands[0].mode == SpecifierMode::byte_displacement_deferred);
    CHECK(negative.operands[0].displacement == -16);
    CHECK(disassemble(negative) == "MOVL @B^-0x10(R3),R0");

    DecodedInsn word = decode_bytes({0xD0, 0xCE, 0x00, 0x01, 0x50});
    CHECK(word.length == 5);
    CHECK(word.operands[0].mode == SpecifierMode::word_displacement);
    CHECK(word.operands[0].displacement == 0x100);
    CHECK(disassemble(word) == "MOVL W^0x100(SP),R0");
    CHECK(text_of({0xD0, 0xDD, 0xFE, 0xFF, 0x50}) == "MOVL @W^-2(FP),R0");

    DecodedInsn longword = decode_bytes({0xD0, 0xEC, 0x78, 0x56, 0x34, 0x12, 0x50});
    CHECK(longword.length == 7);
    CHECK(longword.operands[0].mode == SpecifierMode::long_displacement);
    CHECK(longword.operands[0].displacement == 0x12345678);
    CHECK(disassemble(longword) == "MOVL L^0x12345678(AP),R0");
    DecodedInsn long_deferred = decode_bytes({0xD0, 0xF1, 0x00, 0x00, 0x00, 0x80, 0x50});
    CHECK(long_deferred.operands[0].mode == SpecifierMode::long_displacement_deferred);
    CHECK(long_deferred.operands[0].displacement == INT32_MIN);
    CHECK(disassemble(long_deferred) == "MOVL @L^-0x80000000(R1),R0");
}

TEST_CASE("PC-relative modes add the PC after the displacement", "[decoder]") {
    // The displacement's last byte is at 0x1002, so the PC is 0x1003.
    DecodedInsn byte = decode_bytes({0xD0, 0xAF, 0x10, 0x50});
    CHECK(byte.length == 4);
    CHECK(byte.operands[0].mode == SpecifierMode::byte_relative);
    CHECK(byte.operands[0].reg == kPC);
    CHECK(byte.operands[0].address == 0x1013);
    CHECK(disassemble(byte) == "MOVL B^0x1013,R0");

    DecodedInsn word = decode_bytes({0xD0, 0xCF, 0x00, 0xFF, 0x50});
    CHECK(word.operands[0].mode == SpecifierMode::word_relative);
    CHECK(word.operands[0].address == 0x1004 - 0x100);
    CHECK(disassemble(word) == "MOVL W^0xf04,R0");

    DecodedInsn longword = decode_bytes({0xD0, 0xEF, 0x00, 0x00, 0x01, 0x00, 0x50});
    CHECK(longword.operands[0].mode == SpecifierMode::long_relative);
    CHECK(longword.operands[0].address == 0x11006);

    // In the second operand the PC is that specifier's own end.
    DecodedInsn second = decode_bytes({0xD0, 0x50, 0xBF, 0x02});
    CHECK(second.operands[1].mode == SpecifierMode::byte_relative_deferred);
    CHECK(second.operands[1].address == 0x1006);
    CHECK(disassemble(second) == "MOVL R0,@B^0x1006");
    CHECK(decode_bytes({0xD0, 0x50, 0xDF, 0, 0}).operands[1].mode ==
          SpecifierMode::word_relative_deferred);
    CHECK(decode_bytes({0xD0, 0x50, 0xFF, 0, 0, 0, 0}).operands[1].mode ==
          SpecifierMode::long_relative_deferred);
}

TEST_CASE("index mode", "[decoder]") {
    DecodedInsn insn = decode_bytes({0xD0, 0x44, 0x63, 0x50});
    REQUIRE(insn.status == DecodeStatus::ok);
    CHECK(insn.length == 4);
    const OperandSpec& spec = insn.operands[0];
    CHECK(spec.indexed);
    CHECK(spec.index_reg == 4);
    CHECK(spec.mode == SpecifierMode::register_deferred);
    CHECK(spec.reg == 3);
    CHECK(spec.length == 2);
    CHECK(disassemble(insn) == "MOVL (R3)[R4],R0");

    DecodedInsn displaced = decode_bytes({0xD0, 0x45, 0xA3, 0x04, 0x50});
    CHECK(displaced.length == 5);
    CHECK(displaced.operands[0].length == 3);
    CHECK(disassemble(displaced) == "MOVL B^4(R3)[R5],R0");

    DecodedInsn absolute = decode_bytes({0xD0, 0x46, 0x9F, 0x00, 0x10, 0x00, 0x00, 0x50});
    CHECK(absolute.length == 8);
    CHECK(absolute.operands[0].address == 0x1000);
    CHECK(disassemble(absolute) == "MOVL @#0x1000[R6],R0");

    DecodedInsn relative = decode_bytes({0xD0, 0x50, 0x47, 0xAF, 0x10});
    CHECK(relative.operands[1].mode == SpecifierMode::byte_relative);
    CHECK(relative.operands[1].address == 0x1015);
    CHECK(disassemble(relative) == "MOVL R0,B^0x1015[R7]");

    CHECK(text_of({0xD0, 0x48, 0x72, 0x50}) == "MOVL -(R2)[R8],R0");
    CHECK(text_of({0xD0, 0x49, 0x92, 0x50}) == "MOVL @(R2)+[R9],R0");
}

TEST_CASE("branch displacements", "[decoder]") {
    DecodedInsn brb = decode_bytes({0x11, 0x22}, 0x20040000);
    REQUIRE(brb.status == DecodeStatus::ok);
    CHECK(brb.length == 2);
    CHECK(brb.operands[0].mode == SpecifierMode::branch);
    CHECK(brb.operands[0].displacement == 0x22);
    CHECK(brb.operands[0].address == 0x20040024);
    CHECK(disassemble(brb) == "BRB 0x20040024");

    DecodedInsn self = decode_bytes({0x11, 0xFE}, 0x20040002);
    CHECK(self.operands[0].address == 0x20040002);

    DecodedInsn brw = decode_bytes({0x31, 0x89, 0x03}, 0x20040008);
    CHECK(brw.length == 3);
    CHECK(brw.operands[0].address == 0x2004000B + 0x389);

    DecodedInsn bbs = decode_bytes({0xE0, 0x01, 0x50, 0x05});
    CHECK(bbs.length == 4);
    CHECK(bbs.operands[1].mode == SpecifierMode::register_mode);
    CHECK(bbs.operands[2].address == 0x1009);
    CHECK(disassemble(bbs) == "BBS S^#1,R0,0x1009");

    DecodedInsn acbl = decode_bytes({0xF1, 0x8F, 0x10, 0, 0, 0, 0x01, 0x52, 0xF6, 0xFF});
    CHECK(acbl.length == 10);
    CHECK(acbl.operands[3].address == 0x1000);
    CHECK(disassemble(acbl) == "ACBL I^#0x10,S^#1,R2,0x1000");
}

TEST_CASE("CASE displacement tables", "[decoder]") {
    DecodedInsn caseb = decode_bytes({0x8F, 0x50, 0x00, 0x02, 6, 0, 8, 0, 10, 0});
    REQUIRE(caseb.status == DecodeStatus::ok);
    CHECK(caseb.length == 4);
    CHECK(caseb.case_table_known);
    CHECK(caseb.case_table_entries == 3);
    CHECK(caseb.next_address() == 0x1000 + 4 + 6);

    DecodedInsn casel = decode_bytes({0xCF, 0x50, 0x00, 0x8F, 0x04, 0, 0, 0});
    CHECK(casel.case_table_entries == 5);
    DecodedInsn unknown = decode_bytes({0xAF, 0x50, 0x00, 0x51});
    CHECK_FALSE(unknown.case_table_known);
    CHECK(unknown.next_address() == 0x1004);
}

TEST_CASE("two-byte and reserved opcodes", "[decoder]") {
    DecodedInsn cvtgf = decode_bytes({0xFD, 0x33, 0x50, 0x51});
    REQUIRE(cvtgf.status == DecodeStatus::ok);
    CHECK(cvtgf.opcode == 0xFD33);
    CHECK(cvtgf.length == 4);
    CHECK(cvtgf.operands[0].offset == 2);
    CHECK(disassemble(cvtgf) == "CVTGF R0,R1");

    for (uint8_t reserved : {0x57, 0x59, 0x5A, 0x5B, 0x77, 0xFE, 0xFF}) {
        DecodedInsn insn = decode_bytes({reserved, 0x50});
        CAPTURE(reserved);
        CHECK(insn.status == DecodeStatus::reserved_instruction);
        CHECK(insn.info == nullptr);
        CHECK(insn.length == 1);
    }
    DecodedInsn fd = decode_bytes({0xFD, 0x00, 0x50});
    CHECK(fd.status == DecodeStatus::reserved_instruction);
    CHECK(fd.opcode == 0xFD00);
    CHECK(fd.length == 2);
    CHECK(disassemble(fd) == ".BYTE 0xfd,0x0 ; reserved opcode");
    CHECK(disassemble(decode_bytes({0x57})) == ".BYTE 0x57 ; reserved opcode");
}

TEST_CASE("reserved addressing modes are reported with the operand", "[decoder]") {
    struct Case {
        std::vector<uint8_t> bytes;
        SpecifierIssue issue;
        int operand;
    };
    const Case faults[] = {
        {{0xD0, 0x50, 0x05}, SpecifierIssue::literal_not_read, 1},          // MOVL R0,S^#5
        {{0xD6, 0x05}, SpecifierIssue::literal_not_read, 0},                // INCL S^#5
        {{0xDE, 0x05, 0x50}, SpecifierIssue::literal_not_read, 0},          // MOVAL S^#5,R0
        {{0xEF, 0x00, 0x08, 0x05, 0x52}, SpecifierIssue::literal_not_read, 2},  // field base
        {{0xDE, 0x51, 0x52}, SpecifierIssue::register_for_address, 0},      // MOVAL R1,R2
        {{0x17, 0x55}, SpecifierIssue::register_for_address, 0},           // JMP R5
        {{0xD0, 0x4F, 0x63, 0x50}, SpecifierIssue::index_register_pc, 0},
        {{0xD0, 0x44, 0x05, 0x50}, SpecifierIssue::index_base_literal, 0},
        {{0xD0, 0x44, 0x53, 0x50}, SpecifierIssue::index_base_register, 0},
        {{0xD0, 0x5F, 0x50}, SpecifierIssue::pc_in_register_mode, 0},
        {{0xD0, 0x6F, 0x50}, SpecifierIssue::pc_in_register_mode, 0},
        {{0xD0, 0x50, 0x7F}, SpecifierIssue::pc_in_register_mode, 1},
        {{0x7D, 0x5E, 0x50}, SpecifierIssue::register_range_past_pc, 0},    // MOVQ SP,R0
        {{0xFD, 0x7D, 0x50, 0x5C}, SpecifierIssue::register_range_past_pc, 1},  // MOVO R0,AP
    };
    for (const Case& c : faults) {
        DecodedInsn insn = decode_bytes(c.bytes);
        CAPTURE(disassemble(insn));
        CHECK(insn.status == DecodeStatus::reserved_addressing_mode);
        CHECK(insn.issue == c.issue);
        CHECK(insn.issue_operand == c.operand);
        CHECK(is_addressing_fault(insn.issue));
        CHECK(insn.length == c.bytes.size());  // the rest still decodes
    }
    // Register pairs below the PC are fine: MOVQ FP,R0 uses FP and SP; MOVO R8,R0 R8-R11.
    CHECK(decode_bytes({0x7D, 0x5D, 0x50}).status == DecodeStatus::ok);
    CHECK(decode_bytes({0xFD, 0x7D, 0x58, 0x50}).status == DecodeStatus::ok);
    // A field in a register is allowed.
    CHECK(decode_bytes({0xEF, 0x00, 0x08, 0x51, 0x52}).status == DecodeStatus::ok);

    CHECK(text_of({0xD0, 0x50, 0x05}) ==
          "MOVL R0,S^#5 ; reserved addressing mode in operand 2: short literal for an operand "
          "that is not read");
}

TEST_CASE("index mode of index mode stops decoding", "[decoder]") {
    DecodedInsn insn = decode_bytes({0xD0, 0x44, 0x45, 0x63, 0x50});
    CHECK(insn.status == DecodeStatus::reserved_addressing_mode);
    CHECK(insn.issue == SpecifierIssue::index_base_index);
    CHECK(insn.operand_count == 0);
    CHECK(insn.length == 3);
}

TEST_CASE("UNPREDICTABLE specifiers decode with a note", "[decoder]") {
    DecodedInsn written = decode_bytes({0xD0, 0x50, 0x8F, 1, 0, 0, 0});
    CHECK(written.status == DecodeStatus::ok);
    CHECK(written.issue == SpecifierIssue::immediate_written);
    CHECK(written.issue_operand == 1);
    CHECK(written.length == 7);
    CHECK_FALSE(is_addressing_fault(written.issue));

    DecodedInsn index_immediate = decode_bytes({0xD0, 0x44, 0x8F, 1, 0, 0, 0, 0x50});
    CHECK(index_immediate.status == DecodeStatus::ok);
    CHECK(index_immediate.issue == SpecifierIssue::index_base_immediate);
    CHECK(index_immediate.length == 8);

    DecodedInsn updated = decode_bytes({0xD0, 0x44, 0x84, 0x50});
    CHECK(updated.status == DecodeStatus::ok);
    CHECK(updated.issue == SpecifierIssue::index_register_updated);

    // A later fault takes precedence over an earlier UNPREDICTABLE condition.
    DecodedInsn both = decode_bytes({0xC1, 0x44, 0x84, 0x01, 0x05});
    CHECK(both.status == DecodeStatus::reserved_addressing_mode);
    CHECK(both.issue == SpecifierIssue::literal_not_read);
    CHECK(both.issue_operand == 2);
}

TEST_CASE("failed fetches report the address", "[decoder]") {
    DecodedInsn truncated = decode_bytes({0xD0, 0x8F, 0x01});
    CHECK(truncated.status == DecodeStatus::fetch_failed);
    CHECK(truncated.fault_address == kAt + 3);
    CHECK(decode_bytes({}).status == DecodeStatus::fetch_failed);
    CHECK(decode_bytes({0xFD}).fault_address == kAt + 1);

    // A fault in an earlier specifier comes before the failed fetch.
    DecodedInsn fault_first = decode_bytes({0xC1, 0x5F, 0x8F});
    CHECK(fault_first.status == DecodeStatus::reserved_addressing_mode);

    // Any callable can be the byte source.
    int fetches = 0;
    auto page = [&](uint32_t address, uint8_t& byte) {
        ++fetches;
        if (address >= 0x2000) return false;
        byte = address == 0x1FFF ? 0xD0 : 0x00;
        return true;
    };
    DecodedInsn across = decode(ByteFetcher(page), 0x1FFF);
    CHECK(across.status == DecodeStatus::fetch_failed);
    CHECK(across.fault_address == 0x2000);
    CHECK(fetches == 2);
}
