// The persistent translation cache (`trapeze run --jit-cache DIR`): compiled traces kept on
// disk between runs, so that the next run of the same guest loads a hot trace's machine code
// in a fraction of a millisecond instead of compiling it for tens (docs/jit.md, "The
// translation cache on disk"). The idea is FX!32's and Rosetta 2's: a binary translator's
// work is worth keeping when the same code runs again.
//
// An entry is one relocatable object file, as LLVM emitted it, in the directory of its
// build (DIR/<hash of the fingerprint>/) under a name derived from its key: the build's fingerprint (the executable's GNU build ID, the host CPU, the code
// generation options) and the trace's content with its handlers as offsets in the executable
// (portable_trace_key), so that an entry is found again by another process of the same
// build and never by another build. The file repeats the whole key and carries a checksum:
// a truncated, corrupted or foreign file is rejected (counted, never loaded) and replaced by
// the next compilation. Files are written to a temporary name and renamed, so that runs
// sharing a directory (ctest -j) see whole files or none.
//
// What is loaded is machine code: the directory must be as trusted as the executable (as
// ccache's is). A build's entries are kept while it is among the kBuildsKept builds that
// used the directory last; older builds' directories are deleted when a run opens it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace trapeze::bt {

// Figures printed by -d jit.
struct DiskCacheCounts {
    uint64_t loaded = 0;    // traces whose code came from the directory
    uint64_t written = 0;   // entries written after a compilation
    uint64_t rejected = 0;  // files with the right name but bad contents (ignored, rewritten)
    uint64_t write_failures = 0;
};

// What a trace's entry records besides its object (TraceResult's figures for -d jit).
struct DiskCacheMeta {
    uint32_t inlined = 0;
    uint32_t called = 0;
    uint32_t canonical_entries = 0;
    uint32_t cases_pruned = 0;
    uint32_t peeled = 0;
    uint32_t loop_tlb_checks = 0;
};

struct DiskCacheEntry {
    std::string object;
    DiskCacheMeta meta;
};

class TraceDiskCache {
public:
    // Creates `dir` (and its parents) if needed and checks that it can be written. Returns
    // false with `why` (one line) if not.
    bool open(const std::string& dir, std::string& why);
    bool is_open() const { return !dir_.empty(); }
    void close() { dir_.clear(); }
    const std::string& dir() const { return dir_; }

    // The build's fingerprint: mixed into every key, and naming the build's subdirectory,
    // which this makes (false with why if it cannot) and marks as used now, deleting the
    // directories of builds beyond the kBuildsKept used last. Once, before any load/store.
    bool set_fingerprint(std::string fp, std::string& why);
    static constexpr size_t kBuildsKept = 4;

    // The entry for `key`, if a whole, matching one is there.
    std::optional<DiskCacheEntry> load(std::string_view key);
    void store(std::string_view key, std::string_view object, const DiskCacheMeta& meta);
    // A loaded entry that LLVM then refused to link: counted as rejected, not loaded.
    void reject_loaded();

    // Calls f with the key of each entry of this fingerprint in the directory (read from the
    // files' heads; load() checks the rest).
    void scan(const std::function<void(std::string_view key)>& f) const;

    DiskCacheCounts counts() const;
    // The file an entry for `key` lives in (tests corrupt it).
    std::string path_of(std::string_view key) const;

private:
    std::string dir_;
    std::string build_dir_;  // dir_/<hash of the fingerprint>
    std::string fingerprint_;
    std::atomic<uint64_t> loaded_{0}, written_{0}, rejected_{0}, write_failures_{0};
    uint64_t tmp_seq_ = 0;
    bool warned_ = false;
};

// The GNU build ID of the loaded ELF object containing `addr` (hex), or "" if it has none.
std::string build_id_of(const void* addr);

}  // namespace trapeze::bt
