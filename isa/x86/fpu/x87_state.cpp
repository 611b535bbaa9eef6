#include "isa/x86/fpu/x87_state.h"

#include <cstring>

namespace trapeze::x86 {

namespace {

uint16_t read16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t read32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
void write16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
}
void write32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The real-mode layouts hold 20-bit (16-bit format) or 32-bit (32-bit format) linear
// addresses: the segment base of real/virtual-8086 mode is selector * 16.
uint32_t linear(const X87Pointer& pointer) {
    return (static_cast<uint32_t>(pointer.selector) << 4) + pointer.offset;
}

}  // namespace

Float80 Float80::from_bytes(const uint8_t* bytes) {
    Float80 value;
    std::memcpy(&value.significand, bytes, 8);
    value.sign_exponent = read16(bytes + 8);
    return value;
}

void Float80::to_bytes(uint8_t* bytes) const {
    std::memcpy(bytes, &significand, 8);
    write16(bytes + 8, sign_exponent);
}

Float80Class classify(const Float80& value) {
    const uint16_t exponent = value.exponent();
    if (exponent == 0) {
        if (value.significand == 0) return Float80Class::Zero;
        return value.has_integer_bit() ? Float80Class::PseudoDenormal : Float80Class::Denormal;
    }
    if (!value.has_integer_bit()) return Float80Class::Unsupported;  // unnormal, pseudo-NaN/inf
    if (exponent == Float80::max_exponent) {
        if ((value.significand << 1) == 0) return Float80Class::Infinity;
        return (value.significand & Float80::quiet_bit) ? Float80Class::QuietNaN
                                                        : Float80Class::SignalingNaN;
    }
    return Float80Class::Normal;
}

X87Tag tag_from_contents(const Float80& value) {
    switch (classify(value)) {
        case Float80Class::Zero: return X87Tag::Zero;
        case Float80Class::Normal: return X87Tag::Valid;
        default: return X87Tag::Special;
    }
}

void X87State::set_top(unsigned new_top) {
    status = static_cast<uint16_t>((status & ~fsw::TOP) | ((new_top & 7) << fsw::TOP_SHIFT));
}

uint16_t X87State::tag_word() const {
    uint16_t word = 0;
    for (unsigned r = 0; r < 8; ++r) {
        const unsigned tag = is_empty(r) ? static_cast<unsigned>(X87Tag::Empty)
                                         : static_cast<unsigned>(tag_from_contents(physical[r]));
        word = static_cast<uint16_t>(word | (tag << (2 * r)));
    }
    return word;
}

void X87State::set_tag_word(uint16_t tags) {
    nonempty = 0;
    for (unsigned r = 0; r < 8; ++r) {
        if (((tags >> (2 * r)) & 3) != static_cast<unsigned>(X87Tag::Empty)) nonempty |= 1u << r;
    }
}

void X87State::update_summary() {
    if (status & fsw::EXCEPTIONS & ~control & fcw::MASKS) {
        status |= fsw::ES | fsw::B;
    } else {
        status &= static_cast<uint16_t>(~(fsw::ES | fsw::B));
    }
}

void X87State::power_on_reset() {
    physical.fill(Float80{});
    initialize();
    control = 0x0040;
    nonempty = 0xFF;
    mxcsr = mxcsr_default;
}

void X87State::initialize() {
    control = fcw::DEFAULT;
    status = 0;
    nonempty = 0;
    last_instruction = {};
    last_data = {};
    last_opcode = 0;
}

void store_env_image(const X87State& state, X87EnvFormat format, uint8_t* out) {
    const uint16_t tags = state.tag_word();
    const uint16_t opcode = state.last_opcode & 0x7FF;
    switch (format) {
        case X87EnvFormat::Protected32:
            write32(out + 0, 0xFFFF0000u | state.control);
            write32(out + 4, 0xFFFF0000u | state.status);
            write32(out + 8, 0xFFFF0000u | tags);
            write32(out + 12, state.last_instruction.offset);
            write32(out + 16, state.last_instruction.selector | (uint32_t{opcode} << 16));
            write32(out + 20, state.last_data.offset);
            write32(out + 24, 0xFFFF0000u | state.last_data.selector);
            break;
        case X87EnvFormat::Protected16:
            write16(out + 0, state.control);
            write16(out + 2, state.status);
            write16(out + 4, tags);
            write16(out + 6, static_cast<uint16_t>(state.last_instruction.offset));
            write16(out + 8, state.last_instruction.selector);
            write16(out + 10, static_cast<uint16_t>(state.last_data.offset));
            write16(out + 12, state.last_data.selector);
            break;
        case X87EnvFormat::Real32: {
            const uint32_t ip = linear(state.last_instruction);
            const uint32_t dp = linear(state.last_data);
            write32(out + 0, 0xFFFF0000u | state.control);
            write32(out + 4, 0xFFFF0000u | state.status);
            write32(out + 8, 0xFFFF0000u | tags);
            write32(out + 12, 0xFFFF0000u | (ip & 0xFFFF));
            write32(out + 16, ((ip & 0xFFFF0000u) >> 4) | opcode);
            write32(out + 20, 0xFFFF0000u | (dp & 0xFFFF));
            write32(out + 24, (dp & 0xFFFF0000u) >> 4);
            break;
        }
        case X87EnvFormat::Real16: {
            const uint32_t ip = linear(state.last_instruction);
            const uint32_t dp = linear(state.last_data);
            write16(out + 0, state.control);
            write16(out + 2, state.status);
            write16(out + 4, tags);
            write16(out + 6, static_cast<uint16_t>(ip));
            write16(out + 8, static_cast<uint16_t>(((ip & 0xF0000u) >> 4) | opcode));
            write16(out + 10, static_cast<uint16_t>(dp));
            write16(out + 12, static_cast<uint16_t>((dp & 0xF0000u) >> 4));
            break;
        }
    }
}

