// libFuzzer target: SIMH .tap images (`-drive tq0=FILE.tap`: devices/microvax/media.cpp's
// TapeImage) behind the TQK50 TMSCP server (devices/microvax/tqk50.cpp) and its UQSSP port.
//
// Input: 8 commands of 16 bytes (uqssp_host.h: READ, REPOSITION forward and reverse, by
// records, tape marks or objects, with rewind, ACCESS, AVAILABLE with unload, the write
// commands of a write-locked drive, ... with random counts and buffers), then the tape file:
// records with bad, huge, odd or mismatched length words, truncated markers, tape marks, the
// end-of-medium marker and bytes after it.
//
// The image is opened as the board opens it (the constructor checks the record structure to
// the end of the medium; a refusal must be a one-line std::runtime_error). An accepted image
// gets ONLINE and the 8 commands through the port's rings; every command must come back with
// an end message and the port must stay up. Then the medium is walked directly: forward to
// the end of the medium, back to the beginning, and forward again by skipping; the three walks
// must agree object by object with each other and never meet a format error (the constructor
// accepted the structure they walk).
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "devices/microvax/media.h"
#include "devices/microvax/tqk50.h"
#include "tests/libfuzzer/uqssp_host.h"
#include "tests/libfuzzer/fuzz_input_file.h"

using namespace trapeze;
using namespace trapeze::devices::microvax;

namespace {
constexpr size_t kCommands = 8;
constexpr size_t kHeader = kCommands * fuzz::kCommandBytes;
constexpr std::array<uint16_t, 16> kTapeOpcodes = {
    mscp::kRead,          mscp::kReposition,    mscp::kRead,      mscp::kReposition,
    mscp::kAccess,        mscp::kOnline,        mscp::kAvailable, mscp::kGetUnitStatus,
    mscp::kSetUnitChar,   mscp::kSetControllerChar, mscp::kFlush, mscp::kGetCommandStatus,
    mscp::kWrite,         mscp::kWriteTapeMark, mscp::kErase,     mscp::kAbort,
};


// The three walks over an accepted medium must see the same objects.
void check_walks(TapeImage& tape) {
    tape.rewind();
    std::vector<TapeImage::Result> objects;
    std::vector<uint8_t> data;
    for (;;) {
        const TapeImage::Result r = tape.read_forward(data);
        if (r == TapeImage::Result::end_of_medium) break;
        if (r != TapeImage::Result::record && r != TapeImage::Result::tape_mark) __builtin_trap();
        if (r == TapeImage::Result::tape_mark && !data.empty()) __builtin_trap();
        objects.push_back(r);
        if (tape.position() != objects.size()) __builtin_trap();
    }
    for (size_t i = objects.size(); i-- > 0;) {
        if (tape.skip_reverse() != objects[i]) __builtin_trap();
        if (tape.position() != i) __builtin_trap();
    }
    if (tape.skip_reverse() != TapeImage::Result::bot || !tape.at_bot()) __builtin_trap();
    for (size_t i = 0; i < objects.size(); ++i)
        if (tape.skip_forward() != objects[i]) __builtin_trap();
    if (tape.skip_forward() != TapeImage::Result::end_of_medium) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kHeader) return 0;
    const std::string& path = fuzz::input_file_path("trapeze-tape-fuzz-");
    fuzz::write_input_file(path, data + kHeader, size - kHeader);

    std::unique_ptr<TapeImage> image;
    try {
        image = std::make_unique<TapeImage>(path);
    } catch (const std::runtime_error& e) {
        if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
        return 0;
    }
    TapeImage& tape = *image;

    fuzz::FakeQbus bus;
    Tqk50 tqk50(bus);
    tqk50.attach(std::move(image));
    if (!fuzz::UqsspHost::bring_up(tqk50.port())) __builtin_trap();
    UqPacket online, response;
    online.w[mscp::kOpcode] = mscp::kOnline;
    if (!fuzz::UqsspHost::exchange(tqk50.port(), bus, 1, online, response)) __builtin_trap();
    for (size_t i = 0; i < kCommands; ++i) {
        const UqPacket command = fuzz::decode_command(data + i * fuzz::kCommandBytes, kTapeOpcodes);
        const bool answered = fuzz::UqsspHost::exchange(tqk50.port(), bus, 1, command, response);
        if (fuzz::may_overwrite_host(command)) {
            // A READ over the host's own rings and packets: the end message cannot be trusted.
            // Start the port over, as a host would.
            if (!fuzz::UqsspHost::bring_up(tqk50.port())) __builtin_trap();
            if (!fuzz::UqsspHost::exchange(tqk50.port(), bus, 1, online, response)) __builtin_trap();
            continue;
        }
        if (!answered) __builtin_trap();  // every command has an end message
        const uint16_t op = command.w[mscp::kOpcode] & 0xFF;
        const uint16_t status = response.w[mscp::kStatus] & 0x1F;
        if (op == mscp::kRead && (status == mscp::kSuccess || status == mscp::kRecordTruncated)) {
            // Never more than asked for, nor more than the record holds.
            const uint32_t done = response.get32(mscp::kByteCount), record = response.get32(mscp::kRecordSize);
            if (done > command.get32(mscp::kByteCount) || done > record) __builtin_trap();
        }
    }
    check_walks(tape);
    return 0;
}
