#include "devices/pc/pit8254.h"

#include <algorithm>

namespace trapeze::devices {

namespace {
constexpr uint64_t kNever = Clock::kNever;

uint32_t bcd_to_bin(uint16_t v) {
    return (v & 0xF) + ((v >> 4) & 0xF) * 10 + ((v >> 8) & 0xF) * 100 + ((v >> 12) & 0xF) * 1000;
}
uint16_t bin_to_bcd(uint32_t v) {
    return uint16_t((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000 % 10) << 12));
}
}  // namespace

uint64_t Pit8254::tick_of_ns(uint64_t ns) {
    return uint64_t((unsigned __int128)ns * kInputHz / 1000000000u);
}

uint64_t Pit8254::ns_of_tick(uint64_t tick) {
    if (tick == kNever) return kNever;
    unsigned __int128 n = (unsigned __int128)tick * 1000000000u + kInputHz - 1;
    n /= kInputHz;
    return n > UINT64_MAX ? kNever : uint64_t(n);
}

void Pit8254::reset() {
    for (auto& c : ch_) c = Channel{};
    // The BIOS, not the hardware, programs channel 0; after reset nothing counts.
    port61_ = 0;
    ch_[2].gate = false;  // port 0x61 bit 0 is 0 after reset; channels 0 and 1 are gated on
    irq_checked_tick_ = now_tick();
    irq0_.set(false);
}

void Pit8254::attach(cpu::PortBus& bus) {
    bus.add(0x40, 4, this);
    bus.add(0x61, 1, this);
}

uint64_t Pit8254::effective_tick(const Channel& c, uint64_t t) const {
    // GATE low suspends counting in modes 0, 2, 3 and 4 (datasheet, "Gate" table).
    if (!c.gate && c.mode != 1 && c.mode != 5) return std::min(t, c.gate_low_tick);
    return t;
}

uint32_t Pit8254::counter_at(const Channel& c, uint64_t t) const {
    t = effective_tick(c, t);
    uint64_t start = c.start;
    uint32_t n = c.count;
    if (!c.counting) return c.count;  // nothing loaded yet: what was written
    if (t < start) {
        if (!c.old_valid || t < c.old_start) return n;  // loads on the next CLK
        start = c.old_start;
        n = c.old_count;
    }
    uint64_t e = t - start;
    uint32_t m = modulus(c);
    switch (c.mode) {
    case 2: return n - uint32_t(e % n);
    case 3: {
        // The counting element decrements by two and is reloaded at each half period;
        // odd counts load N-1 for the high half (datasheet, mode 3).
        uint32_t p = uint32_t(e % n);
        uint32_t high = (n + 1) / 2;
        uint32_t q = p < high ? p : p - high;
        uint32_t v = (n & ~1u) - 2 * q;
        return v ? v : (n & ~1u);
    }
    default:  // modes 0, 1, 4, 5 wrap around after the terminal count and keep counting
        return uint32_t((n + m - e % m) % m);
    }
}

bool Pit8254::out_at(const Channel& c, uint64_t t) const {
    if (!c.counting) return c.mode != 0;  // mode 0: low after the control word; others high
    if ((c.mode == 2 || c.mode == 3) && !c.gate) return true;  // GATE low forces OUT high
    if (c.mode == 0 && c.mode0_stopped) return false;
    t = effective_tick(c, t);
    uint64_t start = c.start;
    uint64_t n = c.count;
    if (t < start) {
        if (!c.old_valid || t < c.old_start) return c.mode != 0 && c.mode != 1;
        start = c.old_start;
        n = c.old_count;
    }
    uint64_t e = t - start;
    switch (c.mode) {
    case 0: return e >= n;              // high at terminal count, until reprogrammed
    case 1: return e >= n;              // low from the trigger until terminal count
    case 2: return e % n != n - 1;      // low for one CLK when the count reaches 1
    case 3: return e % n < (n + 1) / 2; // high half (the longer for odd N), then low half
    default: return e != n;             // modes 4, 5: one CLK low strobe at terminal count
    }
}

