#include "devices/microvax/cqbic.h"

#include <algorithm>

namespace trapeze::devices::microvax {

namespace {
uint32_t lane_mask(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
}  // namespace

uint32_t Cqbic::mmio_read(uint64_t offset, unsigned size) {
    uint32_t v = 0;
    switch (offset >> 2) {
    case 0: v = scr(); break;
    case 1: v = dser_ & kDserMask; break;
    case 2: v = mear_ & 0x1FFF; break;
    case 3: v = sear_ & 0xFFFFF; break;
    case 4: v = mbr_ & kMbrMask; break;
    default: break;
    }
    return (v >> (8 * (offset & 3))) & lane_mask(size);
}

void Cqbic::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    const unsigned shift = 8 * (offset & 3);
    const uint32_t mask = lane_mask(size) << shift;
    value = (value << shift) & mask;
    switch (offset >> 2) {
    case 0: scr_ = (scr_ & ~(kScrRw & mask)) | (value & kScrRw); break;
    case 1:
        dser_ &= ~value & kDserMask;
        if (value & kDserSme) ipc_reg_ &= ~kIpcQme;
        break;
    case 4: mbr_ = (mbr_ & ~mask) | (value & kMbrMask); mbr_ &= kMbrMask; break;
    default: break;  // MEAR and SEAR are read-only
    }
}

void Cqbic::reset() {
    scr_ = (scr_ & 0x4000) | kScrPok;
    dser_ = mear_ = sear_ = ipc_reg_ = 0;
}

void Cqbic::master_error(uint32_t qbus_address) {
    if (dser_ & kDserErr) dser_ |= kDserLost;
    dser_ |= kDserMnx;
    mear_ = (qbus_address >> 9) & 0x1FFF;
}

void Cqbic::slave_error(uint64_t physical) {
    if (dser_ & kDserErr) dser_ |= kDserLost;
    dser_ |= kDserSnx;
    sear_ = static_cast<uint32_t>(physical >> 9) & 0xFFFFF;
}

bool Cqbic::translate(uint32_t qbus_address, uint64_t& physical, bool record) {
    qbus_address &= kQmemSize - 1;
    const uint64_t entry_address = mbr_ + ((qbus_address >> 9) << 2);
    if (!local_ram(entry_address, 4)) {
        if (record) slave_error(entry_address);
        return false;
    }
    const uint32_t entry = memory_.read(entry_address, 4);
    if (!(entry & kMapValid)) {
        if (record) master_error(qbus_address);
        return false;
    }
    physical = (uint64_t{entry & kMapPage} << 9) | (qbus_address & 0x1FF);
    if (!local_ram(physical, 1)) {
        if (record) slave_error(physical);
        return false;
    }
    return true;
}

size_t Cqbic::dma_read(uint32_t qbus_address, std::span<uint8_t> out) {
    size_t done = 0;
    while (done < out.size()) {
        uint64_t pa;
        if (!translate(static_cast<uint32_t>(qbus_address + done), pa)) break;
        size_t chunk = std::min<size_t>(out.size() - done, 0x200 - ((qbus_address + done) & 0x1FF));
        if (!memory_.read_block(pa, out.subspan(done, chunk))) break;
        done += chunk;
    }
    return done;
}

size_t Cqbic::dma_write(uint32_t qbus_address, std::span<const uint8_t> in) {
    size_t done = 0;
    while (done < in.size()) {
        uint64_t pa;
        if (!translate(static_cast<uint32_t>(qbus_address + done), pa)) break;
        size_t chunk = std::min<size_t>(in.size() - done, 0x200 - ((qbus_address + done) & 0x1FF));
        if (!memory_.write_block(pa, in.subspan(done, chunk))) break;
        done += chunk;
    }
    return done;
}

// The map window: the entry at MBR + offset in local memory.
uint32_t Cqbic::MapWindow::mmio_read(uint64_t offset, unsigned size) {
    const uint64_t pa = q.mbr_ + offset;
    if (!q.local_ram(pa, size)) {
        q.slave_error(pa);
        no_response();
        return 0;
    }
    return q.memory_.read(pa, size);
}

void Cqbic::MapWindow::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    const uint64_t pa = q.mbr_ + offset;
    if (!q.local_ram(pa, size)) {
        q.slave_error(pa);
        no_response();
        return;
    }
    q.memory_.write(pa, size, value);
}

// Q-bus memory space: out on the bus and back through the map.
uint32_t Cqbic::QbusMemory::mmio_read(uint64_t offset, unsigned size) {
    uint64_t pa;
    if (!q.translate(static_cast<uint32_t>(offset), pa) || !q.local_ram(pa, size)) {
        no_response();
        return 0;
    }
    return q.memory_.read(pa, size);
}

void Cqbic::QbusMemory::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    uint64_t pa;
    if (!q.translate(static_cast<uint32_t>(offset), pa) || !q.local_ram(pa, size)) {
        no_response();
        return;
    }
    q.memory_.write(pa, size, value);
}

uint32_t Cqbic::Ipc::mmio_read(uint64_t offset, unsigned size) {
    return ((q.ipc_reg_ & kIpcMask) >> (8 * (offset & 1))) & lane_mask(size);
}

void Cqbic::Ipc::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    const unsigned shift = 8 * (offset & 1);
    const uint32_t mask = (lane_mask(size) << shift) & 0xFFFF;
    value = (value << shift) & mask;
    q.ipc_reg_ &= ~(value & kIpcQme);
    q.ipc_reg_ = (q.ipc_reg_ & ~(kIpcRw & mask)) | (value & kIpcRw);
}

}  // namespace trapeze::devices::microvax
