#include "devices/microvax/rqdx3.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace trapeze::devices::microvax {

using namespace mscp;

namespace {
// Geometries and identifiers of the DEC drives (MSCP unit models, media IDs as the drives
// report them). RA drives keep one spare sector per track outside the LBN space.
constexpr DiskType kTypes[] = {
    {"ra82", 57, 15, 1435, 15, 1, 3420, 1, 1216665, 11, 0x25641052, false},
    {"ra81", 51, 14, 1258, 14, 1, 2856, 1, 891072, 5, 0x25641051, false},
    {"ra60", 42, 6, 1600, 6, 1, 1008, 1, 400176, 4, 0x22A4103C, true},
    {"ra90", 69, 13, 2656, 13, 1, 1794, 1, 2376153, 19, 0x2564105A, false},
    {"ra92", 73, 13, 3101, 13, 1, 949, 1, 2940951, 29, 0x2564105C, false},
    {"rd54", 17, 15, 1225, 15, 1, 7, 8, 311200, 13, 0x25644036, false},
    {"rd53", 17, 8, 1024, 8, 1, 5, 8, 138672, 9, 0x25644035, false},
};
constexpr uint16_t kControllerModel = 19, kClass = 1, kHardwareVersion = 1, kSoftwareVersion = 3;
constexpr uint32_t kMaxTransfer = 1u << 24;
}  // namespace

const DiskType* find_disk_type(const std::string& name) {
    for (const DiskType& t : kTypes)
        if (name == t.name) return &t;
    return nullptr;
}

Rqdx3::Rqdx3(QbusDma& bus) : port_(bus, *this, kControllerModel, kSoftwareVersion) {}

void Rqdx3::attach(unsigned n, std::unique_ptr<DiskImage> image, const DiskType& type) {
    if (n >= kUnits) throw std::runtime_error("rq" + std::to_string(n) + ": the RQDX3 has units 0-3");
    if (image->file_bytes() > uint64_t{type.user_blocks} * DiskImage::kBlock)
        throw std::runtime_error(image->path() + ": larger than an " + std::string(type.name) + " (" +
                                 std::to_string(type.user_blocks) + " blocks)");
    units_[n].image = std::move(image);
    units_[n].type = &type;
}

void Rqdx3::port_reset() {
    for (Unit& u : units_) {
        u.online = false;
        u.flags = 0;
    }
    controller_flags_ = kCfReplacement;
}

uint16_t Rqdx3::max_unit() const {
    uint16_t m = 0;
    for (uint16_t i = 0; i < kUnits; ++i)
        if (units_[i].image) m = i;
    return m;
}

void Rqdx3::unit_fields(UqPacket& p, const Unit& u, uint16_t n, bool online_form) {
    p.w[kMlun] = n;
    p.w[kUnitFlags] = static_cast<uint16_t>(u.flags | kUfReplacement | (u.type->removable ? 0x0080 : 0));
    p.w[10] = p.w[11] = 0;
    p.w[kUnitIdLow] = n;
    p.w[13] = p.w[14] = 0;
    p.w[kUnitIdHigh] = static_cast<uint16_t>((2 << 8) | u.type->model);  // class 2: disk
    p.put32(kMediaId, u.type->media_id);
    if (online_form) {
        p.put32(kUnitSize, u.type->user_blocks);
        p.w[kVolumeSerial] = static_cast<uint16_t>(01234 + n);
        p.w[kVolumeSerial + 1] = 0;
    }
}

void Rqdx3::command(UqsspPort& port, UqPacket& p) {
    const uint16_t op = p.w[kOpcode] & 0xFF;
    uint16_t n = p.w[kUnit];
    Unit* u = unit(n);
    uint16_t status = kSuccess;
    switch (op) {
    case kSetControllerChar:
        if (p.w[kScVersion] != 0) {
            set_response(p, kEnd, 0, kInvalidCommand | kInvalidVersion, 32, 0);
            port.send(p);
            return;
        }
        controller_flags_ = static_cast<uint16_t>((controller_flags_ & kCfReplacement) | p.w[kScFlags]);
        p.w[kScFlags] = controller_flags_;
        p.w[kScTimeout] = 120;
        p.w[kScCtlVersion] = static_cast<uint16_t>((kHardwareVersion << 8) | kSoftwareVersion);
        p.w[12] = p.w[13] = p.w[14] = 0;
        p.w[kScCtlIdHigh] = static_cast<uint16_t>((kClass << 8) | kControllerModel);
        p.put32(kScMaxByteCount, 0);
        set_response(p, op | kEnd, 0, kSuccess, 32, 0);
        break;
    case kGetUnitStatus:
        if ((p.w[kModifier] & kModNextUnit) && n > max_unit()) {
            n = 0;
            p.w[kUnit] = 0;
            u = unit(0);
        }
        if (u) {
            status = u->online ? kSuccess : kAvailableStatus;
            unit_fields(p, *u, n, false);
            p.w[20] = static_cast<uint16_t>(u->type->sectors);
            p.w[21] = static_cast<uint16_t>(u->type->tracks_per_group);
            p.w[22] = static_cast<uint16_t>(u->type->groups_per_cylinder);
            p.w[23] = 0;
            p.w[24] = static_cast<uint16_t>(u->type->rct_blocks);
            p.w[25] = u->type->rct_blocks ? static_cast<uint16_t>(0x0101) : 0;
        } else {
            status = kOffline;
        }
        p.w[kShadowUnit] = n;
        p.w[kShadowStatus] = 0;
        set_response(p, op | kEnd, 0, status, 48, 0);
        break;
    case kOnline:
    case kSetUnitChar:
        if (u) {
            if (op == kOnline && u->online) status = kSuccess | kSubOnlineAlready;
            u->online = u->online || op == kOnline;
            if (status == kSuccess) {
                u->flags = p.w[kUnitFlags] & 0x0003;  // compare reads/writes
                if ((p.w[kModifier] & kModSetWriteProtect) && (p.w[kUnitFlags] & kUfWriteProtectSw))
                    u->flags |= kUfWriteProtectSw;
            }
            unit_fields(p, *u, n, true);
        } else {
            status = kOffline;
        }
        p.w[kShadowUnit] = n;
        p.w[kShadowStatus] = 0;
        set_response(p, op | kEnd, 0, status, 44, 0);
        break;
    case kAvailable:
        if (u) {
            u->online = false;
            u->flags = 0;
        } else {
            status = kOffline;
        }
        set_response(p, op | kEnd, 0, status, 12, 0);
        break;
    case kGetCommandStatus:  // transfers finish before the next command is read: none active
        p.put32(10, 0);
        set_response(p, op | kEnd, 0, kSuccess, 20, 0);
        break;
    case kAbort:  // likewise nothing is ever outstanding to abort
        set_response(p, op | kEnd, 0, kSuccess, 16, 0);
        break;
    case kDetermineAccessPaths:
    case kFlush:
    case kCompareControllerData:
        set_response(p, op | kEnd, 0, kSuccess, 12, 0);
        break;
    case kAccess:
    case kCompare:
    case kErase:
    case kRead:
    case kWrite:
        transfer(p, u, op);
        break;
    default:
        set_response(p, kEnd, 0, kInvalidCommand | kInvalidOpcode, 12, 0);
        break;
    }
    port.send(p);
}

