// Trace keys (llvm_backend.h): a trace request's identity, field by field. trace_key names
// a trace within the process (the backend's reuse of compiled code); portable_trace_key
// names it across processes of one build (the disk cache, trace_disk_cache.h), with each
// handler as its offset in the executable, and parse_portable_trace_key reads one back.
// One function lists the fields for writing and reading, so that the two cannot drift.
#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "binary_translate/llvm_backend.h"

namespace trapeze::bt {

namespace {

// The fields of a trace's key, in order, through an archive that writes them (KeyWriter) or
// reads them back (KeyReader); each handler goes through `handler`, which maps it to what
// the key holds and back. Field by field: DecodedInsn has padding whose bytes are not
// defined.
template <typename Archive, typename Request, typename HandlerIo>
bool trace_key_fields(Archive& ar, Request& r, HandlerIo handler) {
    static_assert(sizeof(x86::DecodedInsn) == 40,
                  "DecodedInsn changed: add the new fields to trace_key (binary_translate/llvm_backend.cpp)");
    ar.io(r.cs_base);
    ar.io(r.last);
    ar.io(r.cs_limit);
    ar.io(r.ss_attr);
    ar.io(r.flat_segs);
    ar.io(r.cpl);
    ar.io(r.code32);
    ar.io(r.count_execution);
    ar.io(r.loops);
    // A vector: its length (at most 4096 when read back), then its elements.
    auto sized = [&](auto& v) {
        uint32_t n = uint32_t(v.size());
        ar.io(n);
        if constexpr (Archive::kReading) {
            if (!ar.ok || n > 4096) return false;
            v.resize(n);
        }
        for (auto& e : v) ar.io(e);
        return ar.ok;
    };
    auto block = [&](auto& b) {
        ar.io(b.eip);
        uint32_t n = uint32_t(b.insns.size());
        ar.io(n);
        if constexpr (Archive::kReading) {
            if (!ar.ok || n > 4096) return false;
            b.insns.resize(n);
        }
        for (auto& in : b.insns) {
            if (!handler(in.fn)) return false;
            ar.io(in.imm);
            ar.io(in.imm2);
            ar.io(in.mem.seg);
            ar.io(in.mem.base);
            ar.io(in.mem.index);
            ar.io(in.mem.scale);
            ar.io(in.mem.disp);
            ar.io(in.form);
            ar.io(in.len);
            ar.io(in.opsize);
            ar.io(in.addr32);
            ar.io(in.r0);
            ar.io(in.r1);
            ar.io(in.r2);
            ar.io(in.flags);
            ar.io(in.cc);
            ar.io(in.opsize2);
            ar.io(in.opcode);
            ar.io(in.ea_shape);
        }
        return sized(b.code) && sized(b.seen_targets);
    };
    if constexpr (Archive::kReading) {
        while (ar.ok && !ar.done())
            if (!block(r.blocks.emplace_back())) return false;
        return ar.ok && !r.blocks.empty();
    } else {
        for (const TraceBlock& b : r.blocks)
            if (!block(b)) return false;
        return true;
    }
}

struct KeyWriter {
    static constexpr bool kReading = false;
    std::string& k;
    bool ok = true;
    template <typename T>
    void io(const T& v) {
        k.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
};

struct KeyReader {
    static constexpr bool kReading = true;
    std::string_view s;
    size_t at = 0;
    bool ok = true;
    bool done() const { return at == s.size(); }
    template <typename T>
    void io(T& v) {
        if (!ok || s.size() - at < sizeof v) {
            ok = false;
            return;
        }
        if constexpr (std::is_same_v<T, bool>) {  // (any other byte is no bool)
            ok = uint8_t(s[at]) <= 1;
            v = s[at] == 1;
        } else {
            std::memcpy(&v, s.data() + at, sizeof v);
        }
        at += sizeof v;
    }
};

// The ELF object this code is in: where it is loaded, and its extent. A handler's offset
// from `base` is the same in every process of the build.
struct SelfImage {
    uintptr_t base = 0, lo = 0, hi = 0;
    static const SelfImage& get() {
        static const SelfImage image = [] {
            SelfImage m;
            Dl_info self{};
            if (!dladdr(reinterpret_cast<const void*>(&portable_trace_key), &self) || !self.dli_fbase) return m;
            m.base = reinterpret_cast<uintptr_t>(self.dli_fbase);
            dl_iterate_phdr(
                [](dl_phdr_info* info, size_t, void* data) -> int {
                    auto* m = static_cast<SelfImage*>(data);
                    if (info->dlpi_addr != m->base) return 0;
                    for (int i = 0; i < info->dlpi_phnum; ++i) {
                        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
                        if (ph.p_type != PT_LOAD) continue;
                        const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
                        m->lo = m->lo ? std::min(m->lo, lo) : lo;
                        m->hi = std::max(m->hi, lo + ph.p_memsz);
                    }
                    return 1;
                },
                &m);
            return m;
        }();
        return image;
    }
};

}  // namespace

std::string trace_key(const TraceRequest& r) {
    std::string k;
    KeyWriter w{k};
    trace_key_fields(w, r, [&w](x86::Handler fn) {
        w.io(reinterpret_cast<uintptr_t>(fn));
        return true;
    });
    return k;
}

bool portable_trace_key(const TraceRequest& r, std::string& key) {
    const SelfImage& self = SelfImage::get();
    key.clear();
    KeyWriter w{key};
    return self.hi && trace_key_fields(w, r, [&](x86::Handler fn) {
               const auto at = reinterpret_cast<uintptr_t>(fn);
               if (at < self.lo || at >= self.hi) return false;
               w.io(at - self.base);
               return true;
           });
}

bool parse_portable_trace_key(std::string_view key, TraceRequest& r) {
    const SelfImage& self = SelfImage::get();
    r = TraceRequest{};
    KeyReader rd{key};
    return self.hi && trace_key_fields(rd, r, [&](x86::Handler& fn) {
               uintptr_t off = 0;
               rd.io(off);
               if (!rd.ok || off >= self.hi - self.base) return false;
               fn = reinterpret_cast<x86::Handler>(self.base + off);
               return true;
           });
}

}  // namespace trapeze::bt
