#include "devices/microvax/media.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace trapeze::devices::microvax {

namespace {
// fopen() opens a directory for reading on Linux; its size then reads as LLONG_MAX and every
// read fails, so a directory would pass for an empty tape or an oversized disk. Refuse it the
// way the ROM and kernel loaders do (machines::read_file).
std::FILE* open_image(const std::string& path, const char* mode) {
    std::FILE* f = std::fopen(path.c_str(), mode);
    if (!f) throw std::runtime_error(path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(::fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        std::fclose(f);
        throw std::runtime_error(path + ": is a directory, expected a file");
    }
    return f;
}

uint64_t file_size(std::FILE* f) {
    std::fseek(f, 0, SEEK_END);
    long n = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    return n < 0 ? 0 : static_cast<uint64_t>(n);
}
}  // namespace

DiskImage::DiskImage(const std::string& path, bool writable) : path_(path), writable_(writable) {
    file_ = open_image(path, writable ? "r+b" : "rb");
    file_bytes_ = file_size(file_);
}

DiskImage::~DiskImage() {
    if (file_) std::fclose(file_);
}

bool DiskImage::read(uint64_t lbn, std::span<uint8_t> out) {
    for (size_t done = 0; done < out.size(); done += kBlock, ++lbn) {
        std::span<uint8_t> block = out.subspan(done, std::min<size_t>(kBlock, out.size() - done));
        if (auto it = overlay_.find(lbn); it != overlay_.end()) {
            std::copy_n(it->second.begin(), block.size(), block.begin());
            continue;
        }
        std::fill(block.begin(), block.end(), 0);
        const uint64_t at = lbn * kBlock;
        if (at >= file_bytes_) continue;
        if (std::fseek(file_, static_cast<long>(at), SEEK_SET) != 0) return false;
        size_t want = static_cast<size_t>(std::min<uint64_t>(block.size(), file_bytes_ - at));
        if (std::fread(block.data(), 1, want, file_) != want) return false;
    }
    return true;
}

bool DiskImage::write(uint64_t lbn, std::span<const uint8_t> in) {
    for (size_t done = 0; done < in.size(); done += kBlock, ++lbn) {
        std::vector<uint8_t> block(kBlock, 0);
        const size_t n = std::min<size_t>(kBlock, in.size() - done);
        if (n < kBlock && !read(lbn, block)) return false;  // partial block: keep the rest
        std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(done), n, block.begin());
        if (!writable_) {
            overlay_[lbn] = std::move(block);
            continue;
        }
        if (std::fseek(file_, static_cast<long>(lbn * kBlock), SEEK_SET) != 0) return false;
        if (std::fwrite(block.data(), 1, kBlock, file_) != kBlock) return false;
        file_bytes_ = std::max<uint64_t>(file_bytes_, (lbn + 1) * kBlock);
    }
    if (writable_) std::fflush(file_);
    return true;
}

TapeImage::TapeImage(const std::string& path) {
    file_ = open_image(path, "rb");
    file_bytes_ = file_size(file_);
    // Check the record structure up to the end of the medium, so that a file that is not a
    // SIMH tape image is refused at start-up rather than at the first read.
    uint64_t at = 0;
    while (at < file_bytes_) {
        uint32_t n;
        if (!read_length(at, n)) break;
        if (n == 0xFFFFFFFF) break;
        if (n == 0) {
            at += 4;
            continue;
        }
        const uint64_t len = n & 0x00FFFFFF;
        uint32_t trailer;
        const uint64_t next = at + 4 + ((len + 1) & ~uint64_t{1});
        if (next + 4 > file_bytes_ || !read_length(next, trailer) || trailer != n) {
            std::fclose(file_);
            file_ = nullptr;
            throw std::runtime_error(path + ": not a SIMH .tap image (bad record at offset " +
                                     std::to_string(at) + ")");
        }
        at = next + 4;
    }
}

TapeImage::~TapeImage() {
    if (file_) std::fclose(file_);
}

bool TapeImage::read_length(uint64_t at, uint32_t& length) {
    uint8_t b[4];
    if (at + 4 > file_bytes_ || std::fseek(file_, static_cast<long>(at), SEEK_SET) != 0 ||
        std::fread(b, 1, 4, file_) != 4)
        return false;
    length = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t{b[3]} << 24);
    return true;
}

TapeImage::Result TapeImage::read_forward(std::vector<uint8_t>& data) {
    data.clear();
    uint32_t n;
    if (!read_length(offset_, n) || n == 0xFFFFFFFF) return Result::end_of_medium;
    if (n == 0) {
        offset_ += 4;
        ++objects_;
        return Result::tape_mark;
    }
    const uint32_t len = n & 0x00FFFFFF;
    data.resize(len);
    if (std::fread(data.data(), 1, len, file_) != len) return Result::format_error;
    offset_ += 4 + ((uint64_t{len} + 1) & ~uint64_t{1}) + 4;
    ++objects_;
    return Result::record;
}

TapeImage::Result TapeImage::skip_forward() {
    uint32_t n;
    if (!read_length(offset_, n) || n == 0xFFFFFFFF) return Result::end_of_medium;
    ++objects_;
    if (n == 0) {
        offset_ += 4;
        return Result::tape_mark;
    }
    offset_ += 4 + ((uint64_t{n & 0x00FFFFFF} + 1) & ~uint64_t{1}) + 4;
    return Result::record;
}

TapeImage::Result TapeImage::skip_reverse() {
    if (offset_ < 4) return Result::bot;
    uint32_t n;
    if (!read_length(offset_ - 4, n)) return Result::format_error;
    if (objects_) --objects_;
    if (n == 0) {
        offset_ -= 4;
        return Result::tape_mark;
    }
    const uint64_t span = 4 + ((uint64_t{n & 0x00FFFFFF} + 1) & ~uint64_t{1}) + 4;
    if (span > offset_) return Result::format_error;
    offset_ -= span;
    return Result::record;
}

}  // namespace trapeze::devices::microvax
