// libFuzzer target: the MicroVAX 3900's image loaders (machines/microvax3900.cpp) as
// `trapeze run microvax3900 --rom FILE` and `--load FILE@ADDR` use them: the bytes are written
// to a file (the loaders read files) and the board is built from it. Input: a selector byte
// (even: --rom, odd: --load), the RAM size (1 byte), the load address (4 bytes), the image.
// Anything but the board's one-line std::runtime_error, or a sanitizer report, is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <cstring>
#include <stdexcept>
#include <string>

#include "machines/microvax3900.h"

using namespace trapeze;

namespace {
std::string g_path;  // the image file, removed at exit
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 6) return 0;
    static const std::string& path = [] {
        char p[] = "/tmp/trapeze-vax-image-fuzz-XXXXXX";
        int fd = ::mkstemp(p);
        if (fd < 0) __builtin_trap();
        ::close(fd);
        g_path = p;
        std::atexit([] { ::unlink(g_path.c_str()); });
        return std::cref(g_path);
    }();
    static std::FILE* null_out = std::fopen("/dev/null", "w");
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) __builtin_trap();
    if (size > 6 && std::fwrite(data + 6, 1, size - 6, f) != size - 6) __builtin_trap();
    std::fclose(f);
    machines::MicroVaxConfig cfg;
    cfg.console_out = null_out;
    cfg.console_in_fd = -1;
    cfg.ram_mb = (data[1] & 3) == 0 ? 16 : 1 + data[1] % 64;
    uint32_t addr;
    std::memcpy(&addr, data + 2, 4);
    if (data[0] & 1) {
        cfg.loads.emplace_back(path, addr);
        cfg.start = 0;
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
