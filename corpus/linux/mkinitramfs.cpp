// trapeze-mkinitramfs: builds an initramfs (cpio "newc", optionally gzip) from a list in the
// format of the kernel's usr/gen_init_cpio, without root:
//
//   # comment
//   dir   NAME MODE UID GID
//   file  NAME SOURCE MODE UID GID       (SOURCE relative to the list file's directory)
//   slink NAME TARGET MODE UID GID
//   nod   NAME MODE UID GID c|b MAJ MIN
//
// usage: trapeze-mkinitramfs [-z] LIST OUTPUT
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "corpus/linux/cpio_newc.h"

namespace {

std::vector<uint8_t> slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

uint32_t number(const std::string& s, int base, const std::string& where) {
    size_t used = 0;
    unsigned long v = 0;
    try {
        v = std::stoul(s, &used, base);
    } catch (...) {
        used = 0;
    }
    if (used != s.size() || s.empty() || v > 0xFFFFFFFFul)
        throw std::runtime_error(fmt::format("{}: '{}' is not a number", where, s));
    return uint32_t(v);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        bool gz = false;
        std::vector<std::string> pos;
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            if (a == "-z") gz = true;
            else if (a == "-h" || a == "--help") {
                fmt::print("usage: trapeze-mkinitramfs [-z] LIST OUTPUT\n");
                return 0;
            } else pos.push_back(a);
        }
        if (pos.size() != 2) throw std::runtime_error("usage: trapeze-mkinitramfs [-z] LIST OUTPUT");
        const std::string& list = pos[0];
        std::filesystem::path base = std::filesystem::path(list).parent_path();
        std::ifstream in(list);
        if (!in) throw std::runtime_error(fmt::format("{}: {}", list, std::strerror(errno)));
        trapeze::corpus::CpioWriter w;
        std::string line;
        for (unsigned lineno = 1; std::getline(in, line); ++lineno) {
            std::string where = fmt::format("{}:{}", list, lineno);
            if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
            std::istringstream ss(line);
            std::vector<std::string> f;
            for (std::string t; ss >> t;) f.push_back(t);
            if (f.empty()) continue;
            auto need = [&](size_t n) {
                if (f.size() != n)
                    throw std::runtime_error(fmt::format("{}: '{}' takes {} fields, found {}", where, f[0], n - 1,
                                                         f.size() - 1));
            };
            if (f[0] == "dir") {
                need(5);
                w.add_dir(f[1], number(f[2], 8, where), number(f[3], 10, where), number(f[4], 10, where));
            } else if (f[0] == "file") {
                need(6);
                std::filesystem::path src(f[2]);
                if (src.is_relative()) src = base / src;
                auto data = slurp(src.string());
                w.add_file(f[1], number(f[3], 8, where), data, number(f[4], 10, where), number(f[5], 10, where));
            } else if (f[0] == "slink") {
                need(6);
                w.add_symlink(f[1], f[2], number(f[3], 8, where), number(f[4], 10, where), number(f[5], 10, where));
            } else if (f[0] == "nod") {
                need(8);
                if (f[5] != "c" && f[5] != "b")
                    throw std::runtime_error(fmt::format("{}: device type must be c or b", where));
                w.add_node(f[1], number(f[2], 8, where), f[5][0], number(f[6], 10, where), number(f[7], 10, where),
                           number(f[3], 10, where), number(f[4], 10, where));
            } else {
                throw std::runtime_error(fmt::format("{}: unknown entry type '{}' (dir, file, slink, nod)", where, f[0]));
            }
        }
        std::vector<uint8_t> out = w.finish();
        if (gz) out = trapeze::corpus::gzip_compress(out);
        std::string tmp = pos[1] + ".tmp";
        std::FILE* fp = std::fopen(tmp.c_str(), "wb");
        if (!fp) throw std::runtime_error(fmt::format("{}: {}", tmp, std::strerror(errno)));
        bool ok = std::fwrite(out.data(), 1, out.size(), fp) == out.size();
        ok = (std::fclose(fp) == 0) && ok;
        if (!ok) throw std::runtime_error(fmt::format("{}: write error", tmp));
        std::filesystem::rename(tmp, pos[1]);
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "trapeze-mkinitramfs: {}\n", e.what());
        return 1;
    }
}