// Data transfers: byte count (words 8-9), Q-bus buffer address (10-11), LBN (16-17). The end
// message reports the bytes done in the byte-count field.
void Rqdx3::transfer(UqPacket& p, Unit* u, uint16_t op) {
    const uint32_t lbn = p.get32(kLbn), bc = p.get32(kByteCount), ba = p.get32(kBuffer);
    auto finish = [&](uint16_t status, uint32_t done) {
        p.put32(kByteCount, done);
        for (unsigned i = 18; i < 24; ++i) p.w[i] = 0;
        set_response(p, op | kEnd, 0, status, 32, 0);
    };
    if (!u) return finish(kOffline, 0);
    const DiskType& t = *u->type;
    uint16_t status = kSuccess;
    if (!u->online) status = kAvailableStatus;
    else if (ba & 0x80000000) status = kHostBufferAccess | kSubHostNxm;  // mapped transfers: not on a Q-bus KA655
    else if (op != kAccess && op != kErase && (ba & 1)) status = kHostBufferAccess | kSubOddAddress;
    else if (bc & 1) status = kHostBufferAccess | kSubOddCount;
    else if (bc >= kMaxTransfer) status = kInvalidCommand | kInvalidByteCount;
    else if (lbn >= t.user_blocks) {
        if (lbn >= t.user_blocks + t.rct_blocks) status = kInvalidCommand | kInvalidLbn;
        else if (bc != DiskImage::kBlock) status = kInvalidCommand | kInvalidByteCount;
        else if (op == kWrite || op == kErase) status = kInvalidCommand | kInvalidLbn;
    } else if (lbn + (bc + DiskImage::kBlock - 1) / DiskImage::kBlock > t.user_blocks) {
        status = kInvalidCommand | kInvalidByteCount;
    }
    if (status == kSuccess && (op == kWrite || op == kErase) && (u->flags & kUfWriteProtectSw))
        status = kWriteProtected | (128 << 5);
    if (status != kSuccess) return finish(status, 0);

    std::vector<uint8_t> buf((bc + DiskImage::kBlock - 1) / DiskImage::kBlock * DiskImage::kBlock, 0);
    const uint32_t qba = ba & 0x3FFFFF;
    uint32_t done = bc;
    if (op == kRead || op == kCompare || op == kAccess) {
        if (lbn < t.user_blocks && !u->image->read(lbn, buf)) return finish(kSerious, 0);
        if (op == kRead) {
            done = static_cast<uint32_t>(port_.bus().dma_write(qba, std::span<const uint8_t>(buf.data(), bc)));
            if (done < bc) return finish(kHostBufferAccess | kSubHostNxm, done);
        } else if (op == kCompare) {
            std::vector<uint8_t> host(bc);
            done = static_cast<uint32_t>(port_.bus().dma_read(qba, host));
            if (done < bc) return finish(kHostBufferAccess | kSubHostNxm, done);
            auto diff = std::mismatch(host.begin(), host.end(), buf.begin());
            if (diff.first != host.end()) return finish(7 /* compare error */, static_cast<uint32_t>(diff.first - host.begin()));
        }
        return finish(kSuccess, done);
    }
    if (op == kWrite) {
        done = static_cast<uint32_t>(port_.bus().dma_read(qba, std::span<uint8_t>(buf.data(), bc)));
        if (done < bc) return finish(kHostBufferAccess | kSubHostNxm, done);
    }
    if (!u->image->write(lbn, buf)) return finish(kSerious, 0);
    finish(kSuccess, bc);
}

}  // namespace trapeze::devices::microvax
