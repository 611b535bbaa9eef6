#include "cpu/physical_memory.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <sys/mman.h>

namespace trapeze::cpu {

PhysicalMemory::PhysicalMemory(unsigned address_bits)
    : address_bits_(address_bits),
      addr_mask_((uint64_t{1} << address_bits) - 1),
      pages_(size_t{1} << (address_bits - kPageBits)) {}

PhysicalMemory::~PhysicalMemory() {
    for (auto& [p, n] : mappings_) munmap(p, n);
}

void PhysicalMemory::set_pages(uint64_t base, uint64_t bytes, uint8_t* host, uint8_t flags) {
    if ((base & kPageMask) || (bytes & kPageMask))
        throw std::invalid_argument("physical region not page aligned");
    if (base + bytes > size()) throw std::invalid_argument("physical region beyond address space");
    for (uint64_t off = 0; off < bytes; off += kPageSize) {
        Page& p = pages_[(base + off) >> kPageBits];
        p.host = host ? host + off : nullptr;
        p.flags = flags;
    }
}

uint8_t* PhysicalMemory::add_ram(uint64_t base, uint64_t bytes) {
    // Anonymous mappings are zero-filled lazily by the host kernel: a 1 GB guest costs
    // nothing until it touches its memory.
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("cannot allocate guest RAM");
    auto* host = static_cast<uint8_t*>(p);
    mappings_.push_back({host, bytes});
    set_pages(base, bytes, host, kReadable | kWritable);
    return host;
}

uint8_t* PhysicalMemory::add_rom(uint64_t base, std::span<const uint8_t> image) {
    uint64_t bytes = (image.size() + kPageMask) & ~kPageMask;
    auto buf = std::make_unique<uint8_t[]>(bytes);
    std::memcpy(buf.get(), image.data(), image.size());
    uint8_t* host = buf.get();
    buffers_.push_back(std::move(buf));
    set_pages(base, bytes, host, kReadable);
    return host;
}

void PhysicalMemory::add_alias(uint64_t base, uint64_t bytes, uint64_t target) {
    for (uint64_t off = 0; off < bytes; off += kPageSize) {
        const Page src = page(target + off);
        Page& p = pages_[((base + off) & addr_mask_) >> kPageBits];
        p = src;
        p.flags &= static_cast<uint8_t>(~kCode);
    }
}

void PhysicalMemory::add_mmio(uint64_t base, uint64_t bytes, MmioDevice* device) {
    mmio_.push_back({base, bytes, device});
    uint64_t first = base & ~kPageMask, last = (base + bytes - 1) & ~kPageMask;
    for (uint64_t a = first; a <= last; a += kPageSize) {
        Page& p = pages_[a >> kPageBits];
        // A page that is part RAM and part MMIO loses its fast path entirely.
        p.flags = kMmio;
        p.host = nullptr;
    }
}

void PhysicalMemory::remove(uint64_t base, uint64_t bytes) {
    set_pages(base, bytes, nullptr, 0);
    std::erase_if(mmio_, [&](const Region& r) { return r.base >= base && r.base + r.bytes <= base + bytes; });
}

const PhysicalMemory::Region* PhysicalMemory::find_mmio(uint64_t addr) const {
    for (const Region& r : mmio_)
        if (addr >= r.base && addr - r.base < r.bytes) return &r;
    return nullptr;
}

uint32_t PhysicalMemory::read(uint64_t addr, unsigned size) {
    addr &= addr_mask_;
    unassigned_ = false;
    const Page& p = page(addr);
    if ((addr & kPageMask) + size <= kPageSize) {
        if (p.flags & kReadable) {
            uint32_t v = 0;
            std::memcpy(&v, p.host + (addr & kPageMask), size);
            return v;
        }
        if (p.flags & kMmio) {
            if (const Region* r = find_mmio(addr)) return r->device->mmio_read(addr - r->base, size);
        }
        if (size == 4 && !(p.flags & kMmio)) {
            unassigned_ = true;
            return 0xFFFFFFFFu;
        }
    }
    // Byte by byte: page crossings, partial MMIO, unassigned space.
    uint32_t v = 0;
    bool any_unassigned = false;
    for (unsigned i = 0; i < size; ++i) {
        uint64_t a = (addr + i) & addr_mask_;
        const Page& q = page(a);
        uint32_t b;
        if (q.flags & kReadable) {
            b = q.host[a & kPageMask];
        } else if (const Region* r = (q.flags & kMmio) ? find_mmio(a) : nullptr) {
            b = r->device->mmio_read(a - r->base, 1) & 0xFF;
        } else {
            b = 0xFF;
            any_unassigned = true;
        }
        v |= b << (8 * i);
    }
    unassigned_ = any_unassigned;
    return v;
}

void PhysicalMemory::write(uint64_t addr, unsigned size, uint32_t value) {
    addr &= addr_mask_;
    unassigned_ = false;
    const Page& p = page(addr);
    if ((addr & kPageMask) + size <= kPageSize) {
        if (p.flags & kWritable) {
            if (p.flags & kCode) notify_code_write(addr);
            std::memcpy(p.host + (addr & kPageMask), &value, size);
            return;
        }
        if (p.flags & kMmio) {
            if (const Region* r = find_mmio(addr)) {
                r->device->mmio_write(addr - r->base, size, value);
                return;
            }
        }
    }
    bool any_unassigned = false;
    for (unsigned i = 0; i < size; ++i) {
        uint64_t a = (addr + i) & addr_mask_;
        const Page& q = page(a);
        uint8_t b = static_cast<uint8_t>(value >> (8 * i));
        if (q.flags & kWritable) {
            if (q.flags & kCode) notify_code_write(a);
            q.host[a & kPageMask] = b;
        } else if (const Region* r = (q.flags & kMmio) ? find_mmio(a) : nullptr) {
            r->device->mmio_write(a - r->base, 1, b);
        } else if (!(q.flags & kReadable)) {
            any_unassigned = true;  // ROM writes are silently dropped, not unassigned
        }
    }
    unassigned_ = any_unassigned;
}

bool PhysicalMemory::read_block(uint64_t addr, std::span<uint8_t> out) const {
    for (size_t i = 0; i < out.size();) {
        uint64_t a = (addr + i) & addr_mask_;
        const Page& q = page(a);
        if (!(q.flags & kReadable)) return false;
        size_t n = std::min<size_t>(out.size() - i, kPageSize - (a & kPageMask));
        std::memcpy(out.data() + i, q.host + (a & kPageMask), n);
        i += n;
    }
    return true;
}

bool PhysicalMemory::write_block(uint64_t addr, std::span<const uint8_t> in) {
    for (size_t i = 0; i < in.size();) {
        uint64_t a = (addr + i) & addr_mask_;
        const Page& q = page(a);
        if (!(q.flags & kWritable)) return false;
        if (q.flags & kCode) notify_code_write(a);
        size_t n = std::min<size_t>(in.size() - i, kPageSize - (a & kPageMask));
        std::memcpy(q.host + (a & kPageMask), in.data() + i, n);
        i += n;
    }
    return true;
}

void PhysicalMemory::mark_code(uint64_t addr) {
    Page& p = pages_[(addr & addr_mask_) >> kPageBits];
    if (p.flags & kCode) return;
    p.flags |= kCode;
    if (code_mark_) code_mark_(addr & ~kPageMask);
}

void PhysicalMemory::clear_code(uint64_t addr) {
    pages_[(addr & addr_mask_) >> kPageBits].flags &= static_cast<uint8_t>(~kCode);
}

void PhysicalMemory::notify_code_write(uint64_t addr) {
    uint64_t page_addr = addr & addr_mask_ & ~kPageMask;
    clear_code(page_addr);
    if (code_write_) code_write_(page_addr);
}

}  // namespace trapeze::cpu
