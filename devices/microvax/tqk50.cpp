#include "devices/microvax/tqk50.h"

#include <algorithm>
#include <vector>

namespace trapeze::devices::microvax {

using namespace mscp;

namespace {
constexpr uint16_t kPortModel = 3, kControllerModel = 9, kClass = 1, kUnitModel = 3;
constexpr uint32_t kMediaTk50 = 0x6D68B032;
constexpr uint16_t kFormatTk50 = 0x0201;  // cartridge tape, low density
}  // namespace

Tqk50::Tqk50(QbusDma& bus) : port_(bus, *this, kPortModel, 5) {}

void Tqk50::unit_fields(UqPacket& p, bool online_form) {
    p.w[kMlun] = 0;
    p.w[kUnitFlags] = static_cast<uint16_t>(flags_ | kUfWriteProtectHw);
    p.w[10] = p.w[11] = 0;
    p.w[kUnitIdLow] = 0;
    p.w[13] = p.w[14] = 0;
    p.w[kUnitIdHigh] = static_cast<uint16_t>((3 << 8) | kUnitModel);  // class 3: tape
    p.put32(kMediaId, kMediaTk50);
    if (online_form) {
        p.w[18] = kFormatTk50;  // format
        p.w[19] = 0;            // speed
        p.put32(20, 1u << 16);  // maximum record size
        p.w[22] = p.w[23] = 0;
    }
}

void Tqk50::command(UqsspPort& port, UqPacket& p) {
    const uint16_t op = p.w[kOpcode] & 0xFF;
    const bool present = p.w[kUnit] == 0 && tape_;
    uint16_t status = kSuccess;
    auto end = [&](uint16_t length) { set_response(p, op | kEnd, 0, status, length, 1); };
    switch (op) {
    case kSetControllerChar:
        if (p.w[kScVersion] != 0) {
            set_response(p, kEnd, 0, kInvalidCommand | kInvalidVersion, 32, 1);
            break;
        }
        controller_flags_ = p.w[kScFlags];
        p.w[kScTimeout] = 120;
        p.w[kScCtlVersion] = static_cast<uint16_t>((1 << 8) | 5);
        p.w[12] = p.w[13] = p.w[14] = 0;
        p.w[kScCtlIdHigh] = static_cast<uint16_t>((kClass << 8) | kControllerModel);
        p.put32(kScMaxByteCount, 0);
        end(32);
        break;
    case kGetUnitStatus:
        if ((p.w[kModifier] & kModNextUnit) && p.w[kUnit] > 0) p.w[kUnit] = 0;
        if (p.w[kUnit] == 0 && tape_) {
            status = online_ ? kSuccess : kAvailableStatus;
            unit_fields(p, false);
            p.w[18] = kFormatTk50;
            p.w[19] = 0;
            p.w[20] = kFormatTk50;  // format menu
            p.w[21] = p.w[22] = p.w[23] = 0;
        } else {
            status = static_cast<uint16_t>(p.w[kUnit] == 0 ? kOffline | kSubNoVolume : uint16_t{kOffline});
        }
        end(44);
        break;
    case kOnline:
    case kSetUnitChar:
        if (present) {
            if (op == kOnline && online_) status = kSuccess | kSubOnlineAlready;
            online_ = online_ || op == kOnline;
            unit_fields(p, true);
        } else {
            status = kOffline;
        }
        end(44);
        break;
    case kAvailable:
        if (present) {
            if (p.w[kModifier] & kModUnload) tape_->rewind();
            online_ = false;
        } else {
            status = kOffline;
        }
        end(12);
        break;
    case kGetCommandStatus:
        p.put32(10, 0);
        end(20);
        break;
    case kAbort:
        end(16);
        break;
    case kDetermineAccessPaths:
    case kFlush:
        if (op == kFlush && present) p.put32(16, tape_->position());
        end(op == kFlush ? 32 : 12);
        break;
    case kRead:
    case kAccess:
        read(p);
        break;
    case kReposition:
        reposition(p);
        break;
    case kWrite:
    case kWriteTapeMark:
    case kErase:
    case kEraseGap:
        status = !present ? uint16_t{kOffline}
                 : online_ ? static_cast<uint16_t>(kWriteProtected | kSubWriteProtectHw)
                           : uint16_t{kAvailableStatus};
        p.put32(kByteCount, 0);
        if (present) p.put32(kPosition, tape_->position());
        end(op == kWrite ? 36 : 32);
        break;
    default:
        set_response(p, kEnd, 0, kInvalidCommand | kInvalidOpcode, 12, 1);
        break;
    }
    port.send(p);
}

// READ: the next record forward into the host buffer (words 8-9 byte count, 10-11 address).
// The end message gives the bytes moved, the position (16-17) and the record's size (18-19).
void Tqk50::read(UqPacket& p) {
    const uint16_t op = p.w[kOpcode] & 0xFF;
    const uint32_t bc = p.get32(kByteCount), ba = p.get32(kBuffer) & 0x3FFFFF;
    uint16_t status = kSuccess;
    uint32_t done = 0, size = 0;
    if (p.w[kUnit] != 0 || !tape_) status = kOffline;
    else if (!online_) status = kAvailableStatus;
    else if (p.w[kModifier] & kModReverse) status = kInvalidCommand | (10 << 8);  // reverse reads: no
    else {
        std::vector<uint8_t> data;
        switch (tape_->read_forward(data)) {
        case TapeImage::Result::record: {
            size = static_cast<uint32_t>(data.size());
            const uint32_t n = std::min(bc, size);
            if (op == kRead) {
                done = static_cast<uint32_t>(port_.bus().dma_write(ba, std::span<const uint8_t>(data.data(), n)));
                if (done < n) status = kHostBufferAccess | kSubHostNxm;
            } else {
                done = n;
            }
            if (status == kSuccess && size > bc) status = kRecordTruncated;
            break;
        }
        case TapeImage::Result::tape_mark: status = kTapeMark; break;
        default: status = kSerious; break;  // end of the recorded medium
        }
    }
    p.put32(kByteCount, done);
    p.put32(kPosition, tape_ ? tape_->position() : 0);
    p.put32(kRecordSize, size);
    set_response(p, op | kEnd, 0, status, 36, 1);
}

// REPOSITION: optional rewind, then (object count) skip that many objects, or skip tape marks
// (words 10-11) and then records (words 8-9), forward or with the reverse modifier backward.
// The end message gives the records and tape marks skipped and the new position.
void Tqk50::reposition(UqPacket& p) {
    const uint16_t mod = p.w[kModifier];
    uint16_t status = kSuccess;
    uint32_t records = 0, marks = 0;
    if (p.w[kUnit] != 0 || !tape_) status = kOffline;
    else if (!online_) status = kAvailableStatus;
    else {
        if (mod & kModRewind) tape_->rewind();
        const bool reverse = (mod & kModReverse) != 0;
        auto skip = [&]() { return reverse ? tape_->skip_reverse() : tape_->skip_forward(); };
        const uint32_t want_records = p.get32(8), want_marks = p.get32(10);
        if (mod & kModObjectCount) {
            while (records < want_records && status == kSuccess) {
                TapeImage::Result r = skip();
                if (r == TapeImage::Result::record || r == TapeImage::Result::tape_mark) ++records;
                else status = r == TapeImage::Result::bot ? kBot : kSerious;
            }
        } else {
            while (marks < want_marks && status == kSuccess) {
                TapeImage::Result r = skip();
                if (r == TapeImage::Result::tape_mark) ++marks;
                else if (r != TapeImage::Result::record) status = r == TapeImage::Result::bot ? kBot : kSerious;
            }
            while (records < want_records && status == kSuccess) {
                TapeImage::Result r = skip();
                if (r == TapeImage::Result::record) ++records;
                else if (r == TapeImage::Result::tape_mark) status = kTapeMark;
                else status = r == TapeImage::Result::bot ? kBot : kSerious;
            }
        }
    }
    p.put32(8, records);
    p.put32(10, marks);
    p.w[12] = p.w[13] = p.w[14] = p.w[15] = 0;
    p.put32(kPosition, tape_ ? tape_->position() : 0);
    set_response(p, (p.w[kOpcode] & 0xFF) | kEnd, 0, status, 32, 1);
}

}  // namespace trapeze::devices::microvax
