// The MicroVAX 3900 board: console output through TXDB, the interval clock interrupt, the halt
// message; and the context-switch and queue instructions.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "devices/microvax/console.h"
#include "isa/vax/assembler.h"
#include "machines/microvax3900.h"
#include "tests/vax/cpu_test_support.h"

using namespace trapeze;
using namespace trapeze::vax;

namespace {

// Assemble `source` at 0x1000 into a temporary file and build a board that loads it there.
struct Board {
    std::FILE* out = std::tmpfile();
    std::string image_path;
    std::unique_ptr<machines::MicroVax3900> vax;

    explicit Board(const std::string& source) {
        AssembledProgram p = assemble(source, 0x1000);
        INFO(p.error_text());
        REQUIRE(p.ok());
        char name[] = "/tmp/trapeze-vax-test-XXXXXX";
        int fd = mkstemp(name);
        REQUIRE(fd >= 0);
        image_path = name;
        std::FILE* f = fdopen(fd, "wb");
        std::fwrite(p.image.data(), 1, p.image.size(), f);
        std::fclose(f);
        machines::MicroVaxConfig cfg;
        cfg.ram_mb = 1;
        cfg.loads.emplace_back(image_path, 0x1000);
        cfg.start = 0x1000;
        cfg.console_out = out;
        cfg.console_in_fd = -1;
        cfg.instructions_per_tick = 1000;
        vax = std::make_unique<machines::MicroVax3900>(cfg);
    }
    ~Board() {
        std::remove(image_path.c_str());
        std::fclose(out);
    }
    std::string output() {
        std::fflush(out);
        std::rewind(out);
        std::string s;
        int c;
        while ((c = std::fgetc(out)) != EOF) s += static_cast<char>(c);
        return s;
    }
};

}  // namespace

TEST_CASE("the console prints TXDB and a HALT ends the run with its PC", "[microvax]") {
    Board b(R"(
        MOVAB MSG,R1
    10$: MFPR #34,R0          ; TXCS
        BBC #7,R0,10$          ; wait for ready
        MOVZBL (R1)+,R0
        BEQL 20$
        MTPR R0,#35            ; TXDB
        BRB 10$
    20$: HALT
    MSG: .ASCIZ "OK"<13><10>)");
    cpu::RunResult r = b.vax->run(10000);
    CHECK(r.reason == cpu::StopReason::kGuestHalt);
    CHECK(r.message == fmt::format("HALT at PC 0x{:08X}", b.vax->cpu().r[kPC]));
    CHECK(b.output() == "OK\r\n");
}

TEST_CASE("the interval clock interrupts at IPL 0x16 through SCB vector 0xC0", "[microvax]") {
    Board b(R"(
        MOVAL SCB,R0
        MTPR R0,#17            ; SCBB
        MOVAL STACK,SP
        MOVAL TICK,0xC0(R0)
        MTPR #0x40,#24         ; ICCS: interrupt enable
        MTPR #0,#18            ; IPL 0
        CLRL R2
    10$: BRB 10$
        .ALIGN LONG            ; SCB vectors: <1:0> select the stack
    TICK: MFPR #18,R3
        HALT
        .ALIGN PAGE
    SCB: .BLKB 512
        .BLKB 256
    STACK:)");
    cpu::RunResult r = b.vax->run(100000);
    REQUIRE(r.reason == cpu::StopReason::kGuestHalt);
    CHECK(b.vax->cpu().r[3] == 0x16);
}

TEST_CASE("SVPCTX and LDPCTX save and load the process context", "[cpu][context]") {
    test::Machine m;
    m.cpu.pcbb = 0x3000;
    // PCB to load: KSP 0x7000, USP 0x6000, R0..R13 = 0x100 + n, PC 0x2222, PSL user mode.
    m.mem.write(0x3000, 4, 0x7000);
    m.mem.write(0x300C, 4, 0x6000);
    for (uint32_t i = 0; i < 14; ++i) m.mem.write(0x3010 + 4 * i, 4, 0x100 + i);
    m.mem.write(0x3048, 4, 0x2222);
    m.mem.write(0x304C, 4, 0x03C00000);
    m.mem.write(0x3054, 4, 3u << 24);  // ASTLVL 3 in P0LR<26:24>
    m.exec(" LDPCTX");
    CHECK(m.cpu.r[5] == 0x105);
    CHECK(m.cpu.r[kFP] == 0x10D);
    CHECK(m.cpu.astlvl == 3);
    CHECK_FALSE(m.cpu.on_interrupt_stack());      // LDPCTX switches to the kernel stack
    CHECK(m.cpu.r[kSP] == 0x7000 - 8);            // with the PCB's PC and PSL on it
    CHECK(m.read32(0x7000 - 8) == 0x2222);
    CHECK(m.read32(0x7000 - 4) == 0x03C00000);
    CHECK(m.cpu.stack[4] == test::kStack);               // ISP saved
}

