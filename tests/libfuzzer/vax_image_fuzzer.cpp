// libFuzzer target: the MicroVAX 3900's image loaders (machines/microvax3900.cpp) as
// `trapeze run microvax3900 --rom FILE`, `--load FILE@ADDR` and `--nvram FILE` use them: the
// bytes are written to a file (the loaders read files) and the board is built from it. Input:
// a selector byte, the RAM size (1 byte), the load address (4 bytes), the image. Selector
// <0> set: --load; clear: --rom with the bytes as they are (any size: mostly the size error)
// or, with <1> set, a 128 KB ROM that starts with the bytes (the KA655 starts at the ROM's
// first byte) and the bytes as they are as the --nvram file (1 KB: loaded; any other size: a
// one-line refusal). Anything but the board's one-line std::runtime_error, or a sanitizer
// report or leak, is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "machines/microvax3900.h"

using namespace trapeze;

namespace {
std::string g_path, g_rom_path;  // the image file and the padded ROM, removed at exit
constexpr size_t kKa655RomBytes = 0x20000;

std::string temp_file(const char* pattern_prefix) {
    std::string p = std::string(pattern_prefix) + "XXXXXX";
    int fd = ::mkstemp(p.data());
    if (fd < 0) __builtin_trap();
    ::close(fd);
    return p;
}

void write_file(const std::string& path, const uint8_t* bytes, size_t n) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) __builtin_trap();
    if (n && std::fwrite(bytes, 1, n, f) != n) __builtin_trap();
    std::fclose(f);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 6) return 0;
    static const std::string& path = [] {
        g_path = temp_file("/tmp/trapeze-vax-image-fuzz-");
        g_rom_path = temp_file("/tmp/trapeze-vax-rom-fuzz-");
        std::atexit([] {
            ::unlink(g_path.c_str());
            ::unlink(g_rom_path.c_str());
        });
        return std::cref(g_path);
    }();
    static std::FILE* null_out = std::fopen("/dev/null", "w");
    write_file(path, data + 6, size - 6);
    machines::MicroVaxConfig cfg;
    cfg.console_out = null_out;
    cfg.console_in_fd = -1;
    cfg.ram_mb = (data[1] & 3) == 0 ? 16 : 1 + data[1] % 64;
    uint32_t addr;
    std::memcpy(&addr, data + 2, 4);
    if (data[0] & 1) {
        cfg.loads.emplace_back(path, addr);
        cfg.start = 0;
    } else if (data[0] & 2) {
        std::vector<uint8_t> rom(kKa655RomBytes, 0);
        std::copy(data + 6, data + std::min(size, 6 + kKa655RomBytes), rom.begin());
        write_file(g_rom_path, rom.data(), rom.size());
        cfg.rom_path = g_rom_path;
        cfg.nvram_path = path;
        cfg.ram_mb = 16 * (1 + (data[1] & 3));  // what a KA655 takes
    } else {
        cfg.rom_path = path;
    }
    try {
        machines::MicroVax3900 vax(cfg);
        (void)vax.run(100);
    } catch (const std::runtime_error&) {
    }
    return 0;
}
