// The KA655's CQBIC Q22-bus interface (KA655 technical manual, "Q22-bus Interface"):
//
// - registers at 0x20080000: SCR (system configuration: <15> DC power OK, read-only one;
//   <14> BHALT enable and <3:2> are read/write), DSER (DMA system error, write-one-to-clear:
//   <7> master NXM, <3> lost error, <0> slave NXM), MEAR and SEAR (the Q-bus page and the
//   local page of the last master and slave error, read-only), MBR (map base register:
//   where the 8192-entry map lives in local memory, 32 KB aligned);
// - the map window at 0x20088000 (32 KB): entry n translates Q-bus page n (512 bytes); <31>
//   valid, <19:0> the local memory page. The map lives in main memory at MBR: the window
//   reads and writes that memory (the ROM puts the map in the top 32 KB of RAM);
// - Q-bus memory space at 0x30000000 (4 MB): a processor access goes out on the Q-bus and
//   comes back through the map to local memory, as the CQBIC answers as a Q-bus slave;
// - the interprocessor communication register IPCR in the Q-bus I/O page (0x20001F40, Q-bus
//   address 17777500): <15> Q-bus NXM (write one to clear), <8>, <6>, <5>, <0> read/write;
// - DMA for Q-bus devices (QbusDma) through the same map.
//
// A read that finds no responder (map entry invalid, page not local memory) sets the DSER/MEAR
// or SEAR bits and reports no response (BusWindow), which the board turns into a machine
// check; a write is dropped with the error bits set.
#pragma once

#include <cstdint>

#include "cpu/physical_memory.h"
#include "devices/microvax/bus_window.h"
#include "devices/microvax/qbus.h"

namespace trapeze::devices::microvax {

class Cqbic : public cpu::MmioDevice, public QbusDma {
public:
    static constexpr uint64_t kRegBase = 0x20080000, kRegSize = 5 * 4;
    static constexpr uint64_t kMapBase = 0x20088000, kMapSize = 0x8000;
    static constexpr uint64_t kQmemBase = 0x30000000, kQmemSize = 0x400000;
    static constexpr uint64_t kIpcAddress = 0x20001F40, kIpcSize = 2;
    static constexpr uint32_t kScrPok = 0x8000, kScrRw = 0x400C, kScrMask = 0xC40C;
    static constexpr uint32_t kDserMnx = 0x80, kDserLost = 0x08, kDserSnx = 0x01, kDserSme = 0x10,
                              kDserErr = 0xA5, kDserMask = 0xC0BD;
    static constexpr uint32_t kMbrMask = 0x1FFF8000;
    static constexpr uint32_t kIpcQme = 0x8000, kIpcRw = 0x0161, kIpcMask = 0x8161;
    static constexpr uint32_t kMapValid = 0x80000000, kMapPage = 0x000FFFFF;

    explicit Cqbic(cpu::PhysicalMemory& memory) : memory_(memory), map_(*this), qmem_(*this), ipc_(*this) {}

    // The registers at kRegBase.
    uint32_t mmio_read(uint64_t offset, unsigned size) override;
    void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;
    // The other windows, for the board to map.
    BusWindow& map_window() { return map_; }
    BusWindow& qbus_memory() { return qmem_; }
    cpu::MmioDevice& ipc_register() { return ipc_; }
    // Addresses of the Q-bus I/O page that no device answers (map it below every CSR): a
    // master NXM with the Q-bus page in MEAR, and no response.
    BusWindow& io_page_nxm() { return io_nxm_; }

    // Q-bus address -> local physical address through the map (false: no valid entry, or the
    // page is not local RAM; the error bits are set when `record` says so).
    bool translate(uint32_t qbus_address, uint64_t& physical, bool record = true);
    size_t dma_read(uint32_t qbus_address, std::span<uint8_t> out) override;
    size_t dma_write(uint32_t qbus_address, std::span<const uint8_t> in) override;

    uint32_t scr() const { return (scr_ | kScrPok) & kScrMask; }
    void reset();  // BINIT: error registers and IPCR cleared, SCR keeps BHALT enable

private:
    struct MapWindow : BusWindow {
        explicit MapWindow(Cqbic& q) : q(q) {}
        uint32_t mmio_read(uint64_t offset, unsigned size) override;
        void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;
        Cqbic& q;
    };
    struct QbusMemory : BusWindow {
        explicit QbusMemory(Cqbic& q) : q(q) {}
        uint32_t mmio_read(uint64_t offset, unsigned size) override;
        void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;
        Cqbic& q;
    };
    struct Ipc : cpu::MmioDevice {
        explicit Ipc(Cqbic& q) : q(q) {}
        uint32_t mmio_read(uint64_t offset, unsigned size) override;
        void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;
        Cqbic& q;
    };
    struct IoPageNxm : BusWindow {
        explicit IoPageNxm(Cqbic& q) : q(q) {}
        uint32_t mmio_read(uint64_t offset, unsigned) override {
            q.master_error(static_cast<uint32_t>(0x3FE000 + offset));
            no_response();
            return 0;
        }
        void mmio_write(uint64_t offset, unsigned, uint32_t) override {
            q.master_error(static_cast<uint32_t>(0x3FE000 + offset));
            no_response();
        }
        Cqbic& q;
    };
    void master_error(uint32_t qbus_address);
    void slave_error(uint64_t physical);
    bool local_ram(uint64_t physical, unsigned size) const {
        return memory_.is_ram(physical) && memory_.is_ram(physical + size - 1);
    }

    cpu::PhysicalMemory& memory_;
    MapWindow map_;
    QbusMemory qmem_;
    Ipc ipc_;
    IoPageNxm io_nxm_{*this};
    uint32_t scr_ = kScrPok, dser_ = 0, mear_ = 0, sear_ = 0, mbr_ = 0, ipc_reg_ = 0;
};

}  // namespace trapeze::devices::microvax
