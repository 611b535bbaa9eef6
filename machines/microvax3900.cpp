#include "machines/microvax3900.h"

#include <fmt/format.h>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "devices/microvax/cmctl.h"
#include "devices/microvax/console.h"
#include "devices/microvax/cqbic.h"
#include "devices/microvax/interval_timer.h"
#include "devices/microvax/ka655_cache.h"
#include "devices/microvax/media.h"
#include "devices/microvax/rqdx3.h"
#include "devices/microvax/ssc.h"
#include "devices/microvax/tqk50.h"

namespace trapeze::machines {

namespace {
// KA655 IPRs the board answers besides the console and the clock.
constexpr unsigned kCadr = 37, kMcesr = 38, kMser = 39, kAccs = 40, kSavpc = 42, kSavpsl = 43, kIoreset = 55;

std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
    std::vector<uint8_t> data;
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        data.insert(data.end(), buf, buf + n);
        if (data.size() > max_bytes) {
            std::fclose(f);
            throw std::runtime_error(fmt::format("{}: larger than {} bytes", path, max_bytes));
        }
    }
    std::fclose(f);
    return data;
}
}  // namespace

// A bus window whose device may not respond: a read then machine-checks (code 0x80, read
// bus error) with the physical address; a write either machine-checks too (code 0x82: local
// register space and memory, where the CDAL bus times out) or posts the memory-error
// interrupt (Q-bus writes, which the CQBIC completes before it learns of the error).
class MicroVax3900::CheckedWindow final : public cpu::MmioDevice {
public:
    CheckedWindow(MicroVax3900& board, uint64_t base, devices::microvax::BusWindow& window, bool write_check)
        : board_(board), base_(base), window_(window), write_check_(write_check) {}
    uint32_t mmio_read(uint64_t offset, unsigned size) override {
        uint32_t v = window_.mmio_read(offset, size);
        if (window_.take_no_response()) board_.cpu().machine_check(0x80, static_cast<uint32_t>(base_ + offset));
        return v;
    }
    void mmio_write(uint64_t offset, unsigned size, uint32_t value) override {
        window_.mmio_write(offset, size, value);
        if (!window_.take_no_response()) return;
        if (write_check_) board_.cpu().machine_check(0x82, static_cast<uint32_t>(base_ + offset));
        board_.memory_error_ = true;
    }

private:
    MicroVax3900& board_;
    uint64_t base_;
    devices::microvax::BusWindow& window_;
    bool write_check_;
};

void MicroVax3900::map_checked(uint64_t base, uint64_t bytes, devices::microvax::BusWindow& window,
                               bool write_check) {
    checked_.push_back(std::make_unique<CheckedWindow>(*this, base, window, write_check));
    mem_->add_mmio(base, bytes, checked_.back().get());
}

// Q-bus addresses 17760000-17777777 are the I/O page at 0x20000000.
void MicroVax3900::map_qbus_csr(uint64_t qbus_address, uint64_t bytes, cpu::MmioDevice& device) {
    mem_->add_mmio(kIoPage + (qbus_address & 0x1FFF), bytes, &device);
}

MicroVax3900::MicroVax3900(const MicroVaxConfig& cfg) : cfg_(cfg) {
    if (cfg_.ram_mb < 1 || cfg_.ram_mb > 512) throw std::runtime_error("-m: RAM size must be 1-512 MB");
    if (!cfg_.rom_path.empty() && (cfg_.ram_mb < 16 || cfg_.ram_mb > 64 || cfg_.ram_mb % 16))
        throw std::runtime_error("-m: a KA655 takes 16, 32, 48 or 64 MB (MS650 boards of 16 MB)");
    if (cfg_.rom_path.empty() && !cfg_.drives.empty()) throw std::runtime_error("-drive needs --rom (the KA655 board)");
    mem_ = std::make_unique<cpu::PhysicalMemory>(30);
    mem_->add_ram(0, cfg_.ram_mb << 20);
    console_ = std::make_unique<devices::microvax::Console>(cfg_.console_out);
    timer_ = std::make_unique<devices::microvax::IntervalTimer>();
    timer_->instructions_per_tick = cfg_.instructions_per_tick;
    if (!cfg_.rom_path.empty()) {
        std::vector<uint8_t> rom = read_file(cfg_.rom_path, kRomSize);
        if (rom.size() != kRomSize)
            throw std::runtime_error(fmt::format("{}: a KA655 ROM is {} bytes, not {}", cfg_.rom_path, kRomSize, rom.size()));
        mem_->add_rom(kRomBase, rom);
        mem_->add_alias(kRomBase + kRomSize, kRomSize, kRomBase);
        build_system_devices();
        attach_drives();
    }
    for (const auto& [path, addr] : cfg_.loads) {
        std::vector<uint8_t> image = read_file(path, cfg_.ram_mb << 20);
        if (uint64_t{addr} + image.size() > (cfg_.ram_mb << 20) || !mem_->write_block(addr, image))
            throw std::runtime_error(fmt::format("{}: does not fit in RAM at 0x{:X}", path, addr));
    }
    cpu_ = std::make_unique<vax::VaxCpu>(*mem_, *this);
    if (!cfg_.trace_file.empty()) {
        trace_file_ = std::fopen(cfg_.trace_file.c_str(), "w");
        if (!trace_file_) throw std::runtime_error(fmt::format("{}: cannot open for writing", cfg_.trace_file));
    }
    cpu_->set_trace(cfg_.trace, trace_file_ ? trace_file_ : stderr);
    // Power-up state (KA655): kernel mode on the interrupt stack at IPL 31, memory
    // management off; execution starts in the ROM unless --start says otherwise.
    cpu_->psl = 0x041F0000;
    savpsl_ = 0x041F0000 | (3u << 8);  // halt code 3: power-up (the ROM's start-up path)
    if (cfg_.start) cpu_->r[vax::kPC] = *cfg_.start;
    else if (!cfg_.rom_path.empty()) cpu_->r[vax::kPC] = kRomBase;
    else throw std::runtime_error("run microvax3900: give --rom or --start");
}

