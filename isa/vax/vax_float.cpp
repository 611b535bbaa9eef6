#include "isa/vax/vax_float.h"

#include <utility>

namespace trapeze::vax::fp {

namespace {

using u128 = unsigned __int128;

struct Layout {
    int width;      // 32 or 64
    int exp_bits;   // 8 or 11
    int frac_bits;  // stored fraction bits
    int bias;
};

constexpr Layout layout(Fmt f) {
    switch (f) {
    case Fmt::F: return {32, 8, 23, 128};
    case Fmt::D: return {64, 8, 55, 128};
    case Fmt::G: return {64, 11, 52, 1024};
    }
    return {32, 8, 23, 128};
}

// Memory order <-> logical order: the word holding sign and exponent is first in memory.
uint64_t swap_words(uint64_t v, int width) {
    if (width == 32) return ((v >> 16) & 0xFFFF) | ((v & 0xFFFF) << 16);
    return ((v >> 48) & 0xFFFF) | (((v >> 32) & 0xFFFF) << 16) | (((v >> 16) & 0xFFFF) << 32) | ((v & 0xFFFF) << 48);
}

Unpacked normalize128(bool neg, int exp, u128 s) {
    Unpacked r;
    if (s == 0) return r;
    int shift = 0;
    while (!(s >> 127)) {
        s <<= 1;
        ++shift;
    }
    r.neg = neg;
    r.zero = false;
    r.exp = exp - shift;
    r.frac = static_cast<uint64_t>(s >> 64);
    return r;
}

}  // namespace

int precision(Fmt f) { return layout(f).frac_bits + 1; }

bool unpack(Fmt f, uint64_t bits, Unpacked& out) {
    const Layout l = layout(f);
    uint64_t v = swap_words(bits, l.width);
    bool sign = (v >> (l.width - 1)) & 1;
    int exp = static_cast<int>((v >> l.frac_bits) & ((1u << l.exp_bits) - 1));
    uint64_t frac = v & ((uint64_t{1} << l.frac_bits) - 1);
    out = Unpacked{};
    if (exp == 0) return !sign;
    out.neg = sign;
    out.zero = false;
    out.exp = exp - l.bias;
    out.frac = (uint64_t{1} << 63) | (frac << (63 - l.frac_bits));
    return true;
}

Status pack(Fmt f, const Unpacked& u, uint64_t& bits, bool round) {
    const Layout l = layout(f);
    if (u.zero) {
        bits = 0;
        return Status::ok;
    }
    const int p = l.frac_bits + 1;
    uint64_t frac = u.frac;
    int exp = u.exp;
    if (round) {
        uint64_t half = uint64_t{1} << (63 - p);
        uint64_t s = frac + half;
        if (s < frac) {  // carried out: the fraction was all ones
            s = uint64_t{1} << 63;
            ++exp;
        }
        frac = s;
    }
    frac &= ~((uint64_t{1} << (64 - p)) - 1);
    int biased = exp + l.bias;
    if (biased >= (1 << l.exp_bits)) return Status::overflow;
    if (biased <= 0) return Status::underflow;
    uint64_t stored = (frac << 1) >> (64 - l.frac_bits);
    uint64_t v = (uint64_t{u.neg} << (l.width - 1)) | (uint64_t(biased) << l.frac_bits) | stored;
    bits = swap_words(v, l.width);
    return Status::ok;
}

Unpacked negate(Unpacked a) {
    if (!a.zero) a.neg = !a.neg;
    return a;
}

Unpacked add(const Unpacked& x, const Unpacked& y) {
    if (x.zero) return y;
    if (y.zero) return x;
    const Unpacked* a = &x;
    const Unpacked* b = &y;
    if (b->exp > a->exp || (b->exp == a->exp && b->frac > a->frac)) std::swap(a, b);
    u128 A = u128{a->frac} << 64;
    u128 B = u128{b->frac} << 64;
    int d = a->exp - b->exp;
    if (d >= 128) {
        B = 1;
    } else if (d > 0) {
        bool sticky = (B & ((u128{1} << d) - 1)) != 0;
        B = (B >> d) | (sticky ? 1 : 0);
    }
    if (a->neg == b->neg) {
        u128 s = A + B;
        if (s < A) {  // carry out of bit 127
            return Unpacked{a->neg, false, a->exp + 1, static_cast<uint64_t>((s >> 65) | (u128{1} << 63))};
        }
        return normalize128(a->neg, a->exp, s);
    }
    return normalize128(a->neg, a->exp, A - B);
}

Unpacked mul(const Unpacked& a, const Unpacked& b) {
    if (a.zero || b.zero) return Unpacked{};
    u128 p = u128{a.frac} * b.frac;
    return normalize128(a.neg != b.neg, a.exp + b.exp, p);
}

Unpacked div(const Unpacked& a, const Unpacked& b) {
    if (a.zero) return Unpacked{};
    u128 n = u128{a.frac} << 64;
    u128 q = n / b.frac;  // in [2^63, 2^65)
    Unpacked r;
    r.neg = a.neg != b.neg;
    r.zero = false;
    r.exp = a.exp - b.exp;
    if (q >> 64) {
        q >>= 1;
        r.exp += 1;
    }
    r.frac = static_cast<uint64_t>(q);
    return r;
}

Unpacked from_int(int64_t v) {
    if (v == 0) return Unpacked{};
    bool neg = v < 0;
    uint64_t mag = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    return normalize128(neg, 64, u128{mag} << 64);
}

int64_t to_int(const Unpacked& u, bool round, int bits, bool& overflow) {
    overflow = false;
    if (u.zero) return 0;
    u128 mag;
    if (u.exp <= 0) {
        mag = (round && u.exp == 0) ? 1 : 0;
    } else if (u.exp >= 128) {
        overflow = true;
        return 0;
    } else {
        u128 full = u128{u.frac} << 64;  // value = full * 2^(exp - 128)
        int sh = 128 - u.exp;
        mag = full >> sh;
        if (round && ((full >> (sh - 1)) & 1)) mag += 1;
    }
    u128 limit = u128{1} << (bits - 1);
    if (u.neg ? mag > limit : mag >= limit) overflow = true;
    uint64_t low = static_cast<uint64_t>(mag);
    return static_cast<int64_t>(u.neg ? 0 - low : low);
}

int compare(const Unpacked& a, const Unpacked& b) {
    auto sgn = [](const Unpacked& u) { return u.zero ? 0 : (u.neg ? -1 : 1); };
    int sa = sgn(a), sb = sgn(b);
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int mag = 0;
    if (a.exp != b.exp) mag = a.exp < b.exp ? -1 : 1;
    else if (a.frac != b.frac) mag = a.frac < b.frac ? -1 : 1;
    return sa > 0 ? mag : -mag;
}

void split(const Unpacked& u, int64_t& int_part, bool& int_overflow, Unpacked& fraction) {
    int_overflow = false;
    int_part = 0;
    if (u.zero || u.exp <= 0) {
        fraction = u;
        return;
    }
    if (u.exp >= 64) {
        // No fraction bits remain in a 64-bit significand; the integer does not fit in 32.
        bool ovf = false;
        int_part = to_int(u, false, 32, ovf);
        int_overflow = true;
        fraction = Unpacked{};
        return;
    }
    int_part = to_int(u, false, 32, int_overflow);
    uint64_t f = u.frac << u.exp;
    fraction = normalize128(u.neg, 0, u128{f} << 64);
}

Unpacked mul_extended(const Unpacked& mulr, uint32_t ext, int ext_bits, Fmt f, const Unpacked& muld) {
    if (mulr.zero || muld.zero) return Unpacked{};
    Unpacked m = mulr;
    int p = precision(f);
    int room = 64 - p;  // bits below the fraction in the 64-bit significand
    int used = ext_bits < room ? ext_bits : room;
    uint64_t e = (ext >> (ext_bits - used)) & ((uint64_t{1} << used) - 1);
    m.frac |= e << (room - used);
    return mul(m, muld);
}

}  // namespace trapeze::vax::fp