TEST_CASE("absolute and self-relative queues", "[cpu][queue]") {
    test::Machine m;
    m.exec(R"(
        MOVAL HDR,R0
        MOVL R0,(R0)
        MOVL R0,4(R0)
        INSQUE E1,HDR          ; first entry: Z
        MOVPSL R6
        INSQUE E2,E1
        REMQUE E1,R7
        MOVPSL R8
        INSQHI Q1,QH
        MOVPSL R9
        INSQTI Q2,QH
        REMQHI QH,R10
        REMQHI QH,R11
        REMQHI QH,AP           ; empty: V
        MOVPSL FP
        BRW DONE
        .ALIGN QUAD
    HDR: .LONG 0,0
    E1:  .LONG 0,0
    E2:  .LONG 0,0
    QH:  .LONG 0,0
    Q1:  .LONG 0,0
    Q2:  .LONG 0,0
    DONE:)");
    REQUIRE(m.vector_taken() == -1);
    CHECK((m.cpu.r[6] & psl::Z) != 0);
    CHECK(m.cpu.r[7] == m.symbol("E1"));
    CHECK(m.read32(m.symbol("HDR")) == m.symbol("E2"));
    CHECK((m.cpu.r[9] & psl::Z) != 0);
    CHECK(m.cpu.r[10] == m.symbol("Q1"));
    CHECK(m.cpu.r[11] == m.symbol("Q2"));
    CHECK(m.cpu.r[kAP] == m.symbol("QH"));
    CHECK((m.cpu.r[kFP] & psl::V) != 0);
    CHECK(m.read32(m.symbol("QH")) == 0);
}

TEST_CASE("the console ROM reaches >>> and answers SHOW QBUS typed at the prompt", "[microvax][rom]") {
    const std::string rom = std::string(TRAPEZE_SHARED_CORPUS) + "/vax/ka655x.bin";
    if (std::FILE* f = std::fopen(rom.c_str(), "rb")) {
        std::fclose(f);
    } else {
        WARN("skipped: " << rom << " is absent");
        return;
    }
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const char input[] = "SHOW QBUS\r";
    REQUIRE(write(fds[1], input, sizeof input - 1) == static_cast<ssize_t>(sizeof input - 1));
    close(fds[1]);  // end of input after the command
    std::FILE* out = std::tmpfile();
    machines::MicroVaxConfig cfg;
    cfg.rom_path = rom;
    cfg.console_out = out;
    cfg.console_in_fd = fds[0];
    {
        machines::MicroVax3900 vax(cfg);
        vax.run(20000000);
    }
    close(fds[0]);
    std::rewind(out);
    std::string s;
    for (int c; (c = std::fgetc(out)) != EOF;) s += static_cast<char>(c);
    std::fclose(out);
    CHECK(s.find("KA655-B V5.3, VMB 2.7") != std::string::npos);
    CHECK(s.find("Performing normal system tests.") != std::string::npos);
    CHECK(s.find(">>>SHOW QBUS") != std::string::npos);
    CHECK(s.find("Scan of Qbus I/O Space") != std::string::npos);
}

// Found while extending vax_image_fuzzer to --nvram (LeakSanitizer does not see it: glibc keeps
// every open FILE on a list): the board checked that the NVRAM file exists by opening it, and
// a file the loader then refused (larger than 1 KB, a directory) left that FILE and its
// descriptor open, one per attempt.
TEST_CASE("a refused --nvram file leaves no descriptor open", "[microvax][nvram]") {
    const std::string dir = fmt::format("/tmp/trapeze-vax-nvram-{}", ::getpid());
    std::filesystem::create_directory(dir);
    const std::string rom = dir + "/rom", nvram = dir + "/nvram";
    std::ofstream(rom, std::ios::binary) << std::string(machines::MicroVax3900::kRomSize, '\0');
    std::ofstream(nvram, std::ios::binary) << std::string(2000, 'x');
    auto open_descriptors = [] {
        return std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator{});
    };
    machines::MicroVaxConfig cfg;
    cfg.rom_path = rom;
    cfg.console_in_fd = -1;
    const auto before = open_descriptors();
    for (const std::string& bad : {nvram, dir}) {
        cfg.nvram_path = bad;
        CHECK_THROWS_WITH(machines::MicroVax3900(cfg), Catch::StartsWith(bad + ": "));
    }
    CHECK(open_descriptors() == before);
    std::filesystem::remove_all(dir);
}
