// The disk cache's files (binary_translate/trace_disk_cache.h): what is stored comes back,
// and nothing else does: a damaged, truncated, oversized or foreign file is refused. (The
// whole path, compiled traces loaded by a later run of trapeze, is tests/cli/jit_cache.cmake.)
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <vector>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "binary_translate/jit.h"
#include "binary_translate/llvm_backend.h"
#include "binary_translate/trace_disk_cache.h"
#include "isa/x86/decoder.h"

namespace fs = std::filesystem;
using trapeze::bt::DiskCacheMeta;
using trapeze::bt::TraceDiskCache;

namespace {

fs::path fresh_dir(const std::string& tag) {
    fs::path d = fs::temp_directory_path() / ("trapeze-disk-cache-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(d);
    return d;
}

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, const std::string& s) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << s;
}

// Opens c on dir for the build fingerprint fp.
void open_for(TraceDiskCache& c, const fs::path& dir, const std::string& fp) {
    std::string why;
    REQUIRE(c.open(dir.string(), why));
    REQUIRE(c.set_fingerprint(fp, why));
}

}  // namespace

TEST_CASE("disk cache: an entry comes back whole, for its key and fingerprint only") {
    const fs::path dir = fresh_dir("roundtrip");
    TraceDiskCache c;
    open_for(c, dir, "build 1\n");
    const std::string object("\x7f" "ELF and some \0 bytes", 22);
    c.store("key-a", object, DiskCacheMeta{7, 1, 2, 3, 4, 5});
    CHECK(c.counts().written == 1);

    auto e = c.load("key-a");
    REQUIRE(e);
    CHECK(e->object == object);
    CHECK(e->meta.inlined == 7);
    CHECK(e->meta.called == 1);
    CHECK(e->meta.canonical_entries == 2);
    CHECK(e->meta.cases_pruned == 3);
    CHECK(e->meta.peeled == 4);
    CHECK(e->meta.loop_tlb_checks == 5);
    CHECK(!c.load("key-b"));  // another trace: a miss
    CHECK(c.counts().loaded == 1);
    CHECK(c.counts().rejected == 0);

    // Another build (or host, or options) computes other names and finds nothing.
    TraceDiskCache other;
    open_for(other, dir, "build 2\n");
    CHECK(!other.load("key-a"));
    // A whole file of another key under this key's name (a hash collision): not loaded, not
    // counted as damage.
    fs::copy_file(c.path_of("key-a"), other.path_of("key-a"));
    CHECK(!other.load("key-a"));
    CHECK(other.counts().rejected == 0);
    // Each build in a directory of its own; nothing half-written is left behind.
    CHECK(fs::path(c.path_of("key-a")).parent_path() != fs::path(other.path_of("key-a")).parent_path());
    for (const auto& f : fs::recursive_directory_iterator(dir))
        if (f.is_regular_file()) CHECK(f.path().extension() == ".trace");
    fs::remove_all(dir);
}

TEST_CASE("disk cache: damaged files are refused and counted, then replaced") {
    const fs::path dir = fresh_dir("damage");
    TraceDiskCache c;
    open_for(c, dir, "fp\n");
    const std::string object(3000, 'o');
    c.store("k", object, {});
    const fs::path p = c.path_of("k");
    const std::string good = slurp(p);
    REQUIRE(good.size() > object.size());

    uint64_t rejected = 0;
    auto refused = [&](const std::string& contents) {
        spit(p, contents);
        const bool loaded = c.load("k").has_value();
        const bool counted = c.counts().rejected == rejected + 1;
        rejected = c.counts().rejected;
        return !loaded && counted;
    };
    std::string flipped = good;
    flipped[good.size() / 2] ^= 0x20;  // a byte of the object
    CHECK(refused(flipped));
    std::string flipped_key = good;
    flipped_key[10] ^= 1;  // a byte of the stored key's length
    CHECK(refused(flipped_key));
    CHECK(refused(good.substr(0, good.size() - 1)));  // truncated
    CHECK(refused(good + "x"));                       // trailing bytes
    CHECK(refused(""));
    CHECK(refused("not a trace"));
    std::string magic = good;
    magic[0] = 'X';
    CHECK(refused(magic));
    // Bigger than any object: not read at all.
    fs::resize_file(p, (64ull << 20) + 1);
    CHECK(!c.load("k"));
    CHECK(c.counts().rejected == rejected + 1);

    c.store("k", object, {});  // the next compilation rewrites it
    auto e = c.load("k");
    REQUIRE(e);
    CHECK(e->object == object);
    fs::remove_all(dir);
}

