// The `microvax3900` board: a KA655 CPU (isa/vax) with RAM from physical 0, the console ROM
// at 0x20040000 (128 KB), the console serial line and interval clock as IPRs
// (devices/microvax), and the halt protocol. The only layer that knows both the VAX CPU and
// the devices. Enough for DEC's EHKAA diagnostic; the SSC, CMCTL, CQBIC and Q-bus devices the
// console ROM's self-test needs are not modelled yet (see docs/vax-cpu.md).
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cpu/physical_memory.h"
#include "cpu/run_result.h"
#include "isa/vax/board_interface.h"
#include "isa/vax/cpu.h"

namespace trapeze::devices::microvax {
class Console;
class IntervalTimer;
class RegisterFile;
class Ssc;
}  // namespace trapeze::devices::microvax

namespace trapeze::machines {

struct MicroVaxConfig {
    uint64_t ram_mb = 16;                                     // -m (1-64 MB on a real KA655)
    std::string rom_path;                                     // --rom: ka655x.bin
    std::vector<std::pair<std::string, uint32_t>> loads;      // --load FILE@ADDR
    std::optional<uint32_t> start;                            // --start ADDR (else the ROM)
    unsigned trace = 0;                                       // vax::VaxTrace flags (-d)
    std::string trace_file;                                   // -D
    uint64_t instructions_per_tick = 20000;                   // interval clock: 10 ms
    std::FILE* console_out = stdout;
    int console_in_fd = 0;                                    // console input (-1: none)
};

class MicroVax3900 final : public vax::VaxBoard {
public:
    // Throws std::runtime_error with a one-line message on bad configuration or files.
    explicit MicroVax3900(const MicroVaxConfig& cfg);
    ~MicroVax3900() override;
    cpu::RunResult run(uint64_t max_insns);
    vax::VaxCpu& cpu() { return *cpu_; }
    cpu::PhysicalMemory& memory() { return *mem_; }
    devices::microvax::Console& console() { return *console_; }

    // VaxBoard
    bool read_ipr(unsigned ipr, uint32_t& value) override;
    bool write_ipr(unsigned ipr, uint32_t value) override;
    unsigned pending_interrupt_level() override;
    uint32_t acknowledge_interrupt(unsigned level) override;
    bool halt(vax::HaltReason why, uint32_t pc, uint32_t psl) override;
    void advance(uint64_t instructions) override;

    static constexpr uint32_t kRomBase = 0x20040000;
    static constexpr uint32_t kRomSize = 0x20000;

private:
    MicroVaxConfig cfg_;
    std::unique_ptr<cpu::PhysicalMemory> mem_;
    std::unique_ptr<devices::microvax::Console> console_;
    std::unique_ptr<devices::microvax::IntervalTimer> timer_;
    std::unique_ptr<vax::VaxCpu> cpu_;
    // KA655 system registers the ROM touches, stored but not modelled (register_file.h).
    std::unique_ptr<devices::microvax::RegisterFile> cqbic_, cmctl_, qbus_map_, ka_regs_, ipcr_;
    std::unique_ptr<devices::microvax::Ssc> ssc_;
    std::FILE* trace_file_ = nullptr;
    uint32_t savpc_ = 0, savpsl_ = 0, cadr_ = 0, mser_ = 0;
    void poll_console_input();
    std::vector<uint8_t> typeahead_;  // console input not yet delivered
    size_t typeahead_pos_ = 0;
    uint64_t input_delay_ = 0;
};

}  // namespace trapeze::machines
