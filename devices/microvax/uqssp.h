// The UQSSP port of DEC's Q-bus mass-storage controllers (RQDX3, TQK50): the two CSR words
// IP and SA, the four-step initialization, and the command and response rings in host memory
// (the "communications area"), reached by DMA through the Q-bus. The class-specific server
// (MSCP for disks, TMSCP for tapes) sees only whole packets.
//
// Registers (Q-bus I/O page, CSR base + 0 and + 2):
//   IP  write: reinitialize the port (step 1); read: when the port is up, start polling the
//       command ring (reads as zero).
//   SA  read: the step bit and data of the current step, or <15> + an error code (fatal);
//       write: the host's data for the step; 0 when the port is up.
// Steps: 1 host writes <15> valid, <14> wrap, <13:11> log2 command ring entries, <10:8> log2
// response ring entries, <7> interrupt enable, <6:0> vector / 4; 2 the port echoes <15:8> of
// step 1 and the host writes the low communications-area address (<0> purge interrupts);
// 3 the port echoes <7:0> of step 1 and the host writes the high address (<15> purge/poll
// test); 4 the port shows its port model and microcode version and the host writes <0> GO.
// During steps 1-3 the port interrupts after each step when <7> was set.
//
// Rings: response ring at the communications address, command ring after it, one longword
// descriptor per entry: <31> OWN (port owns it), <30> F (interrupt on the transition), <21:1>
// the Q-bus address of the packet's text. A packet is a 4-byte header (length in bytes of the
// text, then <3:0> credits, <7:4> message type, <15:8> connection ID) followed by the text; the
// descriptor points at the text. Returning a descriptor clears OWN and sets F; when F was set
// and the ring went from empty to non-empty (the previous entry is owned by the port, or the
// ring has one entry) the port writes 1 to the ring's interrupt word (communications address
// -2 responses, -4 commands) and interrupts.
//
// Timing: port work (steps 1-3, polling, transfers) happens in service(), which the board
// calls from guest time, so a host sees the same ordering as on the hardware (register write,
// then some time later a new SA value or an interrupt). Step 4's GO takes effect at once: the
// console's boot code writes GO and reads IP to poll in the next instructions.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "cpu/physical_memory.h"
#include "devices/microvax/qbus.h"

namespace trapeze::devices::microvax {

// One message: word 0 is the header's length, word 1 its credits/type/connection word, words
// 2.. the text (MSCP field numbering counts from the header, as the MSCP specification's
// word offsets + 2).
struct UqPacket {
    static constexpr unsigned kWords = 32;  // 4-byte header + 60 bytes of text
    std::array<uint16_t, kWords> w{};
    uint32_t get32(unsigned i) const { return w[i] | (uint32_t{w[i + 1]} << 16); }
    void put32(unsigned i, uint32_t v) {
        w[i] = static_cast<uint16_t>(v);
        w[i + 1] = static_cast<uint16_t>(v >> 16);
    }
};

class UqsspServer;

class UqsspPort : public cpu::MmioDevice, public QbusInterrupter {
public:
    static constexpr uint16_t kSaError = 0x8000, kStep4 = 0x4000, kStep3 = 0x2000, kStep2 = 0x1000,
                              kStep1 = 0x0800;
    static constexpr uint16_t kStep1Q22 = 0x0200, kStep1Diag = 0x0100, kStep1Mapping = 0x0040;
    static constexpr uint32_t kDescOwn = 0x80000000, kDescFlag = 0x40000000, kDescAddr = 0x003FFFFE;
    enum class State : uint8_t { step1, wrap, step2, step3, step3_purge_a, step3_purge_b, step4, up, dead };
    // Fatal port error codes (SA<10:0> with SA<15>).
    static constexpr uint16_t kErrPacketRead = 1, kErrPacketWrite = 2, kErrQueueRead = 6, kErrQueueWrite = 7,
                              kErrConnection = 14, kErrProtocol = 20, kErrPurgePoll = 21, kErrNoResources = 478;

    UqsspPort(QbusDma& bus, UqsspServer& server, uint16_t port_model, uint16_t microcode_version);

    // IP at offset 0, SA at offset 2 (word and byte accesses; a longword reaches both).
    uint32_t mmio_read(uint64_t offset, unsigned size) override;
    void mmio_write(uint64_t offset, unsigned size, uint32_t value) override;

    // QbusInterrupter
    bool interrupt_pending() const override { return irq_; }
    uint32_t acknowledge() override {
        irq_ = false;
        return vector_;
    }
    void bus_reset() override { reinitialize(); }

    // Guest time passed: run whatever the port has to do.
    void service();

    // For the server: queue a response (sent when a response ring entry is free). Sequential
    // end messages carry credits.
    void send(UqPacket packet);
    QbusDma& bus() { return bus_; }

