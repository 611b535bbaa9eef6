#include "binary_translate/trace_disk_cache.h"

#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <llvm/Support/xxhash.h>

namespace trapeze::bt {
namespace {

// The file: magic, the whole key (fingerprint then trace), the figures, the object, and an
// xxHash64 of everything before it. Integers in the host's byte order (the fingerprint names
// the host's CPU, so no other host finds the file).
constexpr char kMagic[8] = {'T', 'R', 'Z', 'T', 'R', 'C', '3', '\n'};
// No trace's object comes near this; a bigger file is not read into memory.
constexpr uint64_t kMaxFile = 64ull << 20;

uint64_t hash(std::string_view s) {
    return llvm::xxHash64(llvm::StringRef(s.data(), s.size()));
}

template <typename T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads from a byte string, failing (and staying failed) past its end.
struct Reader {
    std::string_view s;
    size_t at = 0;
    bool ok = true;
    template <typename T>
    T get() {
        T v{};
        if (!ok || s.size() - at < sizeof v) {
            ok = false;
            return v;
        }
        std::memcpy(&v, s.data() + at, sizeof v);
        at += sizeof v;
        return v;
    }
    std::string_view bytes(uint64_t n) {
        if (!ok || s.size() - at < n) {
            ok = false;
            return {};
        }
        std::string_view v = s.substr(at, n);
        at += n;
        return v;
    }
};

}  // namespace

bool TraceDiskCache::open(const std::string& dir, std::string& why) {
    if (dir.empty()) {
        why = "the directory name is empty";
        return false;
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        why = fmt::format("cannot create {}: {}", dir, ec.message());
        return false;
    }
    if (!std::filesystem::is_directory(dir, ec)) {
        why = fmt::format("{} is not a directory", dir);
        return false;
    }
    if (access(dir.c_str(), W_OK | X_OK) != 0) {
        why = fmt::format("cannot write in {}: {}", dir, std::strerror(errno));
        return false;
    }
    dir_ = dir;
    return true;
}

namespace {

// A build's directory, as set_fingerprint names them: 16 hex digits, holding only entries
// and temporary files (so that nothing else in DIR is ever deleted).
bool is_build_dir(const std::filesystem::directory_entry& e) {
    const std::string name = e.path().filename().string();
    std::error_code ec;
    if (name.size() != 16 || name.find_first_not_of("0123456789abcdef") != std::string::npos || !e.is_directory(ec))
        return false;
    for (auto it = std::filesystem::directory_iterator(e.path(), ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        const std::string f = it->path().filename().string();
        if (!it->is_regular_file(ec) || (it->path().extension() != ".trace" && f.rfind(".tmp-", 0) != 0)) return false;
    }
    return !ec;
}

}  // namespace

bool TraceDiskCache::set_fingerprint(std::string fp, std::string& why) {
    fingerprint_ = std::move(fp);
    build_dir_ = fmt::format("{}/{:016x}", dir_, hash(fingerprint_));
    std::error_code ec;
    std::filesystem::create_directories(build_dir_, ec);
    if (ec) {
        why = fmt::format("cannot create {}: {}", build_dir_, ec.message());
        return false;
    }
    std::filesystem::last_write_time(build_dir_, std::filesystem::file_time_type::clock::now(), ec);
    // The builds used last are kept; a rebuilt trapeze leaves its predecessors' entries behind.
    std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> builds;
    for (auto it = std::filesystem::directory_iterator(dir_, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        std::error_code tec;
        if (it->path() == std::filesystem::path(build_dir_) || !is_build_dir(*it)) continue;
        const auto t = it->last_write_time(tec);
        if (!tec) builds.push_back({t, it->path()});
    }
    if (builds.size() >= kBuildsKept) {
        std::sort(builds.begin(), builds.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        for (size_t i = kBuildsKept - 1; i < builds.size(); ++i) std::filesystem::remove_all(builds[i].second, ec);
    }
    return true;
}

std::string TraceDiskCache::path_of(std::string_view key) const {
    std::string whole = fingerprint_;
    whole.append(key);
    return fmt::format("{}/{:016x}.trace", build_dir_, hash(whole));
}

std::optional<DiskCacheEntry> TraceDiskCache::load(std::string_view key) {
    const std::string path = path_of(key);
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;  // not there: a miss, not a rejection
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec || size > kMaxFile) {
        rejected_++;
        return std::nullopt;
    }
    std::string data(size, '\0');
    if (!f.read(data.data(), std::streamsize(size))) {
        rejected_++;
        return std::nullopt;
    }
    Reader r{data};
    const std::string_view magic = r.bytes(sizeof kMagic);
    const std::string_view stored_key = r.bytes(r.get<uint64_t>());
    DiskCacheEntry e;
    e.meta.inlined = r.get<uint32_t>();
    e.meta.called = r.get<uint32_t>();
    e.meta.canonical_entries = r.get<uint32_t>();
    e.meta.cases_pruned = r.get<uint32_t>();
    e.meta.peeled = r.get<uint32_t>();
    e.meta.loop_tlb_checks = r.get<uint32_t>();
    const std::string_view object = r.bytes(r.get<uint64_t>());
    const size_t summed = r.at;
    const uint64_t sum = r.get<uint64_t>();
    if (!r.ok || r.at != data.size() || magic != std::string_view(kMagic, sizeof kMagic) ||
        sum != hash(std::string_view(data).substr(0, summed))) {
        rejected_++;
        return std::nullopt;
    }
    // A whole file for another key (the name's hash collided, or a file was copied in):
    // not ours, not damaged either.
    if (stored_key.size() != fingerprint_.size() + key.size() ||
        stored_key.substr(0, fingerprint_.size()) != fingerprint_ || stored_key.substr(fingerprint_.size()) != key)
        return std::nullopt;
    e.object.assign(object);
    loaded_++;
    return e;
}

void TraceDiskCache::reject_loaded() {
    loaded_--;
    rejected_++;
}

void TraceDiskCache::store(std::string_view key, std::string_view object, const DiskCacheMeta& meta) {
    std::string data(kMagic, sizeof kMagic);
    put<uint64_t>(data, fingerprint_.size() + key.size());
    data += fingerprint_;
    data.append(key);
    put<uint32_t>(data, meta.inlined);
    put<uint32_t>(data, meta.called);
    put<uint32_t>(data, meta.canonical_entries);
    put<uint32_t>(data, meta.cases_pruned);
    put<uint32_t>(data, meta.peeled);
    put<uint32_t>(data, meta.loop_tlb_checks);
    put<uint64_t>(data, object.size());
    data.append(object);
    put<uint64_t>(data, hash(data));

    const std::string path = path_of(key);
    const std::string tmp = fmt::format("{}/.tmp-{}-{}", build_dir_, getpid(), tmp_seq_++);
    bool ok = false;
    if (std::FILE* out = std::fopen(tmp.c_str(), "wb")) {
        ok = std::fwrite(data.data(), 1, data.size(), out) == data.size();
        ok = std::fclose(out) == 0 && ok;
        ok = ok && std::rename(tmp.c_str(), path.c_str()) == 0;
        if (!ok) std::remove(tmp.c_str());
    }
    if (ok) {
        written_++;
        return;
    }
    write_failures_++;
    if (!warned_) {  // once: the run goes on, compiling what it cannot keep
        warned_ = true;
        std::fprintf(stderr, "trapeze: --jit-cache: cannot write %s: %s (not kept)\n", path.c_str(),
                     std::strerror(errno));
    }
}

void TraceDiskCache::scan(const std::function<void(std::string_view key)>& f) const {
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(build_dir_, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        if (it->path().extension() != ".trace") continue;
        std::ifstream in(it->path(), std::ios::binary);
        char magic[sizeof kMagic];
        uint64_t n = 0;
        if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0 ||
            !in.read(reinterpret_cast<char*>(&n), sizeof n) || n < fingerprint_.size() || n > kMaxFile)
            continue;
        std::string key(n, '\0');
        if (!in.read(key.data(), std::streamsize(n)) || key.compare(0, fingerprint_.size(), fingerprint_) != 0) continue;
        f(std::string_view(key).substr(fingerprint_.size()));
    }
}

DiskCacheCounts TraceDiskCache::counts() const {
    return {loaded_.load(), written_.load(), rejected_.load(), write_failures_.load()};
}

std::string build_id_of(const void* addr) {
    struct Search {
        uintptr_t addr;
        std::string id;
    } s{reinterpret_cast<uintptr_t>(addr), {}};
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
            auto* s = static_cast<Search*>(data);
            bool contains = false;
            for (int i = 0; i < info->dlpi_phnum && !contains; ++i) {
                const ElfW(Phdr)& p = info->dlpi_phdr[i];
                const uintptr_t lo = info->dlpi_addr + p.p_vaddr;
                contains = p.p_type == PT_LOAD && s->addr >= lo && s->addr - lo < p.p_memsz;
            }
            if (!contains) return 0;
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr)& p = info->dlpi_phdr[i];
                if (p.p_type != PT_NOTE) continue;
                const auto* at = reinterpret_cast<const unsigned char*>(info->dlpi_addr + p.p_vaddr);
                const auto* end = at + p.p_memsz;
                while (end - at >= ptrdiff_t(sizeof(ElfW(Nhdr)))) {
                    ElfW(Nhdr) n;
                    std::memcpy(&n, at, sizeof n);
                    const unsigned char* name = at + sizeof n;
                    const unsigned char* desc = name + ((n.n_namesz + 3) & ~3u);
                    const unsigned char* next = desc + ((n.n_descsz + 3) & ~3u);
                    if (next > end) break;
                    if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
                        for (unsigned k = 0; k < n.n_descsz; ++k) s->id += fmt::format("{:02x}", desc[k]);
                        return 1;
                    }
                    at = next;
                }
            }
            return 1;  // the object, without a build ID
        },
        &s);
    return s.id;
}

}  // namespace trapeze::bt
