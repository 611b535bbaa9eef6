#include "machines/pc.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "devices/pc/debug_console.h"
#include "machines/pc_devices.h"
#include "machines/linux_boot.h"
#include "binary_translate/rewrite_sensitive.h"

namespace trapeze::machines {

std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw std::runtime_error(fmt::format("{}: is a directory, expected a file", path));
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
    f.seekg(0, std::ios::end);
    auto size = static_cast<size_t>(f.tellg());
    if (size > max_bytes)
        throw std::runtime_error(fmt::format("{}: too large ({} bytes, at most {})", path, size, max_bytes));
    f.seekg(0);
    std::vector<uint8_t> data(size);
    if (size && !f.read(reinterpret_cast<char*>(data.data()), std::streamsize(size)))
        throw std::runtime_error(fmt::format("{}: read error", path));
    return data;
}

PcMachine::PcMachine(const PcConfig& cfg) : cfg_(cfg) {
    if (cfg.ram_mb < 1 || cfg.ram_mb > 3072)
        throw std::runtime_error(fmt::format("-m {}: memory size must be 1 to 3072 MiB", cfg.ram_mb));
    mem_ = std::make_unique<cpu::PhysicalMemory>(32);
    ports_ = std::make_unique<cpu::PortBus>();
    const x86::CpuModel& model = cfg.model ? *cfg.model : x86::default_model();

    // RAM: conventional memory below 640 KB and everything from 1 MB up; the 640 KB-1 MB
    // hole holds the BIOS ROM (and, on a real PC, video memory and option ROMs).
    uint64_t ram = cfg.ram_mb << 20;
    mem_->add_ram(0, 640 * 1024);
    if (ram > 0x100000) mem_->add_ram(0x100000, ram - 0x100000);

    if (cfg.kernel_path.empty() && (!cfg.initrd_path.empty() || !cfg.append.empty()))
        throw std::runtime_error("-initrd and -append need -kernel");
    if (cfg.bios_path.empty() && cfg.kernel_path.empty())
        throw std::runtime_error("no firmware: give -bios FILE (or -kernel FILE)");
    if (!cfg.bios_path.empty()) {
        std::vector<uint8_t> rom = read_file(cfg.bios_path, 1 << 20);
        if (rom.size() != 65536 && rom.size() != 131072)
            throw std::runtime_error(fmt::format("{}: a BIOS image must be 64 KB or 128 KB, this one is {} bytes",
                                                 cfg.bios_path, rom.size()));
        // The ROM ends at 0xFFFFF below 1 MB and is aliased at the top of the 4 GB space, where
        // the CPU fetches its first instruction (F000:FFF0 with CS.base = 0xFFFF0000).
        uint64_t low = 0x100000 - rom.size();
        mem_->add_rom(low, rom);
        mem_->add_alias(0x100000000ull - rom.size(), rom.size(), low);
    }

    cpu_ = std::make_unique<x86::X86Cpu>(*mem_, *ports_, model);
    if (cfg.virt != cpu::VirtMode::kOff) {
        // The guest runs deprivileged from its first protected-mode instruction on; under bt
        // every block is rewritten before it runs (docs/monitor.md).
        monitor_ = std::make_unique<x86::X86Monitor>(*cpu_, cfg.virt);
        if (cfg.virt == cpu::VirtMode::kBt) rewriter_ = std::make_unique<bt::SensitiveRewriter>(monitor_->stats());
        cpu_->attach_monitor(monitor_.get(), rewriter_.get());
    }
    create_devices();  // PIC, PIT, COM1, RTC/CMOS, keyboard controller, ports 0x80/0x92

    // -kernel: the Linux 32-bit boot protocol; the CPU starts at the kernel's protected-mode
    // entry, no BIOS runs (machines/linux_boot.h).
    if (!cfg.kernel_path.empty()) {
        LinuxBootConfig boot;
        boot.kernel_path = cfg.kernel_path;
        boot.kernel = read_file(cfg.kernel_path, 256u << 20);
        if (!cfg.initrd_path.empty()) {
            boot.initrd_path = cfg.initrd_path;
            boot.initrd = read_file(cfg.initrd_path, ram);
        }
        boot.cmdline = cfg.append;
        boot.ram_bytes = ram;
        load_linux(*mem_, *cpu_, boot);
    }

    if (!cfg.debugcon.empty() && cfg.debugcon != "null") {
        if (cfg.debugcon == "stdio") {
            debugcon_file_ = stdout;
        } else if (cfg.debugcon.rfind("file:", 0) == 0) {
            std::string path = cfg.debugcon.substr(5);
            debugcon_file_ = std::fopen(path.c_str(), "wb");
            if (!debugcon_file_)
                throw std::runtime_error(fmt::format("-debugcon {}: {}", path, std::strerror(errno)));
        } else {
            throw std::runtime_error(fmt::format("-debugcon {}: expected stdio, file:PATH or null", cfg.debugcon));
        }
        debugcon_ = std::make_unique<devices::DebugConsole>(debugcon_file_);
        ports_->add(0xE9, 1, debugcon_.get());
    }

    if (!cfg.trace_file.empty()) {
        trace_file_ = std::fopen(cfg.trace_file.c_str(), "w");
        if (!trace_file_) throw std::runtime_error(fmt::format("-D {}: {}", cfg.trace_file, std::strerror(errno)));
        log_ = trace_file_;
    }
    if (cfg.trace) cpu_->set_trace(cfg.trace, log_);
    if (cfg.log_unimp) {
        std::FILE* out = log_;
        ports_->set_unclaimed_observer([out](bool write, uint16_t port, unsigned size, uint32_t v) {
            if (write) fmt::print(out, "unimplemented port write: port {:#06x} size {} value {:#x}\n", port, size, v);
            else fmt::print(out, "unimplemented port read: port {:#06x} size {}\n", port, size);
        });
    }
}

PcMachine::~PcMachine() {
    if (debugcon_file_ && debugcon_file_ != stdout) std::fclose(debugcon_file_);
    else if (debugcon_file_) std::fflush(debugcon_file_);
    if (trace_file_) std::fclose(trace_file_);
    if (serial_file_ && serial_file_ != stdout) std::fclose(serial_file_);
    else if (serial_file_) std::fflush(serial_file_);
}

cpu::RunResult PcMachine::run(uint64_t max_insns) {
    auto r = run_sliced(max_insns);  // machines/pc_devices.cpp
    if (debugcon_file_) std::fflush(debugcon_file_);
    return r;
}

}  // namespace trapeze::machines