uint64_t Pit8254::next_rise_after(const Channel& c, uint64_t t) const {
    if (!c.counting || (c.mode == 0 && c.mode0_stopped)) return kNever;
    if (!c.gate && c.mode != 1 && c.mode != 5) return kNever;
    auto periodic = [](uint64_t start, uint64_t n, uint64_t t) {
        uint64_t k = t < start ? 1 : (t - start) / n + 1;
        return start + k * n;
    };
    if (c.old_valid && t < c.start) {
        // The running period ends at c.start, which is itself a rising edge.
        uint64_t r = periodic(c.old_start, c.old_count, t);
        if (r <= c.start) return r;
    }
    uint64_t n = c.count;
    switch (c.mode) {
    case 0:
    case 1: return c.start + n > t ? c.start + n : kNever;
    case 2:
    case 3: return periodic(c.start, n, t);
    default: return c.start + n + 1 > t ? c.start + n + 1 : kNever;
    }
}

uint8_t Pit8254::status_of(const Channel& c, uint64_t t) const {
    // Read-back status byte: OUT, NULL COUNT, RW1 RW0, M2 M1 M0, BCD (datasheet, Figure 12).
    // NULL COUNT is 1 from a control word or count write until the count is loaded into the
    // counting element (for modes 1 and 5: until the trigger).
    bool null = c.null_count && (!c.counting || t < c.start);
    return uint8_t((out_at(c, t) ? 0x80 : 0) | (null ? 0x40 : 0) | (c.access << 4) | (c.mode << 1) |
                   (c.bcd ? 1 : 0));
}

uint16_t Pit8254::encode(const Channel& c, uint32_t v) const {
    if (c.bcd) return bin_to_bcd(v % 10000);
    return uint16_t(v);  // 65536 reads as 0
}

uint16_t Pit8254::counter(unsigned ch) const { return encode(ch_[ch], counter_at(ch_[ch], now_tick())); }
bool Pit8254::out(unsigned ch) const { return out_at(ch_[ch], now_tick()); }

void Pit8254::set_gate(unsigned ch, bool level) {
    Channel& c = ch_[ch];
    if (level == c.gate) return;
    uint64_t t = now_tick();
    if (level) {
        switch (c.mode) {
        case 0:
        case 4:  // counting resumes where it stopped
            if (c.counting) c.start += t - c.gate_low_tick;
            break;
        case 1:
        case 5:  // trigger: (re)load the count on the next CLK
            if (c.armed || c.counting) {
                c.counting = true;
                c.start = t + 1;
                c.old_valid = false;
            }
            break;
        default:  // 2, 3: a rising gate reloads the count on the next CLK
            if (c.counting) {
                c.start = t + 1;
                c.old_valid = false;
            }
            break;
        }
    } else {
        c.gate_low_tick = t;
    }
    c.gate = level;
    if (ch == 0) reschedule();
}

void Pit8254::write_control(uint8_t v) {
    uint64_t t = now_tick();
    unsigned sel = v >> 6;
    if (sel == 3) {
        // Read-back command: bit 5 = 0 latches the counts, bit 4 = 0 the status, of the
        // counters selected by bits 1-3. A latched value is kept until read; a second latch
        // before that is ignored (datasheet, "Read-Back Command").
        for (unsigned i = 0; i < 3; ++i) {
            if (!(v & (2u << i))) continue;
            Channel& c = ch_[i];
            if (!(v & 0x20) && !c.count_latched) {
                c.count_latched = true;
                c.latch = encode(c, counter_at(c, t));
                c.latch_msb_next = false;
            }
            if (!(v & 0x10) && !c.status_latched) {
                c.status_latched = true;
                c.status = status_of(c, t);
            }
        }
        return;
    }
    Channel& c = ch_[sel];
    unsigned access = (v >> 4) & 3;
    if (access == 0) {
        // Counter latch command
        if (!c.count_latched) {
            c.count_latched = true;
            c.latch = encode(c, counter_at(c, t));
            c.latch_msb_next = false;
        }
        return;
    }
    unsigned mode = (v >> 1) & 7;
    if (mode > 5) mode -= 4;  // 6 and 7 are modes 2 and 3
    bool gate = c.gate;
    uint64_t gate_low = c.gate_low_tick;
    c = Channel{};
    c.gate = gate;
    c.gate_low_tick = gate_low;
    c.mode = uint8_t(mode);
    c.bcd = v & 1;
    c.access = uint8_t(access);
    if (sel == 0) {
        irq0_.set(out_at(c, t));
        reschedule();
    }
}

