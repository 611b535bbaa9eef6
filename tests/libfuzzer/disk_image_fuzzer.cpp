// libFuzzer target: raw disk images (`-drive rqN=FILE[,type=T][,snapshot=off]`:
// devices/microvax/media.cpp's DiskImage) behind the RQDX3 MSCP server
// (devices/microvax/rqdx3.cpp) and its UQSSP port.
//
// Input: the drive type (1 byte, one of the seven the controller knows), the unit and the
// mode (1 byte: <1:0> unit, <7> writable as with snapshot=off, else the copy-on-write
// overlay), 8 commands of 16 bytes (uqssp_host.h: READ, WRITE, ERASE, COMPARE, ACCESS,
// ONLINE, AVAILABLE, GET UNIT STATUS with next-unit, ... with random LBNs, including the RCT
// area past the user blocks, random byte counts and buffers), then the image: any length,
// odd and short ones included (blocks past the end read as zeros).
//
// Every command must come back with an end message and the port must stay up. A model of
// the drive checks the data: a successful READ must give the image's bytes (zeros past its
// end and in the RCT area) with every earlier successful WRITE and ERASE applied (whole
// blocks: the rest of a partly written block is zeros, as MSCP specifies).
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "devices/microvax/media.h"
#include "devices/microvax/rqdx3.h"
#include "tests/libfuzzer/uqssp_host.h"
#include "tests/libfuzzer/fuzz_input_file.h"

using namespace trapeze;
using namespace trapeze::devices::microvax;

namespace {
constexpr size_t kCommands = 8;
constexpr size_t kHeader = 2 + kCommands * fuzz::kCommandBytes;
constexpr uint32_t kBlock = DiskImage::kBlock;
constexpr std::array<const char*, 7> kTypes = {"ra82", "ra81", "ra60", "ra90", "ra92", "rd54", "rd53"};
constexpr std::array<uint16_t, 16> kDiskOpcodes = {
    mscp::kRead,    mscp::kWrite,        mscp::kRead,          mscp::kWrite,
    mscp::kErase,   mscp::kCompare,      mscp::kAccess,        mscp::kOnline,
    mscp::kAvailable, mscp::kGetUnitStatus, mscp::kSetUnitChar, mscp::kSetControllerChar,
    mscp::kFlush,   mscp::kGetCommandStatus, mscp::kDetermineAccessPaths, mscp::kAbort,
};


// What the drive must hold: the image, with the blocks written since over it.
struct DriveModel {
    std::span<const uint8_t> image;
    std::map<uint64_t, std::array<uint8_t, kBlock>> written;

    uint8_t byte(uint64_t at) const {
        if (auto it = written.find(at / kBlock); it != written.end()) return it->second[at % kBlock];
        return at < image.size() ? image[at] : 0;
    }
    // A successful WRITE (from `source`) or ERASE (source empty) of `count` bytes at `lbn`.
    void write(uint64_t lbn, uint32_t count, const uint8_t* source) {
        for (uint32_t done = 0; done < count; done += kBlock) {
            std::array<uint8_t, kBlock> block{};
            if (source) std::copy_n(source + done, std::min(kBlock, count - done), block.begin());
            written[lbn + done / kBlock] = block;
        }
    }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kHeader) return 0;
    const std::string& path = fuzz::input_file_path("trapeze-disk-fuzz-");
    fuzz::write_input_file(path, data + kHeader, size - kHeader);

    const DiskType& type = *find_disk_type(kTypes[data[0] % kTypes.size()]);
    const uint16_t unit = data[1] & 3;
    const bool writable = (data[1] & 0x80) != 0;
    fuzz::FakeQbus bus;
    Rqdx3 rqdx3(bus);
    try {
        rqdx3.attach(unit, std::make_unique<DiskImage>(path, writable), type);
    } catch (const std::runtime_error& e) {
        if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
        return 0;
    }
    DriveModel model{std::span<const uint8_t>(data + kHeader, size - kHeader), {}};

    if (!fuzz::UqsspHost::bring_up(rqdx3.port())) __builtin_trap();
    UqPacket online, response;
    online.w[mscp::kOpcode] = mscp::kOnline;
    online.w[mscp::kUnit] = unit;
    if (!fuzz::UqsspHost::exchange(rqdx3.port(), bus, 0, online, response)) __builtin_trap();
    bool modelled = true;  // the model still knows what the drive holds
    for (size_t i = 0; i < kCommands; ++i) {
        const UqPacket command = fuzz::decode_command(data + 2 + i * fuzz::kCommandBytes, kDiskOpcodes);
        const bool answered = fuzz::UqsspHost::exchange(rqdx3.port(), bus, 0, command, response);
        if (fuzz::may_overwrite_host(command)) {
            // The transfer may have gone over the host's rings and packets (READ), or come from
            // them (WRITE): the end message cannot be trusted and the data not followed. Start
            // the port over, as a host would, and stop checking the data.
            modelled = false;
            if (!fuzz::UqsspHost::bring_up(rqdx3.port())) __builtin_trap();
            if (!fuzz::UqsspHost::exchange(rqdx3.port(), bus, 0, online, response)) __builtin_trap();
            continue;
        }
        if (!answered) __builtin_trap();  // every command has an end message
        const uint16_t op = command.w[mscp::kOpcode] & 0xFF;
        if ((response.w[mscp::kStatus] & 0x1F) != mscp::kSuccess) continue;
        if (op != mscp::kRead && op != mscp::kWrite && op != mscp::kErase) continue;
        const uint64_t lbn = command.get32(mscp::kLbn);
        const uint32_t count = command.get32(mscp::kByteCount), qba = command.get32(mscp::kBuffer) & 0x3FFFFF;
        if (response.get32(mscp::kByteCount) != count) __builtin_trap();  // success moves every byte
        if (!modelled) continue;
        if (op == mscp::kWrite) {
            model.write(lbn, count, bus.mem.data() + qba);
        } else if (op == mscp::kErase) {
            model.write(lbn, count, nullptr);
        } else {
            for (uint32_t j = 0; j < count; ++j)
                if (bus.mem[qba + j] != (lbn < type.user_blocks ? model.byte(lbn * kBlock + j) : 0)) __builtin_trap();
        }
    }
    return 0;
}
