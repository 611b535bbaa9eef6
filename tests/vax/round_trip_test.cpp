// assemble -> decode -> disassemble for every opcode of the table, with operands that cycle
// through every addressing mode each operand type allows; the disassembly must be the source
// text again, and must assemble to the same bytes (in both disassembly styles).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "isa/vax/assembler.h"
#include "isa/vax/decoder.h"
#include "isa/vax/disassembler.h"

using namespace trapeze::vax;

namespace {

constexpr uint32_t kOrigin = 0x10000;

// An immediate of the operand's size, written as the disassembler prints it.
std::string immediate_for(DataType type) {
    switch (data_size(type)) {
    case 1: return "I^#0x7f";
    case 2: return "I^#0x1234";
    case 4: return is_floating(type) ? "I^#0x4080" : "I^#0x12345678";
    case 8: return is_floating(type) ? "I^#0x3e4080" : "I^#0x1122334455667788";
    default: return is_floating(type) ? "I^#0x4001" : "I^#0x11223344556677889900aabbccddeeff";
    }
}

// A register that holds the whole operand without reaching PC.
std::string register_for(DataType type) {
    switch (data_size(type)) {
    case 16: return "R4";
    case 8: return "R6";
    default: return "R7";
    }
}

// The operand texts an operand type allows, in the explicit disassembly style.
std::vector<std::string> operand_choices(OperandType type) {
    std::vector<std::string> choices;
    if (type.access == Access::read) {
        choices.push_back(is_floating(type.type) ? "S^#1.5" : "S^#5");
        choices.push_back(immediate_for(type.type));
    }
    if (type.access != Access::address) choices.push_back(register_for(type.type));
    for (const char* memory :
         {"(R2)", "-(R3)", "(R4)+", "@(R5)+", "@#0x20001000", "B^8(R7)", "@W^-0x100(R8)",
          "L^0x12345678(R9)", "@B^-4(AP)", "W^0x10100", "@L^0x20000000", "B^4(R3)[R4]",
          "(R2)[R11]", "@#0x1000[R1]", "-(SP)[R0]"}) {
        choices.push_back(memory);
    }
    return choices;
}

// Source text for one instruction of `row`; `variant` picks among the operand choices.
std::string instruction_text(const OpcodeInfo& row, int variant) {
    std::string text(row.mnemonic);
    for (int i = 0; i < row.operands.count; ++i) {
        const OperandType type = row.operands.types[i];
        std::string operand;
        if (type.access == Access::branch) {
            operand = "0x10000";  // back to the instruction itself: in reach of bb and bw
        } else {
            auto choices = operand_choices(type);
            operand = choices[static_cast<size_t>(variant * 7 + i * 3) % choices.size()];
        }
        text += i == 0 ? ' ' : ',';
        text += operand;
    }
    return text;
}

}  // namespace

TEST_CASE("every opcode round-trips through assembler, decoder and disassembler",
          "[round_trip]") {
    int checked = 0;
    for (const OpcodeInfo& row : kOpcodeTable) {
        for (int variant = 0; variant < 6; ++variant) {
            const std::string source = instruction_text(row, variant);
            CAPTURE(source);
            AssembledProgram program = assemble(source, kOrigin);
            INFO(program.error_text());
            REQUIRE(program.ok());

            DecodedInsn insn = decode(std::span<const uint8_t>(program.image), kOrigin);
            REQUIRE(insn.status == DecodeStatus::ok);
            CHECK(insn.issue == SpecifierIssue::none);
            CHECK(insn.info == &row);
            CHECK(insn.length == program.image.size());
            CHECK(insn.operand_count == row.operands.count);
            CHECK(disassemble(insn) == source);

            // The terse style must assemble to the same bytes too.
            const std::string terse = disassemble(insn, {.explicit_literals = false});
            CAPTURE(terse);
            AssembledProgram again = assemble(terse, kOrigin);
            INFO(again.error_text());
            REQUIRE(again.ok());
            CHECK(again.image == program.image);
            ++checked;
        }
    }
    CHECK(checked == static_cast<int>(kOpcodeCount) * 6);
}

TEST_CASE("a program of every opcode decodes linearly", "[round_trip]") {
    std::string source;
    for (const OpcodeInfo& row : kOpcodeTable) {
        std::string line = instruction_text(row, static_cast<int>(opcode_id(row)));
        if (row.operands.count > 0 && row.operands.types[0].access == Access::branch) {
            line = std::string(row.mnemonic) + " .";  // branch to itself wherever it is
        } else if (line.find("0x10000") != std::string::npos) {
            line = line.substr(0, line.rfind(',') + 1) + ".";
        }
        // A CASE with a literal limit is followed by its table of limit + 1 words.
        if (row.mnemonic.rfind("CASE", 0) == 0) {
            line = std::string(row.mnemonic) + " R0,R1,S^#5\n.WORD 0,0,0,0,0,0";
        }
        source += line + "\n";
    }
    AssembledProgram program = assemble(source, kOrigin);
    INFO(program.error_text());
    REQUIRE(program.ok());

    uint32_t address = kOrigin;
    const uint32_t end = kOrigin + static_cast<uint32_t>(program.image.size());
    size_t index = 0;
    auto fetch = [&](uint32_t at, uint8_t& byte) {
        if (at < kOrigin || at >= end) return false;
        byte = program.image[at - kOrigin];
        return true;
    };
    while (address < end) {
        DecodedInsn insn = decode(ByteFetcher(fetch), address);
        REQUIRE(insn.status == DecodeStatus::ok);
        REQUIRE(index < kOpcodeCount);
        CHECK(insn.info == &kOpcodeTable[index]);
        if (insn.info->mnemonic.rfind("CASE", 0) == 0) {
            CHECK(insn.case_table_known);
            CHECK(insn.case_table_entries == 6);
        }
        address = static_cast<uint32_t>(insn.next_address());
        ++index;
    }
    CHECK(index == kOpcodeCount);
    CHECK(address == end);
}

TEST_CASE("random encodings decode, print and assemble back to the same bytes", "[round_trip]") {
    // Whatever the decoder accepts without an issue, the disassembler prints in a form the
    // assembler turns back into exactly those bytes, in both styles. std::mt19937 is the same
    // sequence everywhere, so the cases are the same on every run.
    std::mt19937 random(20240521);
    int round_trips = 0;
    for (int iteration = 0; iteration < 20000; ++iteration) {
        std::vector<uint8_t> bytes(kMaxInstructionLength);
        for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random());
        const uint32_t address = (iteration & 1) ? static_cast<uint32_t>(random()) : kOrigin;
        DecodedInsn insn = decode(std::span<const uint8_t>(bytes), address);
        const std::string explicit_text = disassemble(insn);
        const std::string terse_text = disassemble(insn, {.explicit_literals = false});
        if (insn.status != DecodeStatus::ok || insn.issue != SpecifierIssue::none) continue;
        const std::vector<uint8_t> expected(bytes.begin(), bytes.begin() + insn.length);
        for (const std::string& text : {explicit_text, terse_text}) {
            AssembledProgram program = assemble(text, address);
            CAPTURE(text, address);
            INFO(program.error_text());
            REQUIRE(program.ok());
            REQUIRE(program.image == expected);
        }
        ++round_trips;
    }
    CHECK(round_trips > 10000);
}
