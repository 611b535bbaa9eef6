// The file a libFuzzer target hands to a loader that takes a path (ROM, disk and tape images):
// one per fuzzing process, made once under /tmp, rewritten for every input, removed at exit.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace trapeze::fuzz {

inline const std::string& input_file_path(const char* stem) {
    static std::string path;
    if (path.empty()) {
        std::string p = std::string("/tmp/") + stem + "XXXXXX";
        int fd = ::mkstemp(p.data());
        if (fd < 0) __builtin_trap();
        ::close(fd);
        path = p;
        std::atexit([] { ::unlink(path.c_str()); });
    }
    return path;
}

// Replaces the file's contents with the n bytes at data.
inline void write_input_file(const std::string& path, const uint8_t* data, size_t n) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) __builtin_trap();
    if (n && std::fwrite(data, 1, n, f) != n) __builtin_trap();
    std::fclose(f);
}

}  // namespace trapeze::fuzz