void Pit8254::load_count(unsigned ch, uint16_t raw) {
    Channel& c = ch_[ch];
    uint64_t t = now_tick();
    uint32_t n = c.bcd ? bcd_to_bin(raw) : raw;
    if (n == 0) n = modulus(c);
    c.count_raw = raw;
    c.null_count = true;
    c.mode0_stopped = false;
    switch (c.mode) {
    case 1:
    case 5:
        // Waits for a rising GATE; a new count does not disturb a running one-shot.
        if (!c.counting) c.count = n;
        else {
            c.old_valid = false;
            c.count = n;  // used from the next trigger on (the formula uses the new N: close enough)
        }
        c.armed = true;
        break;
    case 2:
    case 3:
        if (c.counting && c.gate && t >= c.start) {
            // Loaded at the end of the current period.
            uint64_t e = t - c.start;
            uint64_t end = c.start + (e / c.count + 1) * c.count;
            c.old_valid = true;
            c.old_start = c.start;
            c.old_count = c.count;
            c.start = end;
        } else {
            c.old_valid = false;
            c.start = t + 1;
        }
        c.count = n;
        c.counting = true;
        break;
    default:  // 0, 4: loaded on the next CLK, counting starts over
        c.count = n;
        c.counting = true;
        c.old_valid = false;
        c.start = t + 1;
        if (!c.gate) c.gate_low_tick = c.start;  // loaded, but suspended until GATE rises
        break;
    }
    if (ch == 0) {
        irq0_.set(out_at(c, t));
        reschedule();
    }
}

void Pit8254::write_count(unsigned ch, uint8_t v) {
    Channel& c = ch_[ch];
    switch (c.access) {
    case 1: load_count(ch, v); break;
    case 2: load_count(ch, uint16_t(v << 8)); break;
    default:
        if (!c.write_msb_next) {
            c.write_lsb = v;
            c.write_msb_next = true;
            // Mode 0: writing the first byte stops the count and sets OUT low at once.
            if (c.mode == 0) {
                c.mode0_stopped = true;
                if (ch == 0) irq0_.set(false);
            }
        } else {
            c.write_msb_next = false;
            load_count(ch, uint16_t(c.write_lsb | (v << 8)));
        }
        break;
    }
}

uint8_t Pit8254::read_counter(unsigned ch) {
    Channel& c = ch_[ch];
    if (c.status_latched) {
        c.status_latched = false;
        return c.status;
    }
    uint16_t v;
    bool msb;
    if (c.count_latched) {
        v = c.latch;
        if (c.access == 3) {
            msb = c.latch_msb_next;
            c.latch_msb_next = !c.latch_msb_next;
            if (msb) c.count_latched = false;
        } else {
            msb = c.access == 2;
            c.count_latched = false;
        }
    } else {
        v = encode(c, counter_at(c, now_tick()));
        if (c.access == 3) {
            msb = c.read_msb_next;
            c.read_msb_next = !c.read_msb_next;
        } else {
            msb = c.access == 2;
        }
    }
    return uint8_t(msb ? v >> 8 : v);
}

uint32_t Pit8254::port_read(uint16_t port, unsigned size) {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
        uint16_t p = uint16_t(port + i);
        uint8_t b = 0xFF;
        if (p >= 0x40 && p <= 0x42) {
            b = read_counter(p - 0x40);
        } else if (p == 0x43) {
            b = 0xFF;  // the control word register cannot be read
        } else if (p == 0x61) {
            // Bit 4 toggles with each DRAM refresh request, every 15.085 us on the AT;
            // BIOS delay loops count its edges. Bit 5 is OUT2.
            uint64_t ns = clock_.now_ns();
            b = uint8_t((port61_ & 0x0F) | (((ns / 15085) & 1) << 4) | (out(2) ? 0x20 : 0));
        }
        v |= uint32_t(b) << (8 * i);
    }
    return v;
}

void Pit8254::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned i = 0; i < size; ++i) {
        uint16_t p = uint16_t(port + i);
        uint8_t b = uint8_t(value >> (8 * i));
        if (p >= 0x40 && p <= 0x42) write_count(p - 0x40, b);
        else if (p == 0x43) write_control(b);
        else if (p == 0x61) {
            port61_ = b & 0x0F;
            set_gate(2, b & 1);
        }
    }
}

void Pit8254::update() {
    uint64_t t = now_tick();
    const Channel& c = ch_[0];
    bool level = out_at(c, t);
    if (next_rise_after(c, irq_checked_tick_) <= t) irq0_.pulse(level);
    else irq0_.set(level);
    irq_checked_tick_ = t;
}

uint64_t Pit8254::next_event_ns() {
    uint64_t r = next_rise_after(ch_[0], irq_checked_tick_);
    return r == kNever ? kNever : ns_of_tick(r);
}

}  // namespace trapeze::devices
