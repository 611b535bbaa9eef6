#include "devices/microvax/uqssp.h"

#include <algorithm>

namespace trapeze::devices::microvax {

namespace mscp {
void set_response(UqPacket& p, uint16_t opcode, uint16_t flags, uint16_t status, uint16_t length, uint8_t cid,
                  uint16_t type) {
    p.w[kOpcode] = static_cast<uint16_t>(opcode | (flags << 8));
    p.w[kStatus] = status;
    p.w[kLength] = length;
    p.w[kCtc] = static_cast<uint16_t>((type << 4) | (cid << 8));
}
}  // namespace mscp

UqsspPort::UqsspPort(QbusDma& bus, UqsspServer& server, uint16_t port_model, uint16_t microcode_version)
    : bus_(bus), server_(server), port_model_(port_model), version_(microcode_version) {
    reinitialize();
}

void UqsspPort::reinitialize() {
    state_ = State::step1;
    sa_ = kStep1 | kStep1Q22 | kStep1Diag | kStep1Mapping;
    step1_ = 0;
    vector_ = 0;
    comm_ = 0;
    irq_ = false;
    pending_write_ = polling_ = purge_interrupts_ = false;
    cmd_ = rsp_ = Ring{};
    credits_ = 15;
    responses_.clear();
    server_.port_reset();
}

void UqsspPort::fatal(uint16_t code) {
    reinitialize();
    sa_ = static_cast<uint16_t>(kSaError | code);
    state_ = State::dead;
}

uint32_t UqsspPort::mmio_read(uint64_t offset, unsigned size) {
    auto word = [this](unsigned which) -> uint32_t {
        if (which == 1) return sa_;
        // IP: reads as zero; starts polling once the port is up, or ends the purge/poll test.
        if (state_ == State::step3_purge_b) enter_step4();
        else if (state_ == State::up) polling_ = true;
        return 0;
    };
    if (size == 4) return word(0) | (word(1) << 16);
    uint32_t w = word(static_cast<unsigned>((offset >> 1) & 1));
    return size == 1 ? (w >> (8 * (offset & 1))) & 0xFF : w;
}

void UqsspPort::mmio_write(uint64_t offset, unsigned size, uint32_t value) {
    auto word = [this](unsigned which, uint16_t v) {
        if (which == 0) {
            reinitialize();  // any write to IP starts initialization over
            return;
        }
        sa_written_ = v;
        // Step 4's GO takes effect at once (hosts write GO and poll IP straight away).
        if (state_ == State::step4) {
            if (v & 1) {
                state_ = State::up;
                sa_ = 0;
            }
            return;
        }
        if (state_ != State::up && state_ != State::dead) pending_write_ = true;
    };
    if (size == 4) {
        word(0, static_cast<uint16_t>(value));
        word(1, static_cast<uint16_t>(value >> 16));
        return;
    }
    uint16_t v = static_cast<uint16_t>(size == 1 ? (value & 0xFF) << (8 * (offset & 1)) : value);
    word(static_cast<unsigned>((offset >> 1) & 1), v);
}

void UqsspPort::enter_step4() {
    rsp_ = Ring{comm_, 4u << ((step1_ >> 8) & 7), 0, -2};
    cmd_ = Ring{comm_ + rsp_.bytes, 4u << ((step1_ >> 11) & 7), 0, -4};
    const uint32_t start = purge_interrupts_ ? comm_ - 8 : comm_ - 4;
    std::vector<uint8_t> zero(comm_ + rsp_.bytes + cmd_.bytes - start, 0);
    if (bus_.dma_write(start, zero) != zero.size()) return fatal(kErrQueueWrite);
    sa_ = static_cast<uint16_t>(kStep4 | (port_model_ << 4) | version_);
    state_ = State::step4;
    step_interrupt();
}

void UqsspPort::service() {
    if (pending_write_) {
        pending_write_ = false;
        const uint16_t v = sa_written_;
        switch (state_) {
        case State::step1:
            if (!(v & 0x8000)) break;
            if (v & 0x4000) {  // wrap mode: echo SA writes for the host's diagnostics
                sa_ = v;
                state_ = State::wrap;
                break;
            }
            step1_ = v;
            vector_ = (v & 0x7Fu) << 2;
            sa_ = static_cast<uint16_t>(kStep2 | ((v >> 8) & 0xFF));
            state_ = State::step2;
            step_interrupt();
            break;
        case State::wrap: sa_ = v; break;
        case State::step2:
            comm_ = v & 0xFFFE;
            purge_interrupts_ = (v & 1) != 0;
            sa_ = static_cast<uint16_t>(kStep3 | (step1_ & 0xFF));
            state_ = State::step3;
            step_interrupt();
            break;
        case State::step3:
            comm_ |= uint32_t{v & 0x7FFFu} << 16;
            if (v & 0x8000) {
                sa_ = 0;
                state_ = State::step3_purge_a;
            } else {
                enter_step4();
            }
            break;
        case State::step3_purge_a:
            if (v) fatal(kErrPurgePoll);
            else state_ = State::step3_purge_b;
            break;
        default: break;
        }
    }
    if (state_ != State::up) return;
    // Responses waiting for a free response-ring entry go first, in order.
    while (!responses_.empty()) {
        bool delivered = false;
        if (!deliver(responses_.front(), delivered)) return;
        if (!delivered) break;
        responses_.pop_front();
    }
    for (int n = 0; polling_ && n < 64 && state_ == State::up; ++n) {
        UqPacket packet;
        bool got = false;
        if (!fetch_command(got, packet)) return;
        if (!got) {
            polling_ = false;
            break;
        }
        if (((packet.w[mscp::kCtc] >> 4) & 0xF) != mscp::kTypeSequential) return fatal(kErrProtocol);
        if ((packet.w[mscp::kCtc] >> 8) != server_.connection_id()) return fatal(kErrConnection);
        server_.command(*this, packet);
    }
}

void UqsspPort::send(UqPacket packet) {
    if (((packet.w[mscp::kCtc] >> 4) & 0xF) == mscp::kTypeSequential && (packet.w[mscp::kOpcode] & mscp::kEnd)) {
        unsigned cr = std::min(credits_, 14u);
        credits_ -= cr;
        packet.w[mscp::kCtc] = static_cast<uint16_t>(packet.w[mscp::kCtc] | (cr + 1));
    }
    if (responses_.empty()) {
        bool delivered = false;
        if (!deliver(packet, delivered)) return;
        if (delivered) return;
    }
    responses_.push_back(packet);
}

bool UqsspPort::read_words(uint32_t addr, uint16_t* words, size_t count) {
    std::vector<uint8_t> buf(count * 2);
    if (bus_.dma_read(addr, buf) != buf.size()) return false;
    for (size_t i = 0; i < count; ++i) words[i] = static_cast<uint16_t>(buf[2 * i] | (buf[2 * i + 1] << 8));
    return true;
}

bool UqsspPort::write_words(uint32_t addr, const uint16_t* words, size_t count) {
    std::vector<uint8_t> buf(count * 2);
    for (size_t i = 0; i < count; ++i) {
        buf[2 * i] = static_cast<uint8_t>(words[i]);
        buf[2 * i + 1] = static_cast<uint8_t>(words[i] >> 8);
    }
    return bus_.dma_write(addr, buf) == buf.size();
}

bool UqsspPort::read_descriptor(const Ring& ring, uint32_t& desc) {
    uint16_t d[2];
    if (!read_words(ring.base + ring.index, d, 2)) {
        fatal(kErrQueueRead);
        return false;
    }
    desc = d[0] | (uint32_t{d[1]} << 16);
    return true;
}

bool UqsspPort::return_descriptor(Ring& ring, uint32_t desc) {
    const uint32_t returned = (desc & ~kDescOwn) | kDescFlag;
    const uint16_t d[2] = {static_cast<uint16_t>(returned), static_cast<uint16_t>(returned >> 16)};
    if (!write_words(ring.base + ring.index, d, 2)) {
        fatal(kErrQueueWrite);
        return false;
    }
    if (desc & kDescFlag) {
        bool transition = ring.bytes <= 4;
        if (!transition) {
            uint16_t p[2];
            if (!read_words(ring.base + ((ring.index - 4) & (ring.bytes - 1)), p, 2)) {
                fatal(kErrQueueRead);
                return false;
            }
            transition = (p[1] & 0x8000) != 0;
        }
        if (transition) {
            const uint16_t one = 1;
            write_words(static_cast<uint32_t>(comm_ + ring.interrupt_offset), &one, 1);
            if (vector_) irq_ = true;
        }
    }
    ring.index = (ring.index + 4) & (ring.bytes - 1);
    return true;
}

bool UqsspPort::fetch_command(bool& got, UqPacket& packet) {
    got = false;
    uint32_t desc;
    if (!read_descriptor(cmd_, desc)) return false;
    if (!(desc & kDescOwn)) return true;
    if (!read_words((desc & kDescAddr) - 4, packet.w.data(), UqPacket::kWords)) {
        fatal(kErrPacketRead);
        return false;
    }
    got = true;
    return return_descriptor(cmd_, desc);
}

bool UqsspPort::deliver(const UqPacket& packet, bool& delivered) {
    delivered = false;
    uint32_t desc;
    if (!read_descriptor(rsp_, desc)) return false;
    if (!(desc & kDescOwn)) return true;
    const size_t words = std::min<size_t>((packet.w[mscp::kLength] + 4u + 1) / 2, UqPacket::kWords);
    if (!write_words((desc & kDescAddr) - 4, packet.w.data(), words)) {
        fatal(kErrPacketWrite);
        return false;
    }
    delivered = true;
    return return_descriptor(rsp_, desc);
}

}  // namespace trapeze::devices::microvax