TEST_CASE("disk cache: a directory that cannot be made is refused with a reason") {
    const fs::path dir = fresh_dir("bad");
    fs::create_directories(dir);
    spit(dir / "a-file", "x");
    TraceDiskCache c;
    std::string why;
    CHECK(!c.open((dir / "a-file").string(), why));
    CHECK(why.find("Not a directory") != std::string::npos);
    CHECK(!c.open((dir / "a-file" / "sub").string(), why));
    CHECK(why.find("cannot create") != std::string::npos);
    CHECK(!c.open("", why));
    CHECK(!c.is_open());
    REQUIRE(c.open((dir / "made" / "on" / "demand").string(), why));
    CHECK(fs::is_directory(dir / "made" / "on" / "demand"));
    fs::remove_all(dir);
}

TEST_CASE("disk cache: a trace's portable key names its handlers by offset, or refuses") {
    using namespace trapeze;
    bt::TraceRequest r;
    x86::DecodedInsn in;
    in.fn = x86::handler_invalid_opcode;
    in.len = 1;
    r.blocks.push_back({0x1000, {in}, {}, {}});
    std::string a, b;
    REQUIRE(bt::portable_trace_key(r, a));
    REQUIRE(bt::portable_trace_key(r, b));
    CHECK(a == b);
    CHECK(a.size() == bt::trace_key(r).size());
    CHECK(a != bt::trace_key(r));  // (an offset, not the address)
    r.blocks[0].insns[0].imm = 5;  // any field of an instruction changes it
    REQUIRE(bt::portable_trace_key(r, b));
    CHECK(a != b);
    // A callee on another page: its bytes are part of the key, and read back with it.
    r.blocks[0].insns[0].imm = 0;
    r.blocks.push_back({0x30000, {in}, {0x8B, 0x1C, 0x24, 0xC3}, {}});
    REQUIRE(bt::portable_trace_key(r, a));
    r.blocks[1].code[1] = 0x34;
    REQUIRE(bt::portable_trace_key(r, b));
    CHECK(a != b);
    bt::TraceRequest back;
    REQUIRE(bt::parse_portable_trace_key(b, back));
    REQUIRE(back.blocks.size() == 2);
    CHECK(back.blocks[0].code.empty());
    CHECK(back.blocks[1].code == r.blocks[1].code);
    CHECK(back.blocks[1].eip == 0x30000);
    // A handler outside the executable has no offset that another process would share.
    r.blocks[0].insns[0].fn = reinterpret_cast<x86::Handler>(reinterpret_cast<void (*)()>(&std::abort));
    CHECK(!bt::portable_trace_key(r, b));
}

TEST_CASE("disk cache: the builds used last are kept, older ones deleted, nothing else") {
    const fs::path dir = fresh_dir("builds");
    fs::create_directories(dir / "notes");
    spit(dir / "notes" / "readme.txt", "mine");
    fs::create_directories(dir / "0123456789abcdef");  // named like a build, holding something else
    spit(dir / "0123456789abcdef" / "keep.txt", "mine too");
    const auto now = fs::file_time_type::clock::now();
    std::vector<std::string> entries;
    for (int n = 0; n < 6; ++n) {  // six builds, each used an hour after the one before
        TraceDiskCache c;
        open_for(c, dir, "build " + std::to_string(n) + "\n");
        c.store("k", "object", {});
        entries.push_back(c.path_of("k"));
        fs::last_write_time(fs::path(entries.back()).parent_path(), now - std::chrono::hours(10 - n));
    }
    TraceDiskCache seventh;  // the three used last before it stay, with it
    open_for(seventh, dir, "build 6\n");
    const size_t kept = TraceDiskCache::kBuildsKept;
    for (size_t n = 0; n < 6; ++n) CHECK(fs::exists(entries[n]) == (n >= 6 - (kept - 1)));
    CHECK(fs::exists(dir / "notes" / "readme.txt"));
    CHECK(fs::exists(dir / "0123456789abcdef" / "keep.txt"));
    fs::remove_all(dir);
}

