// Writer (and reader, for tests) of cpio archives in the SVR4 "newc" format, the format the
// Linux kernel unpacks as an initramfs (Documentation/driver-api/early-userspace/
// buffer-format.rst), and gzip compression through zlib. Lets the project build a guest's
// initramfs without root: device nodes and ownership are written into the archive, never
// created on the host.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trapeze::corpus {

struct CpioEntry {
    std::string name;          // without a leading '/'
    uint32_t mode = 0;         // file type bits | permissions (S_IFREG | 0755, ...)
    uint32_t uid = 0, gid = 0;
    uint32_t rdev_major = 0, rdev_minor = 0;
    std::vector<uint8_t> data; // file contents, or the target of a symbolic link
};

inline constexpr uint32_t kModeDir = 0040000;
inline constexpr uint32_t kModeReg = 0100000;
inline constexpr uint32_t kModeLink = 0120000;
inline constexpr uint32_t kModeChr = 0020000;
inline constexpr uint32_t kModeBlk = 0060000;
inline constexpr uint32_t kModeTypeMask = 0170000;

class CpioWriter {
public:
    // mtime written into every header (0: reproducible archives).
    explicit CpioWriter(uint32_t mtime = 0) : mtime_(mtime) {}
    void add_dir(const std::string& name, uint32_t perm, uint32_t uid = 0, uint32_t gid = 0);
    void add_file(const std::string& name, uint32_t perm, std::span<const uint8_t> data, uint32_t uid = 0,
                  uint32_t gid = 0);
    void add_symlink(const std::string& name, const std::string& target, uint32_t perm = 0777, uint32_t uid = 0,
                     uint32_t gid = 0);
    // type 'c' (character) or 'b' (block).
    void add_node(const std::string& name, uint32_t perm, char type, uint32_t major, uint32_t minor,
                  uint32_t uid = 0, uint32_t gid = 0);
    void add(const CpioEntry& e);
    // Appends the TRAILER!!! entry and returns the archive. The writer is empty afterwards.
    std::vector<uint8_t> finish();

private:
    void header(const CpioEntry& e, uint32_t ino, uint32_t nlink);
    std::vector<uint8_t> out_;
    uint32_t next_ino_ = 721;  // as the kernel's usr/gen_init_cpio numbers them
    uint32_t mtime_;
};

// Parses a newc archive up to its trailer; throws std::runtime_error on malformed input.
std::vector<CpioEntry> read_cpio_newc(std::span<const uint8_t> archive);

// gzip (RFC 1952) with a zero mtime in the header, best compression.
std::vector<uint8_t> gzip_compress(std::span<const uint8_t> data);
// Inflates a gzip stream (for tests); throws std::runtime_error on bad input.
std::vector<uint8_t> gzip_decompress(std::span<const uint8_t> data);

}  // namespace trapeze::corpus
