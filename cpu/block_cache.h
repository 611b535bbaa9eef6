// Cache of decoded basic blocks keyed by (physical address, mode bits), with invalidation by
// physical page for self-modifying code. ISA-neutral: Block is the ISA's block type and must
// provide phys_start, phys_last (address of the last byte of the last instruction), mode and
// a bool `valid`.
//
// Invalidated blocks are not freed at once: the block that performed the store that
// invalidated it may still be executing. They go to a graveyard that the run loop empties
// between blocks (collect_garbage()).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cpu/physical_memory.h"

namespace trapeze::cpu {

struct BlockCacheStats {
    uint64_t blocks_built = 0;
    uint64_t insns_decoded = 0;
    uint64_t invalidations = 0;   // blocks dropped by stores into their page
    uint64_t flushes = 0;
};

template <class Block>
class BlockCache {
public:
    explicit BlockCache(PhysicalMemory& mem) : mem_(mem) { front_.fill(nullptr); }

    Block* find(uint64_t phys, uint32_t mode) {
        uint64_t k = key(phys, mode);
        Block*& slot = front_[front_index(k)];
        if (slot && slot->phys_start == phys && slot->mode == mode) return slot;
        auto it = map_.find(k);
        if (it == map_.end()) return nullptr;
        slot = it->second.get();
        return slot;
    }

    Block* insert(std::unique_ptr<Block> b) {
        Block* raw = b.get();
        uint64_t k = key(raw->phys_start, raw->mode);
        auto it = map_.find(k);
        if (it != map_.end()) {  // (fetch_block builds only what it did not find: not reached)
            retire(std::move(it->second));
            code_generation_++;
            generation_++;
        }
        stats.blocks_built++;
        uint64_t first = raw->phys_start & ~PhysicalMemory::kPageMask;
        uint64_t last = raw->phys_last & ~PhysicalMemory::kPageMask;
        for (uint64_t p = first;; p += PhysicalMemory::kPageSize) {
            pages_[p].push_back(k);
            mem_.mark_code(p);
            if (p == last) break;
        }
        map_[k] = std::move(b);
        front_[front_index(k)] = raw;
        return raw;
    }

    // A store hit a page holding code: drop every block that overlaps it.
    void invalidate_page(uint64_t page_addr) {
        auto it = pages_.find(page_addr);
        if (it == pages_.end()) return;
        std::vector<uint64_t> keys = std::move(it->second);
        pages_.erase(it);
        for (uint64_t k : keys) {
            auto m = map_.find(k);
            if (m == map_.end()) continue;
            stats.invalidations++;
            Block* raw = m->second.get();
            if (front_[front_index(k)] == raw) front_[front_index(k)] = nullptr;
            retire(std::move(m->second));
            map_.erase(m);
        }
        code_generation_++;
        generation_++;
    }

    void flush() {
        for (auto& [k, b] : map_) retire(std::move(b));
        map_.clear();
        for (auto& [p, keys] : pages_) mem_.clear_code(p);
        pages_.clear();
        front_.fill(nullptr);
        stats.flushes++;
        code_generation_++;
        generation_++;
    }

    void collect_garbage() { graveyard_.clear(); }
    // Changes whenever a block is dropped, and whenever the CPU says that the linear->block
    // mapping may have changed (bump_generation: a TLB flush): engines holding block pointers
    // (chains, compiled traces between blocks) compare it.
    uint64_t generation() const { return generation_; }
    void bump_generation() { generation_++; }
    // Changes only when a block is dropped: while it is unchanged, a block pointer taken from
    // the cache is alive and is still what find() answers for its address.
    uint64_t code_generation() const { return code_generation_; }
    size_t size() const { return map_.size(); }

    BlockCacheStats stats;

private:
    static uint64_t key(uint64_t phys, uint32_t mode) { return (phys << 8) | (mode & 0xFF); }
    static size_t front_index(uint64_t k) { return (k ^ (k >> 14)) & (kFrontSize - 1); }
    void retire(std::unique_ptr<Block> b) {
        if (!b) return;
        b->valid = false;
        graveyard_.push_back(std::move(b));
    }

    static constexpr size_t kFrontSize = 1 << 14;
    PhysicalMemory& mem_;
    std::unordered_map<uint64_t, std::unique_ptr<Block>> map_;
    std::unordered_map<uint64_t, std::vector<uint64_t>> pages_;
    std::vector<std::unique_ptr<Block>> graveyard_;
    std::array<Block*, kFrontSize> front_;
    uint64_t generation_ = 0;
    uint64_t code_generation_ = 0;
};

}  // namespace trapeze::cpu