TEST_CASE("disk cache: traces are formed larger with a cache; the knobs still decide") {
    using trapeze::bt::JitOptions;
    ::unsetenv("TRAPEZE_JIT_MAX_BLOCKS");
    ::unsetenv("TRAPEZE_JIT_MAX_INSNS");
    const JitOptions plain = JitOptions::from_environment(false, false);
    const JitOptions cached = JitOptions::from_environment(false, true);
    CHECK(plain.max_blocks == JitOptions{}.max_blocks);
    CHECK(plain.max_insns == JitOptions{}.max_insns);
    CHECK(cached.max_blocks == JitOptions::kCachedMaxBlocks);
    CHECK(cached.max_insns == JitOptions::kCachedMaxInsns);
    CHECK(cached.max_blocks > plain.max_blocks);
    CHECK(cached.threshold == plain.threshold);
    ::setenv("TRAPEZE_JIT_MAX_BLOCKS", "4", 1);
    CHECK(JitOptions::from_environment(false, true).max_blocks == 4);
    ::unsetenv("TRAPEZE_JIT_MAX_BLOCKS");
}

TEST_CASE("disk cache: mutated files and keys never load as something else, nor crash") {
    // A valid entry, then thousands of variants of it (bytes flipped, cut, repeated, spliced):
    // each either loads as exactly the stored object (a change the check cannot see does
    // not exist: every byte is covered) or not at all. Keys parsed back the same way.
    using namespace trapeze;
    const fs::path dir = fresh_dir("mutate");
    TraceDiskCache c;
    open_for(c, dir, "fp\n");
    bt::TraceRequest r;
    x86::DecodedInsn in;
    in.fn = x86::handler_invalid_opcode;
    in.len = 1;
    r.blocks.push_back({0x1000, {in, in}, {}, {}});
    r.blocks.push_back({0x1010, {in}, {}, {}});
    std::string key;
    REQUIRE(bt::portable_trace_key(r, key));
    const std::string object(500, 'o');
    c.store(key, object, {});
    const fs::path p = c.path_of(key);
    const std::string good = slurp(p);
    uint64_t seed = 12345;
    auto rnd = [&seed](size_t n) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return size_t((seed >> 33) % n);
    };
    auto mutate = [&](std::string s) {
        switch (rnd(4)) {
        case 0: s[rnd(s.size())] ^= char(1 + rnd(255)); break;
        case 1: s.resize(rnd(s.size())); break;
        case 2: s.insert(rnd(s.size()), s.substr(rnd(s.size()), 1 + rnd(16))); break;
        default: s.erase(rnd(s.size()), 1 + rnd(16)); break;
        }
        return s;
    };
    unsigned loaded = 0, parsed = 0;
    for (int i = 0; i < 2000; ++i) {
        spit(p, mutate(good));
        if (auto e = c.load(key)) {
            CHECK(e->object == object);
            loaded++;
        }
        bt::TraceRequest back;
        const std::string k = mutate(key);
        if (bt::parse_portable_trace_key(k, back)) {
            parsed++;
            std::string again;
            CHECK(bt::portable_trace_key(back, again));
            CHECK(again == k);  // what parses is a key, and the same one
        }
    }
    CHECK(loaded < 2000);
    CHECK(parsed < 2000);
    fs::remove_all(dir);
}
