// libFuzzer target: the PC's firmware loader (`trapeze run pc -bios FILE`, PcMachine's
// constructor in machines/pc.cpp: the file read, the 64 KB / 128 KB size check, the ROM below
// 1 MB and its alias under 4 GB), then the ROM run as guest code for 500 to 5,000
// instructions from the reset vector, with the whole board (PIC, PIT, COM1, RTC, i8042, ports
// 0x80/0x92).
//
// Input: a mode byte, a fill byte, a settings byte, then the ROM bytes.
//   mode % 4 == 0: the ROM file is the bytes as they are (any size: mostly the size error);
//   1 and 2: a 64 KB or 128 KB ROM of the fill byte with the bytes at its end, so that the
//            reset vector (F000:FFF0, the last 16 bytes) and the code before it are the input;
//   3: a 64 KB ROM of the bytes repeated, so that far jumps anywhere in the ROM land on them.
// The settings byte picks the RAM size (1, 2, 4 or 16 MB), the CPU model (i386, pentium,
// pentium2), --virt (off, trap, bt) and the instruction limit (500, 1,000, 2,000 or 5,000: an
// instruction costs some 30 us to decode under ASan and coverage, so long runs are a
// minority choice and the fuzzer still gets tens of runs a second).
// Anything but the loader's one-line std::runtime_error, a sanitizer report, or a run that
// does not stop within its instruction limit is a finding.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "isa/x86/cpu_model.h"
#include "machines/pc.h"
#include "tests/libfuzzer/fuzz_input_file.h"

using namespace trapeze;

namespace {
constexpr size_t kHeader = 3;
constexpr std::array<uint64_t, 4> kMaxInsns = {500, 1000, 2000, 5000};
constexpr std::array<uint64_t, 4> kRamMb = {1, 2, 4, 16};
constexpr std::array<const char*, 3> kModels = {"i386", "pentium", "pentium2"};
constexpr std::array<cpu::VirtMode, 3> kVirt = {cpu::VirtMode::kOff, cpu::VirtMode::kTrap, cpu::VirtMode::kBt};


std::vector<uint8_t> rom_image(uint8_t mode, uint8_t fill, const uint8_t* bytes, size_t n) {
    switch (mode % 4) {
    case 0: return {bytes, bytes + n};
    case 1:
    case 2: {
        std::vector<uint8_t> rom(mode % 4 == 1 ? 0x10000 : 0x20000, fill);
        const size_t take = std::min(n, rom.size());
        std::copy(bytes + n - take, bytes + n, rom.end() - static_cast<std::ptrdiff_t>(take));
        return rom;
    }
    default: {
        std::vector<uint8_t> rom(0x10000, fill);
        for (size_t i = 0; n && i < rom.size(); ++i) rom[i] = bytes[i % n];
        return rom;
    }
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kHeader) return 0;
    const std::string& path = fuzz::input_file_path("trapeze-pc-rom-fuzz-");
    const std::vector<uint8_t> rom = rom_image(data[0], data[1], data + kHeader, size - kHeader);
    fuzz::write_input_file(path, rom.data(), rom.size());

    const uint8_t settings = data[2];
    machines::PcConfig cfg;
    cfg.bios_path = path;
    cfg.ram_mb = kRamMb[settings & 3];
    cfg.model = *x86::find_model(kModels[((settings >> 2) & 3) % kModels.size()]);
    cfg.virt = kVirt[((settings >> 4) & 3) % kVirt.size()];
    cfg.serial = "null";
    cfg.debugcon = "null";
    cfg.rtc_base = "2024-01-01";  // no host time: a run depends on the input alone
    cfg.no_reboot = true;         // a guest reset ends the run instead of restarting the ROM
    cfg.log_resets = false;
    const uint64_t max_insns = kMaxInsns[settings >> 6];
    try {
        machines::PcMachine pc(cfg);
        const cpu::RunResult r = pc.run(max_insns);
        // Every stop is a legitimate outcome of random code (limit, halt, triple fault, an
        // instruction trapeze does not implement), but not running on past the limit.
        if (r.reason == cpu::StopReason::kRunning || r.instructions > max_insns) __builtin_trap();
        // Stop messages are one line, but for the triple-fault report: its first line says
        // what happened and the lines after it are the CPU state (X86Cpu::describe_state),
        // which `trapeze run` prints with it (tests/cli: triple_fault_reports_state).
        const size_t nl = r.message.find('\n');
        const bool triple_fault_report = r.reason == cpu::StopReason::kShutdown &&
                                         r.message.rfind("triple fault at ", 0) == 0 &&
                                         r.message.find("EAX=", nl) != std::string::npos;
        if (nl != std::string::npos && !triple_fault_report) __builtin_trap();
    } catch (const std::runtime_error& e) {
        // The loader's rejection (size, unreadable file): one line for the user.
        if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();
    }
    return 0;
}
