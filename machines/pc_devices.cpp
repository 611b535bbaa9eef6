// The pc board's devices, their wiring to the CPU and the run loop that keeps guest time:
// the CPU runs in slices that end at the next device event, HLT skips to that event, and
// guest resets either restart the board or end the run (-no-reboot). docs/pc-devices.md.
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "machines/pc.h"
#include "machines/pc_devices.h"

namespace trapeze::machines {

namespace {
constexpr uint64_t kNever = devices::Clock::kNever;
// The longest CPU slice: bounds how long host input and output wait for the run loop.
constexpr uint64_t kMaxSlice = 1u << 20;
// With host time, the CPU runs this many instructions between looks at the clock.
constexpr uint64_t kRealTimeSlice = 20000;
}  // namespace

uint64_t PcMachine::now_ns() const { return clock_->now_ns(); }

void PcMachine::create_devices() {
    clock_ = std::make_unique<MachineClock>(*cpu_, cfg_.icount_shift);

    pic_ = std::make_unique<devices::Pic8259Pair>();
    pic_->attach(*ports_);
    pic_source_ = std::make_unique<PicInterruptSource>(*pic_, *cpu_);
    // FERR# (x87 errors with CR0.NE = 0) is IRQ13 on the AT; the line is pulsed, since
    // nothing models the F0h port that would clear it.
    cpu_->set_ferr_handler([this] {
        pic_->set_irq(13, false);
        pic_->set_irq(13, true);
    });

    pit_ = std::make_unique<devices::Pit8254>(*clock_, devices::InterruptLine(pic_.get(), 0));
    pit_->attach(*ports_);

    // COM1
    std::function<void(uint8_t)> out;
    if (cfg_.serial == "stdio") {
        serial_file_ = stdout;
        serial_input_fd_ = STDIN_FILENO;
    } else if (cfg_.serial.rfind("file:", 0) == 0) {
        std::string path = cfg_.serial.substr(5);
        serial_file_ = std::fopen(path.c_str(), "wb");
        if (!serial_file_) throw std::runtime_error(fmt::format("-serial {}: {}", path, std::strerror(errno)));
    } else if (cfg_.serial != "null") {
        throw std::runtime_error(fmt::format("-serial {}: expected stdio, file:PATH or null", cfg_.serial));
    }
    if (serial_file_) {
        std::FILE* f = serial_file_;
        out = [f](uint8_t b) {
            std::fputc(b, f);
            if (b == '\n') std::fflush(f);
        };
    }
    uart_ = std::make_unique<devices::Uart16550>(*clock_, devices::InterruptLine(pic_.get(), 4), out);
    uart_->attach(*ports_, 0x3F8);

    int64_t base = 0;
    if (cfg_.rtc_base == "utc") base = int64_t(std::time(nullptr));
    else if (!devices::Rtc146818::parse_date(cfg_.rtc_base, base))
        throw std::runtime_error(fmt::format("-rtc base={}: expected utc, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS",
                                             cfg_.rtc_base));
    rtc_ = std::make_unique<devices::Rtc146818>(*clock_, devices::InterruptLine(pic_.get(), 8), base);
    rtc_->attach(*ports_);
    set_cmos_memory_size();

    kbc_ = std::make_unique<devices::I8042>(
        devices::InterruptLine(pic_.get(), 1), devices::InterruptLine(pic_.get(), 12),
        [this](bool on) { cpu_->set_a20(on); },
        [this] { request_reset("keyboard controller reset line (port 0x64)"); });
    kbc_->attach(*ports_);
    port92_ = std::make_unique<devices::SystemControlPortA>([this](bool on) { cpu_->set_a20(on); },
                                                            [this] { request_reset("fast reset (port 0x92 bit 0)"); });
    port92_->attach(*ports_);
    post_ = std::make_unique<devices::PostCodePort>();
    post_->attach(*ports_);

    timed_ = {pit_.get(), uart_.get(), rtc_.get()};
    for (devices::TimedDevice* d : timed_) {
        // Guest programming moved d's next event before the end of the running slice: end
        // the slice after the current instruction so that the event is not late.
        d->set_reschedule_observer([this, d] {
            if (d->next_event_ns() < slice_end_ns_ && reset_reason_.empty())
                cpu_->request_stop(cpu::StopReason::kYield, "");
        });
    }
    update_a20();
}

void PcMachine::set_cmos_memory_size() {
    // The AT's CMOS layout (IBM PC/AT Technical Reference; as SeaBIOS and Bochs read it):
    // 0x15/0x16 base memory in KB, 0x17/0x18 and 0x30/0x31 KB above 1 MB (at most 0xFFFF),
    // 0x34/0x35 memory above 16 MB in 64 KB units; 0x14 equipment (coprocessor, VGA);
    // 0x2E/0x2F the checksum of 0x10-0x2D.
    uint64_t ram = cfg_.ram_mb << 20;
    auto set16 = [this](unsigned lo, uint64_t v) {
        rtc_->set_cmos(lo, uint8_t(v));
        rtc_->set_cmos(lo + 1, uint8_t(v >> 8));
    };
    set16(0x15, 640);
    uint64_t ext_kb = ram > (1u << 20) ? std::min<uint64_t>((ram - (1u << 20)) >> 10, 0xFFFF) : 0;
    set16(0x17, ext_kb);
    set16(0x30, ext_kb);
    uint64_t above16 = ram > (16u << 20) ? std::min<uint64_t>((ram - (16u << 20)) >> 16, 0xFFFF) : 0;
    set16(0x34, above16);
    rtc_->set_cmos(0x14, 0x02);
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2D; ++i) sum += rtc_->cmos(i);
    rtc_->set_cmos(0x2E, uint8_t(sum >> 8));
    rtc_->set_cmos(0x2F, uint8_t(sum));
}

