// The RQDX3 MSCP disk controller (port model 19, controller model 19, class 1) at Q-bus CSR
// 17772150, with up to four RA/RD drives (units 0-3: DUA0..DUA3 at the console, ra0.. in
// 4.3BSD). The UQSSP port (uqssp.h) carries the packets; this class implements the MSCP
// server (MSCP specification; the commands the console's VMB and 4.3BSD's uda driver use):
// SET CONTROLLER CHARACTERISTICS, GET UNIT STATUS (with next-unit search), ONLINE, SET UNIT
// CHARACTERISTICS, AVAILABLE, GET COMMAND STATUS, ABORT, READ, WRITE, ERASE, ACCESS, COMPARE
// HOST DATA, and the no-ops DETERMINE ACCESS PATHS, FLUSH, COMPARE CONTROLLER DATA. Transfers
// complete within one service of the port; the replacement and caching tables (RCT) read as
// zeros past the last user block.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "devices/microvax/media.h"
#include "devices/microvax/uqssp.h"

namespace trapeze::devices::microvax {

struct DiskType {
    const char* name;
    uint32_t sectors, surfaces, cylinders;  // the unit's geometry
    uint32_t tracks_per_group, groups_per_cylinder;
    uint32_t rct_blocks, rct_copies;
    uint32_t user_blocks;  // LBNs
    uint16_t model;        // MSCP unit model
    uint32_t media_id;     // MSCP media type identifier ("RA82" packed)
    bool removable;
};

// The drive types the controller knows ("ra82", "ra81", "ra60", "ra90", "ra92", "rd54",
// "rd53"); null when the name is unknown.
const DiskType* find_disk_type(const std::string& name);

class Rqdx3 : public UqsspServer {
public:
    static constexpr uint64_t kCsr = 017772150;  // Q-bus address
    static constexpr unsigned kUnits = 4;
    explicit Rqdx3(QbusDma& bus);

    // Attach a drive; throws std::runtime_error (one line) when the image does not fit.
    void attach(unsigned unit, std::unique_ptr<DiskImage> image, const DiskType& type);
    UqsspPort& port() { return port_; }

    // UqsspServer
    uint8_t connection_id() const override { return 0; }
    void command(UqsspPort& port, UqPacket& p) override;
    void port_reset() override;

private:
    struct Unit {
        std::unique_ptr<DiskImage> image;
        const DiskType* type = nullptr;
        bool online = false;
        uint16_t flags = 0;  // host-settable unit flags
    };
    Unit* unit(uint16_t n) { return n < kUnits && units_[n].image ? &units_[n] : nullptr; }
    void unit_fields(UqPacket& p, const Unit& u, uint16_t n, bool online_form);
    void transfer(UqPacket& p, Unit* u, uint16_t op);
    uint16_t max_unit() const;

    UqsspPort port_;
    std::array<Unit, kUnits> units_;
    uint16_t controller_flags_ = mscp::kCfReplacement;
};

}  // namespace trapeze::devices::microvax
