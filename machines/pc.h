// The `pc` board: an i686-class PC. Wires the IA-32 CPU to memory, firmware and devices
// (the only layer that knows both the ISA and the devices).
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cpu/physical_memory.h"
#include "cpu/port_bus.h"
#include "cpu/run_result.h"
#include "cpu/virt_mode.h"
#include "isa/x86/cpu.h"
#include "isa/x86/monitor.h"

namespace trapeze::devices {
class DebugConsole;
class Pic8259Pair;
class Pit8254;
class Uart16550;
class Rtc146818;
class I8042;
class SystemControlPortA;
class PostCodePort;
class TimedDevice;
}

namespace trapeze::machines {

struct PcConfig {
    uint64_t ram_mb = 128;
    std::string bios_path;                 // -bios: 64 KB or 128 KB ROM image
    std::string kernel_path;               // -kernel: bzImage entered directly, no BIOS needed
    std::string initrd_path;               // -initrd
    std::string append;                    // -append: the kernel command line
    std::string debugcon = "";             // "", "stdio", "file:PATH", "null"
    bool log_unimp = false;                // -d unimp
    uint32_t trace = 0;                    // x86::TraceFlags
    std::string trace_file;                // -D
    const x86::CpuModel* model = nullptr;  // default: pentium2
    // Devices and time (docs/pc-devices.md).
    std::string serial = "stdio";          // -serial: COM1 to "stdio", "file:PATH" or "null"
    std::string rtc_base = "utc";          // -rtc base=: "utc" (host time at start) or a date
    int icount_shift = 3;                  // -icount: guest ns per instruction = 2^shift; -1: host time
    bool no_reboot = false;                // -no-reboot: a guest reset ends the run
    bool log_resets = true;                // say on stderr when a reset restarts the board
    cpu::VirtMode virt = cpu::VirtMode::kOff;  // --virt: off, trap or bt (docs/monitor.md)
};

class PcMachine {
public:
    // Throws std::runtime_error with a one-line message on bad configuration or files.
    explicit PcMachine(const PcConfig& cfg);
    ~PcMachine();
    cpu::RunResult run(uint64_t max_insns);
    x86::X86Cpu& cpu() { return *cpu_; }
    cpu::PhysicalMemory& memory() { return *mem_; }
    // Guest time in ns: instructions << icount_shift, or host time with -icount off.
    uint64_t now_ns() const;
    devices::Uart16550& serial() { return *uart_; }
    // The trap-and-emulate monitor under --virt=trap|bt, else nullptr.
    x86::X86Monitor* monitor() { return monitor_.get(); }

private:
    PcConfig cfg_;
    std::unique_ptr<cpu::PhysicalMemory> mem_;
    std::unique_ptr<cpu::PortBus> ports_;
    std::unique_ptr<x86::X86Cpu> cpu_;
    std::unique_ptr<x86::X86Monitor> monitor_;
    std::unique_ptr<x86::BlockRewriter> rewriter_;
    std::unique_ptr<devices::DebugConsole> debugcon_;
    std::FILE* debugcon_file_ = nullptr;
    std::FILE* trace_file_ = nullptr;
    std::FILE* log_ = stderr;

    // Devices, time and resets (machines/pc_devices.cpp).
    class MachineClock;
    class PicInterruptSource;
    void create_devices();
    void reset_board();
    void set_cmos_memory_size();
    void sync_devices();
    void poll_serial_input();
    void request_reset(const char* why);
    void update_a20();
    cpu::RunResult run_sliced(uint64_t max_insns);
    std::unique_ptr<MachineClock> clock_;
    std::unique_ptr<devices::Pic8259Pair> pic_;
    std::unique_ptr<PicInterruptSource> pic_source_;
    std::unique_ptr<devices::Pit8254> pit_;
    std::unique_ptr<devices::Uart16550> uart_;
    std::unique_ptr<devices::Rtc146818> rtc_;
    std::unique_ptr<devices::I8042> kbc_;
    std::unique_ptr<devices::SystemControlPortA> port92_;
    std::unique_ptr<devices::PostCodePort> post_;
    std::vector<devices::TimedDevice*> timed_;
    std::FILE* serial_file_ = nullptr;
    int serial_input_fd_ = -1;             // -serial stdio: host stdin, until EOF
    uint64_t slice_end_ns_ = 0;            // the current CPU slice runs up to this guest time
    std::string reset_reason_;
};

// Reads a whole file; throws std::runtime_error("PATH: reason") on failure.
std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes);

}  // namespace trapeze::machines