void PcMachine::update_a20() {
    // After a board reset A20 is on (both sources say so). Afterwards the last write to
    // either the 8042's output port or port 0x92 decides, as in Bochs and QEMU.
    if (cpu_ && kbc_ && port92_) cpu_->set_a20(kbc_->a20() && port92_->a20());
}

void PcMachine::request_reset(const char* why) {
    if (reset_reason_.empty()) reset_reason_ = why;
    cpu_->request_stop(cpu::StopReason::kReset, reset_reason_);
}

void PcMachine::reset_board() {
    // A warm reset of the whole board: RAM and the RTC's time and CMOS survive.
    cpu_->reset();
    pic_->reset();
    pit_->reset();
    uart_->reset();
    rtc_->reset();
    kbc_->reset();
    port92_->reset();
    update_a20();
}

void PcMachine::poll_serial_input() {
    if (serial_input_fd_ < 0 || uart_->host_queue_size() >= 64) return;
    pollfd p{serial_input_fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP))) return;
    uint8_t buf[256];
    ssize_t n = ::read(serial_input_fd_, buf, sizeof buf);
    if (n > 0) uart_->receive(buf, size_t(n));
    else if (n == 0 || (errno != EINTR && errno != EAGAIN)) serial_input_fd_ = -1;  // EOF
}

void PcMachine::sync_devices() {
    for (devices::TimedDevice* d : timed_) d->update();
}

cpu::RunResult PcMachine::run_sliced(uint64_t max_insns) {
    const uint64_t end = max_insns ? cpu_->instructions() + max_insns : UINT64_MAX;
    unsigned slices = 0;
    auto finish = [this](cpu::RunResult r) {
        if (serial_file_) std::fflush(serial_file_);
        return r;
    };
    for (;;) {
        if ((slices++ & 15) == 0 || cpu_->halted()) poll_serial_input();
        sync_devices();
        uint64_t icount = cpu_->instructions();
        if (icount >= end)
            return finish({cpu::StopReason::kInsnLimit,
                           fmt::format("instruction limit reached at {:04x}:{:08x}", cpu_->s.seg[x86::CS].selector,
                                       cpu_->s.eip),
                           icount});
        uint64_t now = clock_->now_ns();
        uint64_t next = kNever;
        for (devices::TimedDevice* d : timed_) next = std::min(next, d->next_event_ns());
        bool idle = cpu_->halted() && (cpu_->s.eflags & x86::IF) && !pic_->interrupt_pending();
        if (idle && next == kNever) {
            // Only host input could wake the guest: wait for it (guest time stands still).
            if (serial_input_fd_ < 0)
                return finish({cpu::StopReason::kHaltedNoWake,
                               fmt::format("halted at {:04x}:{:08x} waiting for an interrupt no device will raise",
                                           cpu_->s.seg[x86::CS].selector, cpu_->s.eip),
                               icount});
            pollfd p{serial_input_fd_, POLLIN, 0};
            ::poll(&p, 1, 100);
            continue;
        }
        uint64_t slice;
        if (clock_->virtual_time()) {
            slice = next == kNever ? kMaxSlice : next <= now ? 1 : clock_->instruction_at(next) - icount;
            slice = std::clamp<uint64_t>(slice, 1, kMaxSlice);
            slice_end_ns_ = (icount + slice) << clock_->shift();
        } else {
            if (idle) {
                // Host time: sleep until the next event (a little at a time, for input).
                uint64_t wait = std::min<uint64_t>(next - std::min(next, now), 10'000'000);
                if (wait) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
                continue;
            }
            slice = kRealTimeSlice;
            slice_end_ns_ = next;
        }
        slice = std::min(slice, end - icount);
        cpu::RunResult r = cpu_->run(slice);
        slice_end_ns_ = 0;
        if (!reset_reason_.empty()) {
            std::string why = std::move(reset_reason_);
            reset_reason_.clear();
            if (cfg_.no_reboot || cfg_.bios_path.empty())
                return finish({cpu::StopReason::kReset,
                               fmt::format("guest reset: {} ({})", why,
                                           cfg_.no_reboot ? "-no-reboot" : "no firmware to restart"),
                               cpu_->instructions()});
            if (cfg_.log_resets) fmt::print(stderr, "trapeze: guest reset: {}: restarting\n", why);
            reset_board();
            continue;
        }
        switch (r.reason) {
        case cpu::StopReason::kInsnLimit:
        case cpu::StopReason::kYield: continue;
        case cpu::StopReason::kShutdown:
            // A triple fault: the chipset turns the shutdown cycle into a reset (as QEMU
            // does), unless told not to or there is no firmware to restart.
            if (cfg_.no_reboot || cfg_.bios_path.empty()) return finish(r);
            if (cfg_.log_resets)
                fmt::print(stderr, "trapeze: {}\ntrapeze: shutdown (triple fault): restarting\n", r.message);
            reset_board();
            continue;
        default: return finish(r);
        }
    }
}

}  // namespace trapeze::machines
