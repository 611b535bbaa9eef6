// The TQK50 TMSCP tape controller (port model 3, controller model 9, class 1) at Q-bus CSR
// 17774500 with one TK50 (unit 0: MUA0 at the console, tms0 in 4.3BSD), reading SIMH .tap
// images (media.h). TMSCP server: SET CONTROLLER CHARACTERISTICS, GET UNIT STATUS, ONLINE,
// SET UNIT CHARACTERISTICS, AVAILABLE (with unload: rewind), GET COMMAND STATUS, ABORT,
// READ (forward), REPOSITION (rewind, records or objects forward and reverse, tape marks),
// ACCESS, and the no-op FLUSH and DETERMINE ACCESS PATHS. The tape is write-locked:
// WRITE, WRITE TAPE MARK, ERASE and ERASE GAP end with write-protected status.
#pragma once

#include <cstdint>
#include <memory>

#include "devices/microvax/media.h"
#include "devices/microvax/uqssp.h"

namespace trapeze::devices::microvax {

class Tqk50 : public UqsspServer {
public:
    static constexpr uint64_t kCsr = 017774500;  // Q-bus address
    explicit Tqk50(QbusDma& bus);
    void attach(std::unique_ptr<TapeImage> image) { tape_ = std::move(image); }
    UqsspPort& port() { return port_; }

    uint8_t connection_id() const override { return 1; }
    void command(UqsspPort& port, UqPacket& p) override;
    void port_reset() override {
        online_ = false;
        flags_ = 0;
        controller_flags_ = 0;
    }

private:
    void unit_fields(UqPacket& p, bool online_form);
    void read(UqPacket& p);
    void reposition(UqPacket& p);

    UqsspPort port_;
    std::unique_ptr<TapeImage> tape_;
    bool online_ = false;
    uint16_t flags_ = 0, controller_flags_ = 0;
};

}  // namespace trapeze::devices::microvax