    State state() const { return state_; }

private:
    struct Ring {
        uint32_t base = 0, bytes = 0, index = 0;
        int interrupt_offset = 0;
    };
    void reinitialize();
    void step_interrupt() {
        if ((step1_ & 0x80) && (step1_ & 0x7F)) irq_ = true;
    }
    void enter_step4();
    void fatal(uint16_t code);
    bool read_descriptor(const Ring& ring, uint32_t& desc);
    bool return_descriptor(Ring& ring, uint32_t desc);
    bool fetch_command(bool& got, UqPacket& packet);
    bool deliver(const UqPacket& packet, bool& delivered);
    bool write_words(uint32_t addr, const uint16_t* words, size_t count);
    bool read_words(uint32_t addr, uint16_t* words, size_t count);

    QbusDma& bus_;
    UqsspServer& server_;
    uint16_t port_model_, version_;
    State state_ = State::step1;
    uint16_t sa_ = 0, sa_written_ = 0, step1_ = 0;
    bool pending_write_ = false;
    bool polling_ = false;
    bool purge_interrupts_ = false;
    uint32_t comm_ = 0, vector_ = 0;
    bool irq_ = false;
    Ring cmd_, rsp_;
    unsigned credits_ = 0;
    std::deque<UqPacket> responses_;
};

// The class-specific protocol behind the port.
class UqsspServer {
public:
    virtual ~UqsspServer() = default;
    // Connection ID this server answers (0 MSCP, 1 TMSCP).
    virtual uint8_t connection_id() const = 0;
    // A command arrived; answer with port.send().
    virtual void command(UqsspPort& port, UqPacket& packet) = 0;
    // The port was reinitialized: units become available (not online), settings cleared.
    virtual void port_reset() = 0;
};

// MSCP/TMSCP constants shared by the disk and tape servers (MSCP and TMSCP specifications;
// field positions in UqPacket words).
namespace mscp {
enum Opcode : uint16_t {
    kAbort = 1, kGetCommandStatus = 2, kGetUnitStatus = 3, kSetControllerChar = 4, kAvailable = 8,
    kOnline = 9, kSetUnitChar = 10, kDetermineAccessPaths = 11, kAccess = 16, kCompareControllerData = 17,
    kErase = 18, kFlush = 19, kEraseGap = 22, kCompare = 32, kRead = 33, kWrite = 34, kWriteTapeMark = 36,
    kReposition = 37, kEnd = 0x80,
};
enum Status : uint16_t {
    kSuccess = 0, kInvalidCommand = 1, kAborted = 2, kOffline = 3, kAvailableStatus = 4, kWriteProtected = 6,
    kHostBufferAccess = 9, kBot = 13, kTapeMark = 14, kRecordTruncated = 16, kSerious = 18,
};
constexpr uint16_t kSubOnlineAlready = 8 << 5, kSubNoVolume = 1 << 5, kSubWriteProtectHw = 256 << 5,
                   kSubHostNxm = 3 << 5, kSubOddAddress = 1 << 5, kSubOddCount = 2 << 5;
constexpr uint16_t kInvalidOpcode = 8 << 8, kInvalidByteCount = 12 << 8, kInvalidLbn = 28 << 8,
                   kInvalidVersion = 12 << 8;
// Word positions.
constexpr unsigned kLength = 0, kCtc = 1, kRefLow = 2, kUnit = 4, kOpcode = 6, kModifier = 7, kStatus = 7;
constexpr unsigned kByteCount = 8, kBuffer = 10, kLbn = 16, kPosition = 16, kRecordSize = 18;
constexpr unsigned kMlun = 8, kUnitFlags = 9, kUnitIdLow = 12, kUnitIdHigh = 15, kMediaId = 16;
constexpr unsigned kShadowUnit = 18, kShadowStatus = 19;
constexpr unsigned kUnitSize = 20, kVolumeSerial = 22;
constexpr unsigned kScVersion = 8, kScFlags = 9, kScTimeout = 10, kScCtlVersion = 11, kScCtlIdHigh = 15,
                   kScMaxByteCount = 16;
constexpr uint16_t kModNextUnit = 0x0001, kModSetWriteProtect = 0x0004, kModRewind = 0x0002,
                   kModObjectCount = 0x0004, kModReverse = 0x0008, kModUnload = 0x0010;
constexpr uint16_t kUfReplacement = 0x8000, kUfWriteProtectHw = 0x2000, kUfWriteProtectSw = 0x1000;
constexpr uint16_t kCfReplacement = 0x8000;
constexpr uint16_t kTypeSequential = 0, kTypeDatagram = 1;
// Fill the response header: opcode | end flag, end flags, status, text length.
void set_response(UqPacket& p, uint16_t opcode, uint16_t flags, uint16_t status, uint16_t length, uint8_t cid,
                  uint16_t type = kTypeSequential);
}  // namespace mscp

}  // namespace trapeze::devices::microvax
