// The host side of a UQSSP port for the disk and tape image fuzzers: a Q-bus with 128 KB of
// memory behind it, the port brought up the way the console and 4.3BSD do it (steps 1-4,
// one-entry command and response rings), and one MSCP/TMSCP command at a time sent through
// the rings and its end message read back. The fuzzers choose the commands; the port and the
// bring-up are fixed, so that every input reaches the server and its medium (the bring-up
// with random values is microvax_iofuzz's job).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "devices/microvax/uqssp.h"

namespace trapeze::fuzz {

// Q-bus addresses 0 .. kBytes-1 are memory; anything above is non-existent (a short DMA).
class FakeQbus : public devices::microvax::QbusDma {
public:
    static constexpr uint32_t kBytes = 128 * 1024;
    std::vector<uint8_t> mem = std::vector<uint8_t>(kBytes, 0);

    size_t dma_read(uint32_t qbus_address, std::span<uint8_t> out) override {
        const size_t n = available(qbus_address, out.size());
        std::copy_n(mem.begin() + qbus_address, n, out.begin());
        return n;
    }
    size_t dma_write(uint32_t qbus_address, std::span<const uint8_t> in) override {
        const size_t n = available(qbus_address, in.size());
        std::copy_n(in.begin(), n, mem.begin() + qbus_address);
        return n;
    }
    uint16_t word(uint32_t a) const { return static_cast<uint16_t>(mem[a] | (mem[a + 1] << 8)); }
    uint32_t longword(uint32_t a) const { return word(a) | (uint32_t{word(a + 2)} << 16); }
    void put_word(uint32_t a, uint16_t v) {
        mem[a] = static_cast<uint8_t>(v);
        mem[a + 1] = static_cast<uint8_t>(v >> 8);
    }
    void put_longword(uint32_t a, uint32_t v) {
        put_word(a, static_cast<uint16_t>(v));
        put_word(a + 2, static_cast<uint16_t>(v >> 16));
    }

private:
    static size_t available(uint32_t a, size_t want) { return a >= kBytes ? 0 : std::min<size_t>(want, kBytes - a); }
};

// Where the host keeps its structures in FakeQbus memory; transfers go anywhere, these
// included (a guest may DMA over its own rings: the port must survive it).
struct HostLayout {
    static constexpr uint32_t kComm = 0x100;           // response ring entry, command ring entry after it
    static constexpr uint32_t kCommandText = 0x200;    // packet text; the 4-byte header is just below
    static constexpr uint32_t kResponseText = 0x300;
    static constexpr uint32_t kBuffers = 0x1000;       // where the fuzzers point most transfers
};

class UqsspHost {
public:
    // Brings the port up: step 1 (one-entry rings, no interrupts), the communications area,
    // GO. False if the port did not follow the handshake (a finding: the values are valid).
    static bool bring_up(devices::microvax::UqsspPort& port) {
        using P = devices::microvax::UqsspPort;
        port.mmio_write(0, 2, 0);  // IP: reinitialize
        if (!(port.mmio_read(2, 2) & P::kStep1)) return false;
        port.mmio_write(2, 2, 0x8000);  // valid, 1-entry rings, no interrupt, vector 0
        port.service();
        if (!(port.mmio_read(2, 2) & P::kStep2)) return false;
        port.mmio_write(2, 2, HostLayout::kComm & 0xFFFF);
        port.service();
        if (!(port.mmio_read(2, 2) & P::kStep3)) return false;
        port.mmio_write(2, 2, HostLayout::kComm >> 16);
        port.service();
        if (!(port.mmio_read(2, 2) & P::kStep4)) return false;
        port.mmio_write(2, 2, 1);  // GO
        return port.state() == P::State::up;
    }

