#include "corpus/linux/cpio_newc.h"

#include <fmt/format.h>
#include <zlib.h>

#include <stdexcept>

namespace trapeze::corpus {

namespace {

std::string strip_slash(const std::string& name) {
    size_t i = 0;
    while (i < name.size() && name[i] == '/') ++i;
    std::string n = name.substr(i);
    if (n.empty()) throw std::runtime_error(fmt::format("cpio: empty entry name '{}'", name));
    return n;
}

void pad4(std::vector<uint8_t>& v) {
    while (v.size() % 4) v.push_back(0);
}

}  // namespace

void CpioWriter::header(const CpioEntry& e, uint32_t ino, uint32_t nlink) {
    // 110-byte header: magic and 13 fields of 8 hex digits, then the NUL-terminated name,
    // padded so that the data starts on a 4-byte boundary.
    std::string h = fmt::format("070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
                                ino, e.mode, e.uid, e.gid, nlink, mtime_, uint32_t(e.data.size()), 0u, 0u,
                                e.rdev_major, e.rdev_minor, uint32_t(e.name.size() + 1), 0u);
    out_.insert(out_.end(), h.begin(), h.end());
    out_.insert(out_.end(), e.name.begin(), e.name.end());
    out_.push_back(0);
    pad4(out_);
}

void CpioWriter::add(const CpioEntry& in) {
    CpioEntry e = in;
    e.name = in.name == "TRAILER!!!" ? in.name : strip_slash(in.name);
    if (e.data.size() > 0xFFFFFFFFu) throw std::runtime_error(fmt::format("cpio: {} is too large", e.name));
    uint32_t type = e.mode & kModeTypeMask;
    header(e, next_ino_++, type == kModeDir ? 2 : 1);
    out_.insert(out_.end(), e.data.begin(), e.data.end());
    pad4(out_);
}

void CpioWriter::add_dir(const std::string& name, uint32_t perm, uint32_t uid, uint32_t gid) {
    add({name, kModeDir | (perm & 07777), uid, gid, 0, 0, {}});
}

void CpioWriter::add_file(const std::string& name, uint32_t perm, std::span<const uint8_t> data, uint32_t uid,
                          uint32_t gid) {
    add({name, kModeReg | (perm & 07777), uid, gid, 0, 0, std::vector<uint8_t>(data.begin(), data.end())});
}

void CpioWriter::add_symlink(const std::string& name, const std::string& target, uint32_t perm, uint32_t uid,
                             uint32_t gid) {
    add({name, kModeLink | (perm & 07777), uid, gid, 0, 0, std::vector<uint8_t>(target.begin(), target.end())});
}

void CpioWriter::add_node(const std::string& name, uint32_t perm, char type, uint32_t major, uint32_t minor,
                          uint32_t uid, uint32_t gid) {
    if (type != 'c' && type != 'b')
        throw std::runtime_error(fmt::format("cpio: {}: device type must be c or b, not '{}'", name, type));
    add({name, (type == 'c' ? kModeChr : kModeBlk) | (perm & 07777), uid, gid, major, minor, {}});
}

std::vector<uint8_t> CpioWriter::finish() {
    CpioEntry t;
    t.name = "TRAILER!!!";
    header(t, 0, 1);
    pad4(out_);
    std::vector<uint8_t> r;
    r.swap(out_);
    next_ino_ = 721;
    return r;
}

std::vector<CpioEntry> read_cpio_newc(std::span<const uint8_t> a) {
    std::vector<CpioEntry> out;
    size_t pos = 0;
    auto hex = [&](size_t at) {
        uint32_t v = 0;
        for (size_t i = 0; i < 8; ++i) {
            char c = char(a[at + i]);
            unsigned d;
            if (c >= '0' && c <= '9') d = unsigned(c - '0');
            else if (c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
            else if (c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
            else throw std::runtime_error(fmt::format("cpio: bad hex digit at offset {}", at + i));
            v = (v << 4) | d;
        }
        return v;
    };
    auto align4 = [](size_t v) { return (v + 3) & ~size_t{3}; };
    for (;;) {
        if (a.size() - pos < 110) throw std::runtime_error(fmt::format("cpio: truncated header at offset {}", pos));
        if (std::string(a.begin() + long(pos), a.begin() + long(pos) + 6) != "070701")
            throw std::runtime_error(fmt::format("cpio: bad magic at offset {}", pos));
        CpioEntry e;
        e.mode = hex(pos + 14);
        e.uid = hex(pos + 22);
        e.gid = hex(pos + 30);
        uint32_t filesize = hex(pos + 54);
        e.rdev_major = hex(pos + 78);
        e.rdev_minor = hex(pos + 86);
        uint32_t namesize = hex(pos + 94);
        if (namesize == 0 || namesize > a.size() - pos - 110)
            throw std::runtime_error(fmt::format("cpio: bad name size at offset {}", pos));
        e.name.assign(a.begin() + long(pos) + 110, a.begin() + long(pos) + 110 + namesize - 1);
        size_t data = align4(pos + 110 + namesize);
        if (data > a.size() || filesize > a.size() - data)
            throw std::runtime_error(fmt::format("cpio: {}: data runs past the end", e.name));
        e.data.assign(a.begin() + long(data), a.begin() + long(data + filesize));
        pos = align4(data + filesize);
        if (e.name == "TRAILER!!!") return out;
        out.push_back(std::move(e));
        if (pos > a.size()) throw std::runtime_error("cpio: no trailer");
    }
}

std::vector<uint8_t> gzip_compress(std::span<const uint8_t> data) {
    z_stream z{};
    // windowBits 15 + 16: a gzip wrapper with zeroed mtime and no file name.
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("gzip: deflateInit2 failed");
    std::vector<uint8_t> out(deflateBound(&z, uLong(data.size())) + 64);
    z.next_in = const_cast<Bytef*>(data.data());
    z.avail_in = uInt(data.size());
    z.next_out = out.data();
    z.avail_out = uInt(out.size());
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
    out.resize(n);
    return out;
}

std::vector<uint8_t> gzip_decompress(std::span<const uint8_t> data) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::runtime_error("gunzip: inflateInit2 failed");
    std::vector<uint8_t> out;
    uint8_t buf[65536];
    z.next_in = const_cast<Bytef*>(data.data());
    z.avail_in = uInt(data.size());
    int rc;
    do {
        z.next_out = buf;
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&z);
            throw std::runtime_error("gunzip: corrupt data");
        }
        out.insert(out.end(), buf, buf + (sizeof buf - z.avail_out));
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
            inflateEnd(&z);
            throw std::runtime_error("gunzip: truncated data");
        }
    } while (rc != Z_STREAM_END);
    inflateEnd(&z);
    return out;
}

}  // namespace trapeze::corpus