// The KA655's local devices and the Q-bus (docs/microvax.md has the address map).
void MicroVax3900::build_system_devices() {
    using namespace devices::microvax;
    ssc_ = std::make_unique<Ssc>(timer_.get());
    if (!cfg_.nvram_path.empty()) {
        // A missing file is a new NVRAM (written at exit); the probe is closed before the
        // loader runs, which may refuse the file.
        std::FILE* probe = std::fopen(cfg_.nvram_path.c_str(), "rb");
        const int open_error = errno;
        const bool exists = probe != nullptr;
        if (probe) std::fclose(probe);
        if (exists) {
            std::vector<uint8_t> data = read_file(cfg_.nvram_path, Ssc::kNvramSize);
            if (data.size() != Ssc::kNvramSize)
                throw std::runtime_error(
                    fmt::format("{}: an NVRAM file is {} bytes, not {}", cfg_.nvram_path, Ssc::kNvramSize, data.size()));
            ssc_->nvram() = std::move(data);
        } else if (open_error != ENOENT) {
            throw std::runtime_error(fmt::format("{}: {}", cfg_.nvram_path, std::strerror(open_error)));
        }
    }
    mem_->add_mmio(0x20140000, Ssc::kSize, ssc_.get());
    cqbic_ = std::make_unique<Cqbic>(*mem_);
    mem_->add_mmio(Cqbic::kRegBase, Cqbic::kRegSize, cqbic_.get());
    map_checked(Cqbic::kMapBase, Cqbic::kMapSize, cqbic_->map_window());
    map_checked(Cqbic::kQmemBase, Cqbic::kQmemSize, cqbic_->qbus_memory());
    mem_->add_mmio(Cqbic::kIpcAddress, Cqbic::kIpcSize, &cqbic_->ipc_register());
    cmctl_ = std::make_unique<Cmctl>(cfg_.ram_mb << 20);
    mem_->add_mmio(0x20080100, Cmctl::kSize, cmctl_.get());
    cache_ = std::make_unique<Ka655Cache>();
    mem_->add_mmio(Ka655Cache::kRegBase, Ka655Cache::kRegSize, cache_.get());
    mem_->add_mmio(Ka655Cache::kDiagBase, Ka655Cache::kDiagSize, &cache_->diagnostic_space());
    // Q-bus controllers (their CSRs are mapped before the I/O page's catch-all).
    rqdx3_ = std::make_unique<Rqdx3>(*cqbic_);
    map_qbus_csr(Rqdx3::kCsr, 4, rqdx3_->port());
    tqk50_ = std::make_unique<Tqk50>(*cqbic_);
    map_qbus_csr(Tqk50::kCsr, 4, tqk50_->port());
    ports_ = {&rqdx3_->port(), &tqk50_->port()};
    qbus_devices_ = {&rqdx3_->port(), &tqk50_->port()};
    map_checked(kIoPage, 0x2000, cqbic_->io_page_nxm());
    // Everything else in local space answers nothing: bus time-out and machine check.
    nxm_ = std::make_unique<NonexistentSpace>(*ssc_);
    const uint64_t ram_end = cfg_.ram_mb << 20;
    const std::pair<uint64_t, uint64_t> gaps[] = {
        {ram_end, Ka655Cache::kDiagBase}, {Ka655Cache::kDiagBase + Ka655Cache::kDiagSize, kIoPage},
        {kIoPage + 0x2000, kRomBase},     {0x20080014, 0x20080100},
        {0x20080148, 0x20084000},         {0x20084008, Cqbic::kMapBase},
        {Cqbic::kMapBase + Cqbic::kMapSize, 0x20140000},
        {0x20140000 + Ssc::kSize, Cqbic::kQmemBase}, {Cqbic::kQmemBase + Cqbic::kQmemSize, 0x40000000},
    };
    for (const auto& [from, to] : gaps) map_checked(from, to - from, *nxm_, true);
}

