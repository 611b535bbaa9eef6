#include "devices/pc/rtc146818.h"

#include <algorithm>
#include <cstdio>

namespace trapeze::devices {

namespace {
bool is_time_reg(unsigned i) { return i <= 9 || i == 0x32; }
bool is_alarm_reg(unsigned i) { return i == 1 || i == 3 || i == 5; }
}  // namespace

int64_t Rtc146818::days_from_civil(int64_t y, unsigned m, unsigned d) {
    // Howard Hinnant's algorithm: days since 1970-01-01.
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}

void Rtc146818::civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = unsigned(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = int64_t(yoe) + era * 400 + (m <= 2);
}

bool Rtc146818::parse_date(const std::string& text, int64_t& out) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    char tail = 0;
    int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail);
    if (n == 3) {
        if (text.size() != 10) return false;
    } else if (n != 6) {
        return false;
    }
    if (y < 1970 || y > 2199 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
        return false;
    out = days_from_civil(y, unsigned(mo), unsigned(d)) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

Rtc146818::Rtc146818(const Clock& clock, InterruptLine irq8, int64_t base) : clock_(clock), irq_(irq8) {
    epoch_seconds_ = base;
    epoch_ns_ = clock.now_ns();
    flags_checked_ns_ = epoch_ns_;
    ram_[0x0A] = 0x26;  // divider on (32.768 kHz), 1024 Hz periodic rate: what BIOSes set
    ram_[0x0B] = 0x02;  // 24-hour, BCD
    ram_[0x0D] = 0x80;  // valid RAM and time
    reset();
}

void Rtc146818::reset() {
    // RESET clears PIE, AIE, UIE, SQWE and the flags; time, alarm and RAM are kept
    // (datasheet, "RESET").
    collect_flags();
    ram_[0x0B] &= 0x87;
    ram_[0x0C] = 0;
    update_irq();
}

void Rtc146818::attach(cpu::PortBus& bus) { bus.add(0x70, 2, this); }

bool Rtc146818::running() const {
    // The divider must be on (DV2-0 = 010 for a 32.768 kHz crystal) and SET clear.
    return (ram_[0x0A] & 0x70) == 0x20 && !(ram_[0x0B] & 0x80);
}

int64_t Rtc146818::unix_time() const {
    if (!running()) return image_time();
    uint64_t now = clock_.now_ns();
    return epoch_seconds_ + int64_t((now - epoch_ns_) / kSecond);
}

uint8_t Rtc146818::to_reg(unsigned v) const { return binary() ? uint8_t(v) : uint8_t(((v / 10) << 4) | (v % 10)); }
unsigned Rtc146818::from_reg(uint8_t v) const { return binary() ? v : unsigned((v >> 4) * 10 + (v & 0xF)); }

uint8_t Rtc146818::hour_to_reg(unsigned h) const {
    if (hours24()) return to_reg(h);
    // 12-hour mode: 1-12 with bit 7 set for PM (datasheet, Table 3).
    unsigned h12 = h % 12 == 0 ? 12 : h % 12;
    return uint8_t(to_reg(h12) | (h >= 12 ? 0x80 : 0));
}

unsigned Rtc146818::hour_from_reg(uint8_t v) const {
    if (hours24()) return from_reg(v);
    unsigned h = from_reg(v & 0x7F) % 12;
    return (v & 0x80) ? h + 12 : h;
}

void Rtc146818::store_time_image(int64_t t) {
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    ram_[0] = to_reg(unsigned(secs % 60));
    ram_[2] = to_reg(unsigned(secs / 60 % 60));
    ram_[4] = hour_to_reg(unsigned(secs / 3600));
    ram_[6] = to_reg(unsigned((days + 4) % 7 + 1));  // 1 = Sunday; 1970-01-01 was a Thursday
    ram_[7] = to_reg(d);
    ram_[8] = to_reg(m);
    ram_[9] = to_reg(unsigned(y % 100));
    ram_[0x32] = to_reg(unsigned(y / 100));  // IBM: century in CMOS byte 0x32
}

int64_t Rtc146818::image_time() const {
    unsigned y = from_reg(ram_[0x32]) * 100 + from_reg(ram_[9]);
    unsigned m = std::clamp(from_reg(ram_[8]), 1u, 12u);
    unsigned d = std::clamp(from_reg(ram_[7]), 1u, 31u);
    int64_t t = days_from_civil(y, m, d) * 86400;
    return t + int64_t(hour_from_reg(ram_[4])) * 3600 + from_reg(ram_[2]) * 60 + from_reg(ram_[0]);
}

bool Rtc146818::alarm_matches(int64_t t) const {
    // An alarm byte with its two high bits set (0xC0-0xFF) matches any value.
    int64_t secs = ((t % 86400) + 86400) % 86400;
    auto match = [](uint8_t alarm, uint8_t now) { return (alarm & 0xC0) == 0xC0 || alarm == now; };
    return match(ram_[1], to_reg(unsigned(secs % 60))) && match(ram_[3], to_reg(unsigned(secs / 60 % 60))) &&
           match(ram_[5], hour_to_reg(unsigned(secs / 3600)));
}

uint64_t Rtc146818::periodic_ticks() const {
    // Rate select (datasheet Table 5, 32.768 kHz time base): RS 3-15 give 2^(RS-1) ticks;
    // RS 1 and 2 repeat rates 8 and 9 (256 and 128 Hz); RS 0 is off.
    unsigned rs = ram_[0x0A] & 0x0F;
    if (rs == 0 || (ram_[0x0A] & 0x70) != 0x20) return 0;
    if (rs < 3) rs += 7;
    return 1ull << (rs - 1);
}

void Rtc146818::collect_flags() {
    uint64_t now = clock_.now_ns();
    uint64_t last = flags_checked_ns_;
    if (now <= last) return;
    flags_checked_ns_ = now;
    uint8_t c = ram_[0x0C];
    if (uint64_t p = periodic_ticks()) {
        auto ticks = [](uint64_t ns) { return uint64_t((unsigned __int128)ns * 32768 / kSecond); };
        if (ticks(now) / p > ticks(last) / p) c |= 0x40;  // PF, whether or not PIE is set
    }
    if (running()) {
        // Update cycles at epoch_ns_ + k seconds, k >= 1, in (last, now].
        uint64_t from = last > epoch_ns_ ? (last - epoch_ns_) / kSecond + 1 : 1;
        uint64_t to = now >= epoch_ns_ ? (now - epoch_ns_) / kSecond : 0;
        if (to >= from) {
            c |= 0x10;  // UF
            for (uint64_t k = std::max(from, to > 86400 ? to - 86400 : 0); k <= to; ++k)
                if (alarm_matches(epoch_seconds_ + int64_t(k))) {
                    c |= 0x20;  // AF
                    break;
                }
        }
    }
    ram_[0x0C] = c;
}

void Rtc146818::update_irq() {
    // IRQF (register C bit 7) = PF&PIE | AF&AIE | UF&UIE; the IRQ pin follows it until
    // register C is read.
    uint8_t c = ram_[0x0C] & 0x70;
    bool irqf = c & ram_[0x0B] & 0x70;
    ram_[0x0C] = uint8_t(c | (irqf ? 0x80 : 0));
    irq_.set(irqf);
}

uint8_t Rtc146818::read_reg(unsigned i) {
    i &= 0x7F;
    if (is_time_reg(i) && !is_alarm_reg(i) && running()) store_time_image(unix_time());
    switch (i) {
    case 0x0A: {
        uint8_t v = ram_[0x0A] & 0x7F;
        if (running()) {
            uint64_t phase = (clock_.now_ns() - epoch_ns_) % kSecond;
            if (phase >= kSecond - kUipLeadNs) v |= 0x80;  // UIP
        }
        return v;
    }
    case 0x0C: {
        collect_flags();
        update_irq();
        uint8_t v = ram_[0x0C];
        ram_[0x0C] = 0;  // all flags clear on read
        update_irq();
        reschedule();
        return v;
    }
    case 0x0D: return 0x80;  // VRT: the battery is good
    default: return ram_[i];
    }
}

void Rtc146818::write_reg(unsigned i, uint8_t v) {
    i &= 0x7F;
    bool was_running = running();
    if (is_time_reg(i) && !is_alarm_reg(i)) {
        if (was_running) {
            // Setting a time byte while the clock runs: the new time continues from the
            // current second's phase.
            store_time_image(unix_time());
            ram_[i] = v;
            epoch_seconds_ = image_time() - int64_t((clock_.now_ns() - epoch_ns_) / kSecond);
        } else {
            ram_[i] = v;
        }
        return;
    }
    switch (i) {
    case 0x0A:
        collect_flags();
        ram_[0x0A] = v & 0x7F;  // UIP is read-only
        break;
    case 0x0B:
        collect_flags();
        if (was_running) store_time_image(unix_time());
        if (v & 0x80) v &= uint8_t(~0x10);  // SET clears UIE (datasheet, register B)
        ram_[0x0B] = v;
        break;
    case 0x0C:
    case 0x0D: return;  // read-only
    default: ram_[i] = v; return;
    }
    if (!was_running && running()) {
        // Counting restarts from the registers; the first update comes one second later.
        epoch_seconds_ = image_time();
        epoch_ns_ = clock_.now_ns();
        flags_checked_ns_ = std::max(flags_checked_ns_, epoch_ns_);
    }
    update_irq();
    reschedule();
}

uint32_t Rtc146818::port_read(uint16_t port, unsigned size) {
    uint32_t v = 0;
    for (unsigned k = 0; k < size; ++k) {
        uint16_t p = uint16_t(port + k);
        // The index register is write-only on the AT; reads float.
        uint8_t b = p == 0x71 ? read_reg(index_) : 0xFF;
        v |= uint32_t(b) << (8 * k);
    }
    return v;
}

void Rtc146818::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned k = 0; k < size; ++k) {
        uint16_t p = uint16_t(port + k);
        uint8_t b = uint8_t(value >> (8 * k));
        if (p == 0x70) {
            index_ = b & 0x7F;
            nmi_disabled_ = b & 0x80;  // PC/AT: bit 7 of port 0x70 masks NMI
        } else {
            write_reg(index_, b);
        }
    }
}

void Rtc146818::update() {
    collect_flags();
    update_irq();
}

uint64_t Rtc146818::next_event_ns() {
    if (irq_.level()) return Clock::kNever;  // no new edge until register C is read
    uint8_t enables = ram_[0x0B] & 0x70;
    uint64_t now = clock_.now_ns();
    uint64_t next = Clock::kNever;
    if ((enables & 0x40)) {
        if (uint64_t p = periodic_ticks()) {
            uint64_t t = uint64_t((unsigned __int128)now * 32768 / kSecond);
            uint64_t tick = (t / p + 1) * p;
            uint64_t ns = uint64_t(((unsigned __int128)tick * kSecond + 32767) / 32768);
            next = std::min(next, ns);
        }
    }
    if ((enables & 0x30) && running()) {
        uint64_t k = now >= epoch_ns_ ? (now - epoch_ns_) / kSecond + 1 : 1;
        next = std::min(next, epoch_ns_ + k * kSecond);
    }
    return next;
}

}  // namespace trapeze::devices