void load_env_image(X87State& state, X87EnvFormat format, const uint8_t* in) {
    uint16_t control = 0, status = 0, tags = 0;
    switch (format) {
        case X87EnvFormat::Protected32: {
            control = read16(in + 0);
            status = read16(in + 4);
            tags = read16(in + 8);
            state.last_instruction.offset = read32(in + 12);
            const uint32_t selector_opcode = read32(in + 16);
            state.last_instruction.selector = static_cast<uint16_t>(selector_opcode);
            state.last_opcode = static_cast<uint16_t>((selector_opcode >> 16) & 0x7FF);
            state.last_data.offset = read32(in + 20);
            state.last_data.selector = read16(in + 24);
            break;
        }
        case X87EnvFormat::Protected16:
            control = read16(in + 0);
            status = read16(in + 2);
            tags = read16(in + 4);
            state.last_instruction = {read16(in + 8), read16(in + 6)};
            state.last_data = {read16(in + 12), read16(in + 10)};
            state.last_opcode = 0;  // the 16-bit protected-mode layout has no opcode field
            break;
        case X87EnvFormat::Real32: {
            control = read16(in + 0);
            status = read16(in + 4);
            tags = read16(in + 8);
            const uint32_t ip_high_opcode = read32(in + 16);
            state.last_instruction = {0, ((ip_high_opcode & 0x0FFFF000u) << 4) |
                                             (read32(in + 12) & 0xFFFF)};
            state.last_opcode = static_cast<uint16_t>(ip_high_opcode & 0x7FF);
            state.last_data = {0, ((read32(in + 24) & 0x0FFFF000u) << 4) |
                                      (read32(in + 20) & 0xFFFF)};
            break;
        }
        case X87EnvFormat::Real16: {
            control = read16(in + 0);
            status = read16(in + 2);
            tags = read16(in + 4);
            const uint16_t ip_high_opcode = read16(in + 8);
            state.last_instruction = {0, (static_cast<uint32_t>(ip_high_opcode & 0xF000u) << 4) |
                                             read16(in + 6)};
            state.last_opcode = ip_high_opcode & 0x7FF;
            state.last_data = {0, (static_cast<uint32_t>(read16(in + 12) & 0xF000u) << 4) |
                                      read16(in + 10)};
            break;
        }
    }
    state.control = normalize_control_word(control);
    state.status = status;
    state.set_tag_word(tags);
    state.update_summary();
}

void store_save_image(const X87State& state, X87EnvFormat format, uint8_t* out) {
    store_env_image(state, format, out);
    uint8_t* registers = out + env_image_size(format);
    for (unsigned i = 0; i < 8; ++i) state.st(i).to_bytes(registers + 10 * i);
}

void load_save_image(X87State& state, X87EnvFormat format, const uint8_t* in) {
    load_env_image(state, format, in);
    const uint8_t* registers = in + env_image_size(format);
    for (unsigned i = 0; i < 8; ++i) state.st(i) = Float80::from_bytes(registers + 10 * i);
}

void store_fxsave_image(const X87State& state, uint8_t* out) {
    std::memset(out, 0, fxsave_written_bytes);
    write16(out + 0, state.control);
    write16(out + 2, state.status);
    out[4] = state.abridged_tag_word();
    write16(out + 6, state.last_opcode & 0x7FF);
    write32(out + 8, state.last_instruction.offset);
    write16(out + 12, state.last_instruction.selector);
    write32(out + 16, state.last_data.offset);
    write16(out + 20, state.last_data.selector);
    write32(out + 24, state.mxcsr);
    write32(out + 28, mxcsr_mask);
    for (unsigned i = 0; i < 8; ++i) state.st(i).to_bytes(out + 32 + 16 * i);
}

bool fxsave_image_mxcsr_is_valid(const uint8_t* in) {
    return (read32(in + 24) & ~mxcsr_mask) == 0;
}

void load_fxsave_image(X87State& state, const uint8_t* in) {
    state.control = normalize_control_word(read16(in + 0));
    state.status = read16(in + 2);
    state.nonempty = in[4];
    state.last_opcode = read16(in + 6) & 0x7FF;
    state.last_instruction = {read16(in + 12), read32(in + 8)};
    state.last_data = {read16(in + 20), read32(in + 16)};
    state.mxcsr = read32(in + 24);
    for (unsigned i = 0; i < 8; ++i) state.st(i) = Float80::from_bytes(in + 32 + 16 * i);
    state.update_summary();
}

}  // namespace trapeze::x86