void MicroVax3900::attach_drives() {
    using namespace devices::microvax;
    for (const MicroVaxDrive& d : cfg_.drives) {
        if (d.controller == "rq") {
            const DiskType* type = find_disk_type(d.type.empty() ? "ra82" : d.type);
            if (!type) throw std::runtime_error(fmt::format("-drive rq{}: unknown disk type '{}'", d.unit, d.type));
            rqdx3_->attach(d.unit, std::make_unique<DiskImage>(d.path, d.writable), *type);
        } else if (d.controller == "tq") {
            if (d.unit != 0) throw std::runtime_error(fmt::format("-drive tq{}: the TQK50 has unit 0 only", d.unit));
            tqk50_->attach(std::make_unique<TapeImage>(d.path));
        } else {
            throw std::runtime_error(fmt::format("-drive {}{}: unknown controller (rq, tq)", d.controller, d.unit));
        }
    }
}

void MicroVax3900::save_nvram() {
    if (!ssc_ || cfg_.nvram_path.empty()) return;
    // Written whole to a temporary file and renamed over the old one, so that a run stopped
    // at any moment leaves either the old or the new contents.
    const std::string tmp = cfg_.nvram_path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return;
    bool ok = std::fwrite(ssc_->nvram().data(), 1, ssc_->nvram().size(), f) == ssc_->nvram().size();
    ok = std::fclose(f) == 0 && ok;
    if (ok) std::rename(tmp.c_str(), cfg_.nvram_path.c_str());
    else std::remove(tmp.c_str());
}

MicroVax3900::~MicroVax3900() {
    save_nvram();
    if (trace_file_) std::fclose(trace_file_);
}

cpu::RunResult MicroVax3900::run(uint64_t max_insns) { return cpu_->run(max_insns); }

bool MicroVax3900::read_ipr(unsigned ipr, uint32_t& value) {
    if (console_->handles(ipr)) {
        value = console_->read(ipr);
        return true;
    }
    if (timer_->handles(ipr)) {
        value = timer_->read(ipr);
        return true;
    }
    switch (ipr) {
    case kCadr: value = cadr_; return true;
    case kMcesr: value = 0; return true;
    case kMser: value = mser_; return true;
    case kAccs: value = 0; return true;  // accelerator control: EHKAA writes 0, expects no fault
    case kSavpc: value = savpc_; return true;
    case kSavpsl: value = savpsl_; return true;
    default: return false;
    }
}

bool MicroVax3900::write_ipr(unsigned ipr, uint32_t value) {
    if (console_->handles(ipr)) {
        console_->write(ipr, value);
        return true;
    }
    if (timer_->handles(ipr)) {
        timer_->write(ipr, value);
        return true;
    }
    switch (ipr) {
    case kCadr: cadr_ = (value & 0xF3) | 0x0C; return true;  // <3:2> read as ones
    case kMcesr: return true;
    case kMser: mser_ &= ~value; return true;
    case kAccs: return true;
    case kSavpc: savpc_ = value; return true;
    case kSavpsl: savpsl_ = value; return true;
    case kIoreset:
        console_->reset();
        reset_qbus();
        return true;
    default: return false;
    }
}

void MicroVax3900::reset_qbus() {
    if (cqbic_) cqbic_->reset();
    for (devices::microvax::QbusInterrupter* d : qbus_devices_) d->bus_reset();
}

unsigned MicroVax3900::pending_interrupt_level() {
    if (memory_error_) return kMemoryErrorIpl;
    if (timer_->interrupt_pending()) return devices::microvax::IntervalTimer::kIpl;
    if (console_->interrupt_pending()) return devices::microvax::Console::kIpl;
    if (ssc_ && ssc_->interrupt_pending()) return devices::microvax::Ssc::kTimerIpl;
    for (devices::microvax::QbusInterrupter* d : qbus_devices_)
        if (d->interrupt_pending()) return 0x14;  // BR4
    return 0;
}

