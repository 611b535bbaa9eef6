// libFuzzer target: the Linux boot protocol loader (machines/linux_boot.cpp) on an arbitrary
// bzImage: the setup header parser, the plan (kernel, init_size, initrd placement against RAM
// and initrd_addr_max, the command line against cmdline_size), boot_params, and the load into
// guest memory. Input: RAM size (1 byte, 1-64 MB), initrd size (3 bytes, at most 1 MB), command line length
// (2 bytes), then the kernel image. Any exception other than the loader's one-line
// std::runtime_error, any sanitizer report or a write outside guest RAM is a finding.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>

#include "cpu/physical_memory.h"
#include "cpu/port_bus.h"
#include "isa/x86/cpu.h"
#include "machines/linux_boot.h"

using namespace trapeze;

namespace {
constexpr uint64_t kMaxRam = 64ull << 20;
struct Machine {
    cpu::PhysicalMemory mem{32};
    cpu::PortBus ports;
    std::unique_ptr<x86::X86Cpu> cpu;
    Machine() {
        mem.add_ram(0, 0xA0000);
        mem.add_ram(0x100000, kMaxRam - 0x100000);
        cpu = std::make_unique<x86::X86Cpu>(mem, ports, x86::default_model());
    }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Machine m;
    if (size < 6) return 0;
    machines::LinuxBootConfig cfg;
    cfg.ram_bytes = (uint64_t{data[0]} % 64 + 1) << 20;
    const size_t initrd = (size_t{data[1]} | size_t{data[2]} << 8 | size_t{data[3]} << 16) & 0xFFFFF;
    const size_t cmdline = (size_t{data[4]} | size_t{data[5]} << 8) & 0x1FFF;
    cfg.kernel_path = "kernel";
    cfg.kernel.assign(data + 6, data + size);
    if (initrd) {
        cfg.initrd_path = "initrd";
        cfg.initrd.assign(initrd, 0x5A);
    }
    cfg.cmdline.assign(cmdline, 'x');
    try {
        machines::LinuxBootLayout l = machines::plan_linux_boot(cfg);
        std::vector<uint8_t> zp = machines::build_boot_params(cfg.kernel, l.image, l, cfg.ram_bytes);
        if (zp.size() != machines::zeropage::kSize) __builtin_trap();
        if (l.initrd_size && (uint64_t{l.initrd_addr} + l.initrd_size > cfg.ram_bytes || l.initrd_addr < l.kernel_end))
            __builtin_trap();  // the plan put the initrd outside RAM or over the kernel
        machines::load_linux(m.mem, *m.cpu, cfg);
    } catch (const std::runtime_error&) {
        // A one-line rejection of the image: the expected outcome for most inputs.
    }
    return 0;
}
