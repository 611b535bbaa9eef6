// The instruction table (isa/vax/opcodes.inc): its size, its look-ups and the facts of the
// Popek-Goldberg and KA655 columns.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "isa/vax/opcode_table.h"

using namespace trapeze::vax;

namespace {

std::set<std::string> mnemonics_where(auto predicate) {
    std::set<std::string> names;
    for (const OpcodeInfo& row : kOpcodeTable) {
        if (predicate(row)) names.insert(std::string(row.mnemonic));
    }
    return names;
}

bool has_extended_operand(const OpcodeInfo& row) {
    for (OperandType type : row.operand_types()) {
        if (type.type == DataType::h_float || type.type == DataType::octaword) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("opcode table covers the whole VAX instruction set", "[opcode_table]") {
    int one_byte = 0, two_byte = 0;
    for (const OpcodeInfo& row : kOpcodeTable) (row.is_two_byte() ? two_byte : one_byte)++;
    // 256 one-byte values less 0x57, 0x59-0x5B, 0x77 (reserved) and 0xFD-0xFF (escapes).
    CHECK(one_byte == 248);
    // CVTDH, CVTGF; G 0xFD40-0xFD56 (23); H 0xFD60-0xFD76 (23); CLRO/MOVO/MOVAO/PUSHAO;
    // CVTFH, CVTFG, CVTHF, CVTHD.
    CHECK(two_byte == 56);
    CHECK(kOpcodeCount == 304);

    for (uint16_t value : {0x57, 0x59, 0x5A, 0x5B, 0x77, 0xFD, 0xFE, 0xFF, 0xFD00, 0xFD31,
                           0xFD57, 0xFD77, 0xFD80, 0xFDFF, 0x1FF}) {
        CAPTURE(value);
        CHECK(find_opcode(static_cast<uint16_t>(value)) == nullptr);
    }
    for (const OpcodeInfo& row : kOpcodeTable) {
        CAPTURE(row.mnemonic);
        CHECK(find_opcode(row.value) == &row);
        CHECK(find_opcode(row.mnemonic) == &row);
        CHECK(&opcode_info(opcode_id(row)) == &row);
    }
}

TEST_CASE("opcode rows carry the VAX ARM operand types", "[opcode_table]") {
    const OpcodeInfo* addl3 = find_opcode(uint16_t{0xC1});
    REQUIRE(addl3 != nullptr);
    CHECK(addl3->mnemonic == "ADDL3");
    using namespace operand_tokens;
    REQUIRE(addl3->operands.count == 3);
    CHECK(addl3->operands.types[0] == RL);
    CHECK(addl3->operands.types[1] == RL);
    CHECK(addl3->operands.types[2] == WL);

    const OpcodeInfo* cvtgf = find_opcode(uint16_t{0xFD33});
    REQUIRE(cvtgf != nullptr);
    CHECK(cvtgf->mnemonic == "CVTGF");
    CHECK(cvtgf->operands.types[0] == RG);
    CHECK(cvtgf->operands.types[1] == WF);  // binutils' table says wh; the VAX ARM says wf
    CHECK(cvtgf->opcode_length() == 2);

    const OpcodeInfo& emodg = opcode_info(OpcodeId::EMODG);
    CHECK(emodg.value == 0xFD54);
    CHECK(emodg.operands.types[1] == RW);  // the extension is a word for G and H...
    CHECK(opcode_info(OpcodeId::EMODF).operands.types[1] == RB);  // ...a byte for F and D

    CHECK(opcode_info(OpcodeId::BBSSI).operands.types[1] == VB);
    CHECK(opcode_info(OpcodeId::BBSSI).operands.types[2] == BB);
    CHECK(opcode_info(OpcodeId::ACBL).operands.types[3] == BW);
    CHECK(opcode_info(OpcodeId::INDEX).operands.count == 6);
    CHECK(opcode_info(OpcodeId::HALT).operands.count == 0);
    CHECK(opcode_info(OpcodeId::XFC).value == 0xFC);
    CHECK(opcode_info(OpcodeId::CVTHD).value == 0xFDF7);
}

TEST_CASE("mnemonic look-up accepts aliases in any case", "[opcode_table]") {
    CHECK(find_opcode("addl3") == &opcode_info(OpcodeId::ADDL3));
    CHECK(find_opcode("BNEQU") == &opcode_info(OpcodeId::BNEQ));
    CHECK(find_opcode("bcs") == &opcode_info(OpcodeId::BLSSU));
    CHECK(find_opcode("CLRF") == &opcode_info(OpcodeId::CLRL));
    CHECK(find_opcode("clrd") == &opcode_info(OpcodeId::CLRQ));
    CHECK(find_opcode("MOVAH") == &opcode_info(OpcodeId::MOVAO));
    CHECK(find_opcode("PUSHAF") == &opcode_info(OpcodeId::PUSHAL));
    CHECK(find_opcode("NOSUCH") == nullptr);
    CHECK(find_opcode("") == nullptr);
    for (const OpcodeAlias& alias : opcode_aliases()) {
        CAPTURE(alias.alias);
        CHECK(find_opcode(alias.mnemonic) != nullptr);
        CHECK(find_opcode(alias.alias) == find_opcode(alias.mnemonic));
    }
}

TEST_CASE("the Popek-Goldberg column follows the VAX virtualization reference", "[opcode_table]") {
    CHECK(mnemonics_where([](const OpcodeInfo& row) {
              return row.pg_class == PgClass::privileged;
          }) == std::set<std::string>{"HALT", "LDPCTX", "SVPCTX", "MTPR", "MFPR"});
    CHECK(mnemonics_where([](const OpcodeInfo& row) {
              return row.pg_class == PgClass::sensitive;
          }) == std::set<std::string>{"MOVPSL", "PROBER", "PROBEW", "REI", "CHMK", "CHME",
                                      "CHMS", "CHMU"});
    // Innocuous rows have no sensitivity; the others have some.
    for (const OpcodeInfo& row : kOpcodeTable) {
        CAPTURE(row.mnemonic);
        CHECK((row.pg_class == PgClass::innocuous) == (row.sensitivity == Sensitivity::none));
    }
    CHECK(opcode_info(OpcodeId::MOVPSL).sensitivity == Sensitivity::mode);
    CHECK(opcode_info(OpcodeId::REI).sensitivity == (Sensitivity::mode | Sensitivity::control));
    CHECK(to_string(opcode_info(OpcodeId::REI).sensitivity) == "mode|control");
    CHECK(to_string(Sensitivity::none) == "none");
    CHECK(to_string(PgClass::privileged) == "privileged");
}

TEST_CASE("the KA655 column: microcode, emulated, reserved", "[opcode_table]") {
    // The MicroVAX subset leaves the decimal group, EDITPC, CRC, MOVTC, MOVTUC and MATCHC to
    // software emulation.
    CHECK(mnemonics_where([](const OpcodeInfo& row) {
              return row.ka655 == Ka655Implementation::emulated;
          }) == std::set<std::string>{"CVTPS", "CVTSP", "CRC", "ADDP4", "ADDP6", "SUBP4",
                                      "SUBP6", "CVTPT", "MULP", "CVTTP", "DIVP", "MOVTC",
                                      "MOVTUC", "MOVP", "CMPP3", "CVTPL", "CMPP4", "EDITPC",
                                      "MATCHC", "ASHP", "CVTLP"});
    // H_floating and octaword: exactly the rows with an H or octaword operand are reserved.
    for (const OpcodeInfo& row : kOpcodeTable) {
        CAPTURE(row.mnemonic);
        CHECK((row.ka655 == Ka655Implementation::reserved) == has_extended_operand(row));
    }
    for (OpcodeId id : {OpcodeId::MOVC3, OpcodeId::MOVC5, OpcodeId::CMPC3, OpcodeId::CMPC5,
                        OpcodeId::LOCC, OpcodeId::SKPC, OpcodeId::SCANC, OpcodeId::SPANC,
                        OpcodeId::ACBF, OpcodeId::POLYD, OpcodeId::EMODG, OpcodeId::CVTFG,
                        OpcodeId::CVTGF}) {
        CAPTURE(opcode_info(id).mnemonic);
        CHECK(opcode_info(id).ka655 == Ka655Implementation::microcode);
    }
    CHECK(opcode_info(OpcodeId::CVTDH).ka655 == Ka655Implementation::reserved);
    CHECK(to_string(Ka655Implementation::emulated) == "emulated");
}

TEST_CASE("opcode values match the VAX ARM opcode map", "[opcode_table]") {
    // The one-byte opcode map, 0x00 to 0xFF in order, "-" for reserved values and the escapes;
    // written independently of opcodes.inc so that a mistyped value in a row shows up here.
    const char* const one_byte_map[256] = {
        "HALT", "NOP", "REI", "BPT", "RET", "RSB", "LDPCTX", "SVPCTX",
        "CVTPS", "CVTSP", "INDEX", "CRC", "PROBER", "PROBEW", "INSQUE", "REMQUE",
        "BSBB", "BRB", "BNEQ", "BEQL", "BGTR", "BLEQ", "JSB", "JMP",
        "BGEQ", "BLSS", "BGTRU", "BLEQU", "BVC", "BVS", "BGEQU", "BLSSU",
        "ADDP4", "ADDP6", "SUBP4", "SUBP6", "CVTPT", "MULP", "CVTTP", "DIVP",
        "MOVC3", "CMPC3", "SCANC", "SPANC", "MOVC5", "CMPC5", "MOVTC", "MOVTUC",
        "BSBW", "BRW", "CVTWL", "CVTWB", "MOVP", "CMPP3", "CVTPL", "CMPP4",
        "EDITPC", "MATCHC", "LOCC", "SKPC", "MOVZWL", "ACBW", "MOVAW", "PUSHAW",
        "ADDF2", "ADDF3", "SUBF2", "SUBF3", "MULF2", "MULF3", "DIVF2", "DIVF3",
        "CVTFB", "CVTFW", "CVTFL", "CVTRFL", "CVTBF", "CVTWF", "CVTLF", "ACBF",
        "MOVF", "CMPF", "MNEGF", "TSTF", "EMODF", "POLYF", "CVTFD", "-",
        "ADAWI", "-", "-", "-", "INSQHI", "INSQTI", "REMQHI", "REMQTI",
        "ADDD2", "ADDD3", "SUBD2", "SUBD3", "MULD2", "MULD3", "DIVD2", "DIVD3",
        "CVTDB", "CVTDW", "CVTDL", "CVTRDL", "CVTBD", "CVTWD", "CVTLD", "ACBD",
        "MOVD", "CMPD", "MNEGD", "TSTD", "EMODD", "POLYD", "CVTDF", "-",
        "ASHL", "ASHQ", "EMUL", "EDIV", "CLRQ", "MOVQ", "MOVAQ", "PUSHAQ",
        "ADDB2", "ADDB3", "SUBB2", "SUBB3", "MULB2", "MULB3", "DIVB2", "DIVB3",
        "BISB2", "BISB3", "BICB2", "BICB3", "XORB2", "XORB3", "MNEGB", "CASEB",
        "MOVB", "CMPB", "MCOMB", "BITB", "CLRB", "TSTB", "INCB", "DECB",
        "CVTBL", "CVTBW", "MOVZBL", "MOVZBW", "ROTL", "ACBB", "MOVAB", "PUSHAB",
        "ADDW2", "ADDW3", "SUBW2", "SUBW3", "MULW2", "MULW3", "DIVW2", "DIVW3",
        "BISW2", "BISW3", "BICW2", "BICW3", "XORW2", "XORW3", "MNEGW", "CASEW",
        "MOVW", "CMPW", "MCOMW", "BITW", "CLRW", "TSTW", "INCW", "DECW",
        "BISPSW", "BICPSW", "POPR", "PUSHR", "CHMK", "CHME", "CHMS", "CHMU",
        "ADDL2", "ADDL3", "SUBL2", "SUBL3", "MULL2", "MULL3", "DIVL2", "DIVL3",
        "BISL2", "BISL3", "BICL2", "BICL3", "XORL2", "XORL3", "MNEGL", "CASEL",
        "MOVL", "CMPL", "MCOML", "BITL", "CLRL", "TSTL", "INCL", "DECL",
        "ADWC", "SBWC", "MTPR", "MFPR", "MOVPSL", "PUSHL", "MOVAL", "PUSHAL",
        "BBS", "BBC", "BBSS", "BBCS", "BBSC", "BBCC", "BBSSI", "BBCCI",
        "BLBS", "BLBC", "FFS", "FFC", "CMPV", "CMPZV", "EXTV", "EXTZV",
        "INSV", "ACBL", "AOBLSS", "AOBLEQ", "SOBGEQ", "SOBGTR", "CVTLB", "CVTLW",
        "ASHP", "CVTLP", "CALLG", "CALLS", "XFC", "-", "-", "-",
    };
    for (int value = 0; value < 256; ++value) {
        CAPTURE(value);
        const OpcodeInfo* row = find_opcode(static_cast<uint16_t>(value));
        CHECK((row ? std::string(row->mnemonic) : std::string("-")) == one_byte_map[value]);
    }

    // The 0xFD page: its defined second bytes and their names.
    const std::pair<uint8_t, const char*> two_byte_map[] = {
        {0x32, "CVTDH"}, {0x33, "CVTGF"},
        {0x40, "ADDG2"}, {0x41, "ADDG3"}, {0x42, "SUBG2"}, {0x43, "SUBG3"},
        {0x44, "MULG2"}, {0x45, "MULG3"}, {0x46, "DIVG2"}, {0x47, "DIVG3"},
        {0x48, "CVTGB"}, {0x49, "CVTGW"}, {0x4A, "CVTGL"}, {0x4B, "CVTRGL"},
        {0x4C, "CVTBG"}, {0x4D, "CVTWG"}, {0x4E, "CVTLG"}, {0x4F, "ACBG"},
        {0x50, "MOVG"}, {0x51, "CMPG"}, {0x52, "MNEGG"}, {0x53, "TSTG"},
        {0x54, "EMODG"}, {0x55, "POLYG"}, {0x56, "CVTGH"},
        {0x60, "ADDH2"}, {0x61, "ADDH3"}, {0x62, "SUBH2"}, {0x63, "SUBH3"},
        {0x64, "MULH2"}, {0x65, "MULH3"}, {0x66, "DIVH2"}, {0x67, "DIVH3"},
        {0x68, "CVTHB"}, {0x69, "CVTHW"}, {0x6A, "CVTHL"}, {0x6B, "CVTRHL"},
        {0x6C, "CVTBH"}, {0x6D, "CVTWH"}, {0x6E, "CVTLH"}, {0x6F, "ACBH"},
        {0x70, "MOVH"}, {0x71, "CMPH"}, {0x72, "MNEGH"}, {0x73, "TSTH"},
        {0x74, "EMODH"}, {0x75, "POLYH"}, {0x76, "CVTHG"},
        {0x7C, "CLRO"}, {0x7D, "MOVO"}, {0x7E, "MOVAO"}, {0x7F, "PUSHAO"},
        {0x98, "CVTFH"}, {0x99, "CVTFG"}, {0xF6, "CVTHF"}, {0xF7, "CVTHD"},
    };
    std::set<int> defined;
    for (const auto& [second, name] : two_byte_map) {
        CAPTURE(name);
        const OpcodeInfo* row = find_opcode(static_cast<uint16_t>(0xFD00 | second));
        REQUIRE(row != nullptr);
        CHECK(row->mnemonic == name);
        defined.insert(second);
    }
    for (int second = 0; second < 256; ++second) {
        if (defined.count(second) == 0) {
            CAPTURE(second);
            CHECK(find_opcode(static_cast<uint16_t>(0xFD00 | second)) == nullptr);
        }
    }
}
