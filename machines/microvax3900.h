// The `microvax3900` board: a KA655 CPU (isa/vax) with RAM from physical 0 (-m, 16-64 MB on
// a real KA655; the CMCTL reports it in 4 MB banks), the console ROM at 0x20040000 (128 KB,
// seen again at 0x20060000), and the KA655's system devices (devices/microvax): the SSC
// (console serial line and TODR through IPRs, programmable timers, bus time-out, the
// battery-backed RAM kept in a file with --nvram), the CMCTL memory controller, the cache
// registers and diagnostic space, the CQBIC Q22-bus interface (map, Q-bus memory space, I/O
// page) and on the Q-bus the RQDX3 MSCP disk controller (CSR 17772150) and the TQK50 TMSCP
// tape controller (CSR 17774500). The only layer that knows both the VAX CPU and the devices:
// it turns a device's "no response" into a machine check (reads) or a memory-error interrupt
// (writes), collects the interrupt requests (Q-bus devices at BR4 = IPL 0x14, SCB vector =
// 0x200 + device vector) and implements the halt protocol (the run ends at a HALT, or with
// --conhalt the console ROM is entered with SAVPC/SAVPSL set).
#pragma once

#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cpu/physical_memory.h"
#include "cpu/run_result.h"
#include "isa/vax/board_interface.h"
#include "isa/vax/cpu.h"

namespace trapeze::devices::microvax {
class BusWindow;
class Cmctl;
class Console;
class Cqbic;
class IntervalTimer;
class Ka655Cache;
class NonexistentSpace;
class QbusInterrupter;
class Rqdx3;
class Ssc;
class Tqk50;
class UqsspPort;
}  // namespace trapeze::devices::microvax

namespace trapeze::machines {

// -drive rq0=FILE[,type=ra82][,snapshot=off] / -drive tq0=FILE.tap
struct MicroVaxDrive {
    std::string controller;  // "rq" or "tq"
    unsigned unit = 0;
    std::string path;
    std::string type;        // disk type name (default ra82)
    bool writable = false;   // write to the file (else a copy-on-write overlay in memory)
};

struct MicroVaxConfig {
    uint64_t ram_mb = 16;                                     // -m (16, 32, 48, 64 MB with the ROM)
    std::string rom_path;                                     // --rom: ka655x.bin
    std::vector<std::pair<std::string, uint32_t>> loads;      // --load FILE@ADDR
    std::optional<uint32_t> start;                            // --start ADDR (else the ROM)
    unsigned trace = 0;                                       // vax::VaxTrace flags (-d)
    std::string trace_file;                                   // -D
    uint64_t instructions_per_tick = 10000;                   // 10 ms of guest time (1 us per instruction)
    std::FILE* console_out = stdout;
    int console_in_fd = 0;                                    // console input (-1: none)
    std::string nvram_path;                                   // --nvram: battery-backed RAM file
    bool conhalt = false;                                     // --conhalt: HALT enters the console
    std::vector<MicroVaxDrive> drives;                        // -drive
    // Set (by a signal handler) to end the run: run() then throws MicroVaxStopped.
    const volatile std::sig_atomic_t* stop_request = nullptr;
};

struct MicroVaxStopped : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class MicroVax3900 final : public vax::VaxBoard {
public:
    // Throws std::runtime_error with a one-line message on bad configuration or files.
    explicit MicroVax3900(const MicroVaxConfig& cfg);
    ~MicroVax3900() override;
    cpu::RunResult run(uint64_t max_insns);
    vax::VaxCpu& cpu() { return *cpu_; }
    cpu::PhysicalMemory& memory() { return *mem_; }
    devices::microvax::Console& console() { return *console_; }
    devices::microvax::Cqbic* cqbic() { return cqbic_.get(); }
    devices::microvax::Rqdx3* rqdx3() { return rqdx3_.get(); }
    // Writes the battery-backed RAM to the --nvram file (also done by the destructor).
    void save_nvram();

    // VaxBoard
    bool read_ipr(unsigned ipr, uint32_t& value) override;
    bool write_ipr(unsigned ipr, uint32_t value) override;
    unsigned pending_interrupt_level() override;
    uint32_t acknowledge_interrupt(unsigned level) override;
    bool halt(vax::HaltReason why, uint32_t pc, uint32_t psl) override;
    void advance(uint64_t instructions) override;

    static constexpr uint32_t kRomBase = 0x20040000;
    static constexpr uint32_t kRomSize = 0x20000;
    static constexpr uint32_t kIoPage = 0x20000000;
    static constexpr unsigned kMemoryErrorIpl = 0x1D;
    static constexpr uint32_t kMemoryErrorVector = 0x60;

private:
    class CheckedWindow;
    void build_system_devices();
    void attach_drives();
    void map_checked(uint64_t base, uint64_t bytes, devices::microvax::BusWindow& window, bool write_check = false);
    void map_qbus_csr(uint64_t qbus_address, uint64_t bytes, cpu::MmioDevice& device);
    void reset_qbus();

    MicroVaxConfig cfg_;
    std::unique_ptr<cpu::PhysicalMemory> mem_;
    std::unique_ptr<devices::microvax::Console> console_;
    std::unique_ptr<devices::microvax::IntervalTimer> timer_;
    std::unique_ptr<vax::VaxCpu> cpu_;
    std::unique_ptr<devices::microvax::Ssc> ssc_;
    std::unique_ptr<devices::microvax::Cqbic> cqbic_;
    std::unique_ptr<devices::microvax::Cmctl> cmctl_;
    std::unique_ptr<devices::microvax::Ka655Cache> cache_;
    std::unique_ptr<devices::microvax::NonexistentSpace> nxm_;
    std::unique_ptr<devices::microvax::Rqdx3> rqdx3_;
    std::unique_ptr<devices::microvax::Tqk50> tqk50_;
    std::vector<devices::microvax::UqsspPort*> ports_;
    std::vector<devices::microvax::QbusInterrupter*> qbus_devices_;
    std::vector<std::unique_ptr<CheckedWindow>> checked_;
    std::FILE* trace_file_ = nullptr;
    uint32_t savpc_ = 0, savpsl_ = 0, cadr_ = 0, mser_ = 0;
    bool memory_error_ = false;
    uint64_t nvram_clock_ = 0;
    void poll_console_input();
    std::vector<uint8_t> typeahead_;  // console input not yet delivered
    size_t typeahead_pos_ = 0;
    uint64_t input_delay_ = 0;
};

}  // namespace trapeze::machines
