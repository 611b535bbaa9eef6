// Backing files for the Q-bus storage controllers.
//
// DiskImage: a raw image of 512-byte blocks (no header). Blocks past the end of the file read
// as zeros (an image may hold only the used front of the drive). Writes go to a copy-on-write
// overlay in memory and vanish at exit, unless the image was opened writable (-snapshot=off),
// in which case they go to the file.
//
// TapeImage: a SIMH .tap file, read-only: records are <length, 32-bit little-endian><data,
// padded to an even length><length again>; a zero length word is a tape mark; 0xFFFFFFFF (or
// the end of the file) is the end of the recorded medium. The position is a byte offset plus
// the count of objects (records and tape marks) from the beginning of tape.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace trapeze::devices::microvax {

class DiskImage {
public:
    static constexpr unsigned kBlock = 512;
    // Throws std::runtime_error (one line) when the file cannot be opened.
    DiskImage(const std::string& path, bool writable);
    ~DiskImage();
    DiskImage(const DiskImage&) = delete;
    DiskImage& operator=(const DiskImage&) = delete;
    uint64_t file_bytes() const { return file_bytes_; }
    const std::string& path() const { return path_; }
    // Whole blocks; false on a host I/O error.
    bool read(uint64_t lbn, std::span<uint8_t> out);
    bool write(uint64_t lbn, std::span<const uint8_t> in);

private:
    std::string path_;
    std::FILE* file_ = nullptr;
    uint64_t file_bytes_ = 0;
    bool writable_ = false;
    std::map<uint64_t, std::vector<uint8_t>> overlay_;
};

class TapeImage {
public:
    enum class Result : uint8_t { record, tape_mark, end_of_medium, bot, format_error };
    explicit TapeImage(const std::string& path);  // throws std::runtime_error (one line)
    ~TapeImage();
    TapeImage(const TapeImage&) = delete;
    TapeImage& operator=(const TapeImage&) = delete;
    void rewind() { offset_ = 0, objects_ = 0; }
    bool at_bot() const { return offset_ == 0; }
    uint32_t position() const { return objects_; }
    // Reads the next record forward into `data` (resized to the record's length).
    Result read_forward(std::vector<uint8_t>& data);
    // Skips the next object forward / backward without reading its data.
    Result skip_forward();
    Result skip_reverse();

private:
    bool read_length(uint64_t at, uint32_t& length);
    std::FILE* file_ = nullptr;
    uint64_t file_bytes_ = 0, offset_ = 0;
    uint32_t objects_ = 0;
};

}  // namespace trapeze::devices::microvax