    // Sends one command (text words 2.. of `command`; the header is filled in here) and
    // returns its end message in `response`. False when no response came back, or the port
    // died: with the rings valid, neither may happen whatever the command says.
    static bool exchange(devices::microvax::UqsspPort& port, FakeQbus& bus, uint8_t connection_id,
                         const devices::microvax::UqPacket& command, devices::microvax::UqPacket& response) {
        using P = devices::microvax::UqsspPort;
        constexpr uint32_t kTextBytes = (devices::microvax::UqPacket::kWords - 2) * 2;
        devices::microvax::UqPacket p = command;
        p.w[0] = kTextBytes;
        p.w[1] = static_cast<uint16_t>(connection_id << 8);  // sequential message, no credits asked
        for (unsigned i = 0; i < devices::microvax::UqPacket::kWords; ++i)
            bus.put_word(HostLayout::kCommandText - 4 + 2 * i, p.w[i]);
        bus.put_word(HostLayout::kResponseText - 4, kTextBytes);  // the room the host gives a response
        bus.put_longword(HostLayout::kComm, P::kDescOwn | HostLayout::kResponseText);
        bus.put_longword(HostLayout::kComm + 4, P::kDescOwn | HostLayout::kCommandText);
        (void)port.mmio_read(0, 2);  // IP read: poll the command ring
        port.service();
        if (port.state() != P::State::up) return false;
        if (bus.longword(HostLayout::kComm + 4) & P::kDescOwn) return false;  // command not taken
        if (bus.longword(HostLayout::kComm) & P::kDescOwn) return false;      // no response
        for (unsigned i = 0; i < devices::microvax::UqPacket::kWords; ++i)
            response.w[i] = bus.word(HostLayout::kResponseText - 4 + 2 * i);
        return true;
    }
};

// One command as the fuzzers encode it: 16 bytes. The opcode byte indexes `opcodes` (a value
// past the table is sent as it is, for the invalid-opcode path); the unit byte is taken
// modulo 4 unless its top bit is set; the three longwords go to text words 8-9 (byte count,
// record count, controller version and flags), 10-11 (buffer address, tape mark count) and
// 16-17 (LBN). A byte count below 2^31 is cut to 17 bits and a buffer address below 2^31 is
// moved into the buffer area, so that most transfers fit the 128 KB of memory. The others go
// as they are: huge and odd counts; addresses with <31:30> = 10 are cut to the 22-bit Q-bus
// space (past memory, or over the host's own rings), with <31:30> = 11 sent whole (an RQDX3
// refuses them as mapped transfers).
constexpr size_t kCommandBytes = 16;

inline devices::microvax::UqPacket decode_command(const uint8_t* b, std::span<const uint16_t> opcodes) {
    namespace m = devices::microvax::mscp;
    auto le32 = [&](size_t i) { return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (uint32_t{b[i + 3]} << 24); };
    devices::microvax::UqPacket p;
    p.w[m::kOpcode] = b[0] < opcodes.size() ? opcodes[b[0]] : b[0];
    p.w[m::kUnit] = (b[1] & 0x80) ? b[1] : b[1] & 3;
    p.w[m::kModifier] = static_cast<uint16_t>(b[2] | (b[3] << 8));
    uint32_t count = le32(4), address = le32(8);
    if (!(count & 0x80000000)) count &= 0x1FFFF;
    if (!(address & 0x80000000)) address = HostLayout::kBuffers + (address & 0xFFFF);
    else if (!(address & 0x40000000)) address &= 0x3FFFFF;
    p.put32(8, count);
    p.put32(10, address);
    p.put32(16, le32(12));
    return p;
}

// Whether the command's transfer could reach the host's rings or packets (below
// HostLayout::kBuffers): a READ there may overwrite the response descriptor, so that the end
// message is lost or lands elsewhere, and a WRITE from there takes bytes the port rewrites.
// Then the fuzzers do not judge the answer and start the port over.
inline bool may_overwrite_host(const devices::microvax::UqPacket& p) {
    namespace m = devices::microvax::mscp;
    const uint16_t op = p.w[m::kOpcode] & 0xFF;
    const uint64_t qba = p.get32(m::kBuffer) & 0x3FFFFF, count = p.get32(m::kByteCount);
    return (op == m::kRead || op == m::kWrite) && qba < HostLayout::kBuffers && count > 0;
}

}  // namespace trapeze::fuzz
