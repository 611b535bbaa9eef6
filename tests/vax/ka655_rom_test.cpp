// Decoding real code: the KA655 console ROM (../shared/corpus/vax/ka655x.bin), mapped at
// physical 0x20040000. Its first instruction, the reset entry, branches over the ROM header to
// the start-up code at 0x20040024; from there the test disassembles 100 instructions linearly
// (skipping CASE tables) and checks instructions read by hand from the ROM's bytes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "isa/vax/assembler.h"
#include "isa/vax/decoder.h"
#include "isa/vax/disassembler.h"

using namespace trapeze::vax;

namespace {

constexpr uint32_t kRomBase = 0x20040000;
constexpr size_t kRomSize = 128 * 1024;

std::vector<uint8_t> read_rom() {
    const std::filesystem::path path =
        std::filesystem::path(TRAPEZE_SHARED_CORPUS) / "vax" / "ka655x.bin";
    std::ifstream file(path, std::ios::binary);
    if (!file) return {};
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {});
}

}  // namespace

TEST_CASE("the KA655 ROM start-up code decodes", "[ka655_rom]") {
    const std::vector<uint8_t> rom = read_rom();
    if (rom.empty()) {
        WARN("skipped: " TRAPEZE_SHARED_CORPUS "/vax/ka655x.bin is not there");
        return;
    }
    REQUIRE(rom.size() == kRomSize);
    auto fetch = [&](uint32_t address, uint8_t& byte) {
        if (address < kRomBase || address - kRomBase >= rom.size()) return false;
        byte = rom[address - kRomBase];
        return true;
    };

    // Reset entry: 11 22 = BRB .+0x24.
    DecodedInsn entry = decode(ByteFetcher(fetch), kRomBase);
    REQUIRE(entry.status == DecodeStatus::ok);
    CHECK(disassemble(entry) == "BRB 0x20040024");

    std::map<uint32_t, std::string> text;
    std::map<uint32_t, DecodedInsn> decoded;
    uint32_t address = entry.operands[0].address;
    for (int count = 0; count < 100; ++count) {
        DecodedInsn insn = decode(ByteFetcher(fetch), address);
        CAPTURE(address);
        REQUIRE(insn.status == DecodeStatus::ok);
        CHECK(insn.issue == SpecifierIssue::none);
        text[address] = disassemble(insn);
        decoded[address] = insn;

        // The text assembles back to the ROM's own bytes.
        AssembledProgram again = assemble(text[address], address);
        INFO(text[address] << "\n" << again.error_text());
        REQUIRE(again.ok());
        CHECK(again.image == std::vector<uint8_t>(rom.begin() + (address - kRomBase),
                                                  rom.begin() + (address - kRomBase) +
                                                      insn.length));
        address = static_cast<uint32_t>(insn.next_address());
    }

    // d0 8f 00 00 14 20 9f 00 00 14 20: the SSC base address register gets its own address.
    CHECK(text[0x20040024] == "MOVL I^#0x20140000,@#0x20140000");
    CHECK(decoded[0x20040024].length == 11);
    // db 2a a1 44: MFPR SAVPC (IPR 42), the PC saved at the halt, into the console's area.
    CHECK(text[0x2004004F] == "MFPR S^#42,B^0x44(R1)");
    CHECK(decoded[0x2004004F].info->pg_class == PgClass::privileged);
    // ed 08 06 50 02 / 13 03 / 31 0c 01: CMPZV, BEQL, BRW.
    CHECK(text[0x20040065] == "CMPZV S^#8,S^#6,R0,S^#2");
    CHECK(text[0x2004006A] == "BEQL 0x2004006f");
    CHECK(text[0x2004006C] == "BRW 0x2004017b");
    // 8f 9f 05 00 04 20 01 02 + three words: CASEB on a ROM header byte, then a HALT for the
    // out-of-range case; the three targets are the MOVLs that load delay counts.
    const DecodedInsn& caseb = decoded[0x20040080];
    CHECK(text[0x20040080] == "CASEB @#0x20040005,S^#1,S^#2");
    CHECK(caseb.case_table_known);
    CHECK(caseb.case_table_entries == 3);
    CHECK(caseb.next_address() == 0x2004008E);
    CHECK(text[0x2004008E] == "HALT");
    for (uint32_t target : {0x2004008Fu, 0x20040098u, 0x200400A1u}) {
        CAPTURE(target);
        CHECK(text[target].rfind("MOVL I^#", 0) == 0);
    }
    // f5 50 fd: a delay loop.
    CHECK(text[0x200400A8] == "SOBGTR R0,0x200400a8");
    CHECK(text[0x200400AB] == "JMP @#0x200600b1");
    CHECK(text[0x20040182] == "MOVQ R2,B^8(R1)");
    CHECK(text[0x200401A7] == "BICL3 I^#0xff00,B^0x48(R1),B^0x40(R1)");
}
