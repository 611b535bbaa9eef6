// PageSet: a set of 4 KB page numbers of a 32-bit address space that is cheap to test and
// to empty. A bitmap answers "is this page in?" with one load; the pages added since the last
// clear() are also listed, so that clearing touches only their bits. Past kListed pages the
// list is dropped and clear() wipes the whole bitmap (128 KB) instead.
//
// The x86 CPU keeps the linear pages it has fetched code from since the chaining epoch began
// (X86Cpu::fetched_pages_): INVLPG of any other page cannot change a mapping that a chain
// link or a compiled trace relies on.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace trapeze::cpu {

class PageSet {
public:
    static constexpr unsigned kListed = 4096;

    PageSet() : bits_(kWords, 0) { listed_.reserve(kListed); }

    bool contains(uint32_t page) const { return (bits_[page >> 6] >> (page & 63)) & 1; }

    void insert(uint32_t page) {
        uint64_t& word = bits_[page >> 6];
        const uint64_t bit = uint64_t{1} << (page & 63);
        if (word & bit) return;
        word |= bit;
        if (overflowed_) return;
        if (listed_.size() == kListed) overflowed_ = true;
        else listed_.push_back(page);
    }

    void clear() {
        if (overflowed_) std::fill(bits_.begin(), bits_.end(), 0);
        else
            for (uint32_t page : listed_) bits_[page >> 6] = 0;
        listed_.clear();
        overflowed_ = false;
    }

    bool empty() const { return listed_.empty() && !overflowed_; }

private:
    static constexpr unsigned kWords = (1u << 20) / 64;  // 2^20 pages of 4 KB
    std::vector<uint64_t> bits_;
    std::vector<uint32_t> listed_;
    bool overflowed_ = false;
};

}  // namespace trapeze::cpu