uint32_t MicroVax3900::acknowledge_interrupt(unsigned level) {
    if (level == kMemoryErrorIpl && memory_error_) {
        memory_error_ = false;
        return kMemoryErrorVector;
    }
    if (level == devices::microvax::IntervalTimer::kIpl && timer_->interrupt_pending()) return timer_->acknowledge();
    if (level == devices::microvax::Console::kIpl && console_->interrupt_pending()) return console_->acknowledge();
    if (level == devices::microvax::Ssc::kTimerIpl && ssc_ && ssc_->interrupt_pending()) return ssc_->acknowledge();
    if (level == 0x14)
        for (devices::microvax::QbusInterrupter* d : qbus_devices_)
            if (d->interrupt_pending()) return 0x200 + d->acknowledge();
    return 0;
}

// The halt protocol: the KA655 saves PC and PSL (SAVPC/SAVPSL, with the halt code in
// SAVPSL<13:8>) and enters the console ROM. Without the ROM console (EHKAA runs) a halt ends
// the run and the caller prints the PC.
bool MicroVax3900::halt(vax::HaltReason why, uint32_t pc, uint32_t psl) {
    // SAVPSL<13:8>: the KA655's halt codes.
    uint32_t code = 6;
    switch (why) {
    case vax::HaltReason::kHaltInstruction: code = 6; break;
    case vax::HaltReason::kExternalHalt: code = 2; break;
    case vax::HaltReason::kPowerUp: code = 3; break;
    case vax::HaltReason::kInterruptStackInvalid:
    case vax::HaltReason::kKernelStackNotValid: code = 4; break;
    case vax::HaltReason::kDoubleMachineCheck: code = 5; break;
    case vax::HaltReason::kBadScbVector: code = 7; break;
    case vax::HaltReason::kChmOnInterruptStack: code = 0xA; break;
    }
    savpc_ = pc;
    savpsl_ = (psl & 0xFFFF00FF) | (code << 8);
    if (!cfg_.conhalt || !ssc_) return false;
    // Console entry: save the current stack pointer, mapping off (SAVPSL<15> says it was on),
    // interrupt stack at IPL 31, and on into the ROM, which reports the halt and prompts.
    vax::VaxCpu& c = *cpu_;
    if (c.mapen) savpsl_ |= 0x8000;
    c.stack[c.stack_slot()] = c.r[vax::kSP];
    c.mapen = false;
    c.psl = 0x041F0000;
    c.r[vax::kSP] = c.stack[4];
    c.r[vax::kPC] = kRomBase;
    return true;
}

// Guest time: the interval clock ticks every instructions_per_tick instructions (10 ms);
// by default that is one microsecond per instruction, which is what the console ROM's timer
// tests assume of code running from the ROM.
void MicroVax3900::advance(uint64_t instructions) {
    if (cfg_.stop_request && *cfg_.stop_request) {
        save_nvram();
        throw MicroVaxStopped(fmt::format("stopped by signal {} at PC 0x{:08X}", static_cast<int>(*cfg_.stop_request),
                                          cpu_->r[vax::kPC]));
    }
    timer_->advance(instructions);
    // The SSC timers count microseconds: 10,000 per interval-clock tick.
    if (ssc_) ssc_->advance(instructions * 10000 / cfg_.instructions_per_tick);
    for (devices::microvax::UqsspPort* p : ports_) p->service();
    // The battery-backed RAM goes to its file soon after the guest changes it (at most every
    // 10 ms of guest time), so that a run ended by a signal keeps what the console stored.
    nvram_clock_ += instructions;
    if (ssc_ && nvram_clock_ >= cfg_.instructions_per_tick) {
        nvram_clock_ = 0;
        if (ssc_->take_nvram_dirty()) save_nvram();
    }
    poll_console_input();
}

// Console input: bytes available on the input descriptor (stdin by default), line feeds
// turned into the carriage returns the console expects, delivered one at a time like a person
// typing: nothing before the ROM's first ">>>" prompt (its self-test and terminal query
// swallow typed-ahead characters), then the next byte only after the guest has read the
// previous one and some guest time has passed. End of input or an error stops reading.
void MicroVax3900::poll_console_input() {
    if (typeahead_pos_ == typeahead_.size() && cfg_.console_in_fd >= 0) {
        typeahead_.clear();
        typeahead_pos_ = 0;
        pollfd p{cfg_.console_in_fd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP))) {
            uint8_t buf[256];
            ssize_t n = ::read(cfg_.console_in_fd, buf, sizeof buf);
            if (n <= 0) cfg_.console_in_fd = -1;
            for (ssize_t i = 0; i < n; ++i) typeahead_.push_back(buf[i] == '\n' ? '\r' : buf[i]);
        }
    }
    if (typeahead_pos_ < typeahead_.size() && console_->input_empty() &&
        (console_->prompt_seen() || !ssc_)) {
        if (input_delay_ > 0) {
            --input_delay_;
            return;
        }
        console_->queue_input(typeahead_[typeahead_pos_++]);
        input_delay_ = 50;  // advance() calls: ~50,000 instructions between keystrokes
    }
}

}  // namespace trapeze::machines
