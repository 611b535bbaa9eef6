// Direct Linux boot: loads a bzImage by the x86 32-bit boot protocol
// (Documentation/x86/boot.rst in the kernel tree) and enters it in protected mode, as
// `qemu -kernel` does but without running any BIOS or real-mode setup code.
//
// Every field of the kernel image is validated; a bad image gives a one-line
// std::runtime_error that names the file and the problem.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trapeze::cpu {
class PhysicalMemory;
}
namespace trapeze::x86 {
class X86Cpu;
}

namespace trapeze::machines {

// Offsets of the setup header fields (boot.rst, "THE REAL-MODE KERNEL HEADER"). The same
// offsets hold in the file and in boot_params (the "zero page"), which embeds the header.
namespace bzhdr {
inline constexpr uint32_t kSetupSects = 0x1F1;      // u8, 0 means 4
inline constexpr uint32_t kSyssize = 0x1F4;         // u32, 16-byte paragraphs (2.04+)
inline constexpr uint32_t kVidMode = 0x1FA;         // u16
inline constexpr uint32_t kBootFlag = 0x1FE;        // u16, 0xAA55
inline constexpr uint32_t kJump = 0x200;            // u16, jmp short; byte 0x201 = header length
inline constexpr uint32_t kHeader = 0x202;          // u32, "HdrS"
inline constexpr uint32_t kVersion = 0x206;         // u16, boot protocol version
inline constexpr uint32_t kTypeOfLoader = 0x210;    // u8
inline constexpr uint32_t kLoadflags = 0x211;       // u8
inline constexpr uint32_t kCode32Start = 0x214;     // u32
inline constexpr uint32_t kRamdiskImage = 0x218;    // u32
inline constexpr uint32_t kRamdiskSize = 0x21C;     // u32
inline constexpr uint32_t kHeapEndPtr = 0x224;      // u16
inline constexpr uint32_t kCmdLinePtr = 0x228;      // u32 (2.02+)
inline constexpr uint32_t kInitrdAddrMax = 0x22C;   // u32 (2.03+)
inline constexpr uint32_t kKernelAlignment = 0x230; // u32 (2.05+)
inline constexpr uint32_t kRelocatable = 0x234;     // u8 (2.05+)
inline constexpr uint32_t kCmdlineSize = 0x238;     // u32 (2.06+)
inline constexpr uint32_t kPrefAddress = 0x258;     // u64 (2.10+)
inline constexpr uint32_t kInitSize = 0x260;        // u32 (2.10+)

inline constexpr uint8_t kLoadedHigh = 0x01;        // loadflags: protected-mode code at 1 MB
inline constexpr uint8_t kCanUseHeap = 0x80;        // loadflags: heap_end_ptr is valid
inline constexpr uint32_t kMagic = 0x53726448;      // "HdrS"
}  // namespace bzhdr

// Offsets in boot_params (arch/x86/include/uapi/asm/bootparam.h) outside the setup header.
namespace zeropage {
inline constexpr uint32_t kExtMemK = 0x002;         // screen_info.ext_mem_k, u16
inline constexpr uint32_t kAltMemK = 0x1E0;         // u32, KB of RAM above 1 MB
inline constexpr uint32_t kE820Entries = 0x1E8;     // u8
inline constexpr uint32_t kSentinel = 0x1EF;        // u8, must be 0 (see sanitize_boot_params)
inline constexpr uint32_t kE820Table = 0x2D0;       // 128 entries of 20 bytes
inline constexpr unsigned kE820Max = 128;
inline constexpr uint32_t kSize = 0x1000;
}  // namespace zeropage

// The validated setup header of a bzImage.
struct BzImageInfo {
    uint16_t protocol = 0;          // e.g. 0x020F
    unsigned setup_sects = 0;       // after the 0 -> 4 rule
    uint32_t setup_size = 0;        // bytes of real-mode code, (setup_sects + 1) * 512
    uint32_t header_end = 0;        // end of the setup header in the file (0x202 + byte 0x201)
    uint32_t kernel_offset = 0;     // file offset of the protected-mode kernel (= setup_size)
    uint32_t kernel_size = 0;       // bytes of protected-mode kernel in the file
    uint8_t loadflags = 0;
    uint32_t code32_start = 0;      // where the protected-mode kernel is loaded and entered
    uint32_t initrd_addr_max = 0;   // highest byte address the initrd may occupy
    uint32_t kernel_alignment = 0;
    bool relocatable = false;
    uint32_t cmdline_size = 0;      // longest command line, without the NUL
    uint64_t pref_address = 0;      // preferred load address (2.10+)
    uint32_t init_size = 0;         // memory the kernel needs from its load address (2.10+)
};

// Parses and validates the setup header. `name` is the file name used in error messages.
BzImageInfo parse_bzimage(std::span<const uint8_t> image, const std::string& name);

// One entry of the BIOS e820 memory map.
struct E820Entry {
    uint64_t addr = 0, size = 0;
    uint32_t type = 0;  // 1 RAM, 2 reserved
};
inline constexpr uint32_t kE820Ram = 1;
inline constexpr uint32_t kE820Reserved = 2;

// The PC's map for `ram_bytes` of RAM as machines/pc.cpp lays it out: RAM below 640 KB,
// the legacy hole (VGA, option ROMs; the BIOS area 0xF0000-0xFFFFF reserved), RAM from 1 MB.
std::vector<E820Entry> pc_e820_map(uint64_t ram_bytes);

struct LinuxBootConfig {
    std::string kernel_path;              // for messages
    std::vector<uint8_t> kernel;          // the bzImage
    std::string initrd_path;              // empty: no initrd
    std::vector<uint8_t> initrd;
    std::string cmdline;
    uint64_t ram_bytes = 0;               // RAM size (RAM is at 0-640 KB and 1 MB-ram_bytes)
};

// Where the loader put things in guest physical memory.
struct LinuxBootLayout {
    static constexpr uint32_t kGdt = 0x8000;          // the boot GDT (4 entries)
    static constexpr uint32_t kStackTop = 0x8000;     // ESP at entry (grows down, below the GDT)
    static constexpr uint32_t kBootParams = 0x10000;  // boot_params, 4 KB
    static constexpr uint32_t kCmdline = 0x20000;     // the command line, NUL-terminated
    static constexpr uint16_t kBootCs = 0x10;         // __BOOT_CS
    static constexpr uint16_t kBootDs = 0x18;         // __BOOT_DS
    BzImageInfo image;
    uint32_t kernel_addr = 0, kernel_size = 0;
    uint32_t kernel_end = 0;              // end of the memory the kernel claims (init_size)
    uint32_t initrd_addr = 0, initrd_size = 0;
    std::vector<E820Entry> e820;
};

// Builds boot_params (the 4 KB zero page) for the image; exposed for tests.
std::vector<uint8_t> build_boot_params(std::span<const uint8_t> image, const BzImageInfo& info,
                                       const LinuxBootLayout& layout, uint64_t ram_bytes);

// Computes the layout (kernel, initrd placement) and validates that everything fits in RAM.
LinuxBootLayout plan_linux_boot(const LinuxBootConfig& cfg);

// Loads kernel, initrd, command line, boot_params and a GDT into memory and puts the CPU in
// the state the 32-bit boot protocol requires at the kernel's protected-mode entry.
LinuxBootLayout load_linux(cpu::PhysicalMemory& mem, x86::X86Cpu& cpu, const LinuxBootConfig& cfg);

}  // namespace trapeze::machines
