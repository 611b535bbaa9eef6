#include "machines/microvax3900.h"

#include <fmt/format.h>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "devices/microvax/console.h"
#include "devices/microvax/interval_timer.h"
#include "devices/microvax/register_file.h"
#include "devices/microvax/ssc.h"

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

MicroVax3900::MicroVax3900(const MicroVaxConfig& cfg) : cfg_(cfg) {
    if (cfg_.ram_mb < 1 || cfg_.ram_mb > 512) throw std::runtime_error("-m: RAM size must be 1-512 MB");
    mem_ = std::make_unique<cpu::PhysicalMemory>(30);
    mem_->add_ram(0, cfg_.ram_mb << 20);
    if (!cfg_.rom_path.empty()) {
        std::vector<uint8_t> rom = read_file(cfg_.rom_path, kRomSize);
        if (rom.size() != kRomSize)
            throw std::runtime_error(fmt::format("{}: a KA655 ROM is {} bytes, not {}", cfg_.rom_path, kRomSize, rom.size()));
        mem_->add_rom(kRomBase, rom);
        // The KA655's system registers (see docs/vax-cpu.md): the SSC at 0x20140000 (its
        // timers modelled, the rest storage); as storage only: CQBIC at 0x20080000, CMCTL CSRs at
        // 0x20080100, Q-bus map at 0x20088000. Only mapped with the ROM: EHKAA runs without.
        ssc_ = std::make_unique<devices::microvax::Ssc>();
        mem_->add_mmio(0x20140000, devices::microvax::Ssc::kSize, ssc_.get());
        cqbic_ = std::make_unique<devices::microvax::RegisterFile>(0x100);
        cqbic_->set32(0, 0x8000);  // SCR<15>: Q-bus power OK
        mem_->add_mmio(0x20080000, 0x100, cqbic_.get());
        cmctl_ = std::make_unique<devices::microvax::RegisterFile>(0x100);
        mem_->add_mmio(0x20080100, 0x100, cmctl_.get());
        qbus_map_ = std::make_unique<devices::microvax::RegisterFile>(0x8000);
        mem_->add_mmio(0x20088000, 0x8000, qbus_map_.get());
        // KA655 board registers at 0x20084000: CACR (cache control) and BDR (boot and
        // diagnostic register; <7> halt/break enable).
        ka_regs_ = std::make_unique<devices::microvax::RegisterFile>(0x8);
        ka_regs_->set32(4, 0x80);
        mem_->add_mmio(0x20084000, 0x8, ka_regs_.get());
        // The CQBIC's interprocessor communication register in the Q22 I/O page.
        ipcr_ = std::make_unique<devices::microvax::RegisterFile>(0x4);
        mem_->add_mmio(0x20001F40, 0x4, ipcr_.get());
    }
    for (const auto& [path, addr] : cfg_.loads) {
        std::vector<uint8_t> image = read_file(path, cfg_.ram_mb << 20);
        if (uint64_t{addr} + image.size() > (cfg_.ram_mb << 20) || !mem_->write_block(addr, image))
            throw std::runtime_error(fmt::format("{}: does not fit in RAM at 0x{:X}", path, addr));
    }
    console_ = std::make_unique<devices::microvax::Console>(cfg_.console_out);
    timer_ = std::make_unique<devices::microvax::IntervalTimer>();
    timer_->instructions_per_tick = cfg_.instructions_per_tick;
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

MicroVax3900::~MicroVax3900() {
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
    case kCadr: cadr_ = value & 0xFF; return true;
    case kMcesr: return true;
    case kMser: mser_ &= ~value; return true;
    case kAccs: return true;
    case kSavpc: savpc_ = value; return true;
    case kSavpsl: savpsl_ = value; return true;
    case kIoreset:
        console_->reset();
        return true;
    default: return false;
    }
}

unsigned MicroVax3900::pending_interrupt_level() {
    if (timer_->interrupt_pending()) return devices::microvax::IntervalTimer::kIpl;
    if (console_->interrupt_pending()) return devices::microvax::Console::kIpl;
    if (ssc_ && ssc_->interrupt_pending()) return devices::microvax::Ssc::kTimerIpl;
    return 0;
}

uint32_t MicroVax3900::acknowledge_interrupt(unsigned level) {
    if (level == devices::microvax::IntervalTimer::kIpl && timer_->interrupt_pending()) return timer_->acknowledge();
    if (level == devices::microvax::Console::kIpl && console_->interrupt_pending()) return console_->acknowledge();
    if (level == devices::microvax::Ssc::kTimerIpl && ssc_ && ssc_->interrupt_pending()) return ssc_->acknowledge();
    return 0;
}

// The halt protocol: the KA655 saves PC and PSL (SAVPC/SAVPSL, with the halt code in
// SAVPSL<13:8>) and enters the console ROM. Without the ROM console (EHKAA runs) a halt ends
// the run and the caller prints the PC.
bool MicroVax3900::halt(vax::HaltReason why, uint32_t pc, uint32_t psl) {
    savpc_ = pc;
    savpsl_ = (psl & 0xFFFF00FF) | (static_cast<uint32_t>(why) << 8);
    return false;
}

// Guest time: one microsecond per instruction for the SSC timers (a CVAX runs a few
// instructions per microsecond; the ROM's time-outs only need to expire).
void MicroVax3900::advance(uint64_t instructions) {
    timer_->advance(instructions);
    if (ssc_) ssc_->advance(instructions);
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
