// Guest physical address space: RAM, ROM and MMIO regions, with 4 KB page granularity for
// the fast path and byte-granular MMIO dispatch for the slow path. ISA-neutral: both the PC
// (32-bit physical) and the MicroVAX (30-bit physical) are built on it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace trapeze::cpu {

// A device register window in physical space. Offsets are relative to the region base.
class MmioDevice {
public:
    virtual ~MmioDevice() = default;
    virtual uint32_t mmio_read(uint64_t offset, unsigned size) = 0;
    virtual void mmio_write(uint64_t offset, unsigned size, uint32_t value) = 0;
};

class PhysicalMemory {
public:
    static constexpr unsigned kPageBits = 12;
    static constexpr uint64_t kPageSize = uint64_t{1} << kPageBits;
    static constexpr uint64_t kPageMask = kPageSize - 1;

    enum PageFlags : uint8_t {
        kReadable = 1,   // host pointer valid for reads
        kWritable = 2,   // host pointer valid for writes (RAM)
        kMmio = 4,       // some or all of the page is device registers
        kCode = 8,       // translated code lives here: writes must invalidate it
    };

    // address_bits: width of the physical address space (32 for the PC, 30 for the VAX).
    explicit PhysicalMemory(unsigned address_bits);
    ~PhysicalMemory();
    PhysicalMemory(const PhysicalMemory&) = delete;
    PhysicalMemory& operator=(const PhysicalMemory&) = delete;

    uint64_t size() const { return uint64_t{1} << address_bits_; }

    // Adds zero-filled RAM at [base, base+bytes); returns the host buffer.
    uint8_t* add_ram(uint64_t base, uint64_t bytes);
    // Maps a read-only copy of image at base (writes are ignored, as on a real ROM).
    uint8_t* add_rom(uint64_t base, std::span<const uint8_t> image);
    // Makes [base, base+bytes) show the same backing as [target, target+bytes).
    void add_alias(uint64_t base, uint64_t bytes, uint64_t target);
    void add_mmio(uint64_t base, uint64_t bytes, MmioDevice* device);

    // Unmaps [base, base+bytes): used by machines that switch ROM shadows.
    void remove(uint64_t base, uint64_t bytes);

    // Fast-path page lookup. host is the host address of the page's first byte (or null).
    struct Page {
        uint8_t* host = nullptr;
        uint8_t flags = 0;
    };
    const Page& page(uint64_t addr) const { return pages_[(addr & addr_mask_) >> kPageBits]; }
    uint8_t* host_pointer(uint64_t addr, bool for_write) const {
        const Page& p = page(addr);
        uint8_t need = for_write ? kWritable : kReadable;
        if ((p.flags & need) == 0 || (for_write && (p.flags & kCode))) return nullptr;
        return p.host + (addr & kPageMask);
    }

    // Slow path: any size 1/2/4, any alignment, MMIO, unassigned space. Unassigned reads
    // return all ones and set last_access_unassigned() (the VAX turns that into a machine
    // check; the PC ignores it). Writes to code pages call the code-write observer.
    uint32_t read(uint64_t addr, unsigned size);
    void write(uint64_t addr, unsigned size, uint32_t value);
    bool last_access_unassigned() const { return unassigned_; }
    // The MMIO regions as registered (base, bytes), for tools that visit every device
    // (the iofuzz campaigns).
    std::vector<std::pair<uint64_t, uint64_t>> mmio_regions() const {
        std::vector<std::pair<uint64_t, uint64_t>> out;
        for (const Region& r : mmio_) out.emplace_back(r.base, r.bytes);
        return out;
    }

    // Bulk access for loaders and DMA: returns false if any byte is unassigned or MMIO.
    bool read_block(uint64_t addr, std::span<uint8_t> out) const;
    bool write_block(uint64_t addr, std::span<const uint8_t> in);
    // Loaders may write into ROM with this (the ROM's initial image).
    bool is_ram(uint64_t addr) const { return (page(addr).flags & kWritable) != 0; }

    // Self-modifying code support: the block cache marks pages that hold translated code;
    // any write to such a page (guest store, DMA, loader) calls the observer with the page
    // address, which invalidates the blocks there and clears the mark.
    void mark_code(uint64_t addr);
    void clear_code(uint64_t addr);
    bool is_code(uint64_t addr) const { return (page(addr).flags & kCode) != 0; }
    void set_code_write_observer(std::function<void(uint64_t page_addr)> fn) { code_write_ = std::move(fn); }
    // Called after a code mark so that an ISA's TLB can drop write entries for the page.
    void set_code_mark_observer(std::function<void(uint64_t page_addr)> fn) { code_mark_ = std::move(fn); }

    // Called on a write to a code page (exported for ISA slow paths that write through host
    // pointers they obtained before the page became code).
    void notify_code_write(uint64_t addr);

private:
    struct Region {
        uint64_t base, bytes;
        MmioDevice* device;
    };
    const Region* find_mmio(uint64_t addr) const;
    void set_pages(uint64_t base, uint64_t bytes, uint8_t* host, uint8_t flags);

    unsigned address_bits_;
    uint64_t addr_mask_;
    std::vector<Page> pages_;
    std::vector<std::unique_ptr<uint8_t[]>> buffers_;
    std::vector<std::pair<uint8_t*, uint64_t>> mappings_;
    std::vector<Region> mmio_;
    bool unassigned_ = false;
    std::function<void(uint64_t)> code_write_;
    std::function<void(uint64_t)> code_mark_;
};

}  // namespace trapeze::cpu
