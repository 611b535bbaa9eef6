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
#include "isa/x86/cpu.h"

namespace trapeze::devices {
class DebugConsole;
}

namespace trapeze::machines {

struct PcConfig {
    uint64_t ram_mb = 128;
    std::string bios_path;                 // -bios: 64 KB or 128 KB ROM image
    std::string debugcon = "";             // "", "stdio", "file:PATH", "null"
    bool log_unimp = false;                // -d unimp
    uint32_t trace = 0;                    // x86::TraceFlags
    std::string trace_file;                // -D
    const x86::CpuModel* model = nullptr;  // default: pentium2
};

class PcMachine {
public:
    // Throws std::runtime_error with a one-line message on bad configuration or files.
    explicit PcMachine(const PcConfig& cfg);
    ~PcMachine();
    cpu::RunResult run(uint64_t max_insns);
    x86::X86Cpu& cpu() { return *cpu_; }
    cpu::PhysicalMemory& memory() { return *mem_; }

private:
    PcConfig cfg_;
    std::unique_ptr<cpu::PhysicalMemory> mem_;
    std::unique_ptr<cpu::PortBus> ports_;
    std::unique_ptr<x86::X86Cpu> cpu_;
    std::unique_ptr<devices::DebugConsole> debugcon_;
    std::FILE* debugcon_file_ = nullptr;
    std::FILE* trace_file_ = nullptr;
    std::FILE* log_ = stderr;
};

// Reads a whole file; throws std::runtime_error("PATH: reason") on failure.
std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes);

}  // namespace trapeze::machines
