// vasm: the VAX assembler as a command.
//   vasm in.s -o out.bin [--origin 0x200] [-l listing.txt]
// Writes the flat binary that starts at the origin; with -l also a listing (address, bytes,
// source line). Errors go to stderr as "in.s:LINE: error: message"; the exit status is 1.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "isa/vax/assembler.h"

namespace {

constexpr const char* kUsage = "usage: vasm in.s -o out.bin [--origin ADDRESS] [-l listing.txt]\n";

bool parse_address(const std::string& text, uint32_t& address) {
    char* end = nullptr;
    unsigned long long value = std::strtoull(text.c_str(), &end, 0);
    if (text.empty() || *end != '\0' || value > 0xFFFFFFFFull) return false;
    address = static_cast<uint32_t>(value);
    return true;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

std::string listing_text(const trapeze::vax::AssembledProgram& program,
                         const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& entry : program.listing) {
        std::string bytes;
        uint32_t shown = std::min<uint32_t>(entry.size, 8);
        for (uint32_t i = 0; i < shown; ++i) {
            size_t offset = entry.address - program.origin + i;
            if (offset < program.image.size()) {
                bytes += fmt::format("{:02x} ", program.image[offset]);
            }
        }
        if (entry.size > shown) bytes += "...";
        const std::string& source =
            entry.line >= 1 && entry.line <= static_cast<int>(lines.size()) ? lines[entry.line - 1]
                                                                             : std::string();
        text += fmt::format("{:5} {:08x}  {:27} {}\n", entry.line, entry.address, bytes, source);
    }
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    std::string input, output, listing;
    uint32_t origin = 0;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto next = [&](const char* what) -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "vasm: %s needs %s\n%s", arg.c_str(), what, kUsage);
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "-o") {
            output = next("a file name");
        } else if (arg == "-l") {
            listing = next("a file name");
        } else if (arg == "--origin") {
            std::string text = next("an address");
            if (!parse_address(text, origin)) {
                std::fprintf(stderr, "vasm: bad origin '%s'\n", text.c_str());
                return 2;
            }
        } else if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (!arg.empty() && arg[0] == '-') {
            std::fprintf(stderr, "vasm: unknown option '%s'\n%s", arg.c_str(), kUsage);
            return 2;
        } else if (input.empty()) {
            input = arg;
        } else {
            std::fprintf(stderr, "vasm: more than one input file\n%s", kUsage);
            return 2;
        }
    }
    if (input.empty() || output.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }

    std::ifstream in(input, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "vasm: cannot read %s\n", input.c_str());
        return 1;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string source = buffer.str();

    trapeze::vax::AssembledProgram program = trapeze::vax::assemble(source, origin);
    for (const auto& error : program.errors) {
        std::fprintf(stderr, "%s:%d: error: %s\n", input.c_str(), error.line,
                     error.message.c_str());
    }
    if (!program.ok()) return 1;

    std::ofstream out(output, std::ios::binary);
    out.write(reinterpret_cast<const char*>(program.image.data()),
              static_cast<std::streamsize>(program.image.size()));
    if (!out) {
        std::fprintf(stderr, "vasm: cannot write %s\n", output.c_str());
        return 1;
    }
    if (!listing.empty()) {
        std::ofstream list(listing);
        list << listing_text(program, split_lines(source));
        if (!list) {
            std::fprintf(stderr, "vasm: cannot write %s\n", listing.c_str());
            return 1;
        }
    }
    return 0;
}
