// The handler table: one entry per opcodes.inc row, gathered from the family lists. Rows with
// no semantics (none on the KA655 once complete; emulated and reserved rows never reach the
// table) stop the run with a host-side error naming the instruction.
#include <fmt/format.h>

#include <stdexcept>

#include "isa/vax/disassembler.h"
#include "isa/vax/semantics/semantics.h"

namespace trapeze::vax {

namespace {

void unimplemented(VaxCpu&, Insn& in) {
    throw std::runtime_error(fmt::format("unimplemented VAX instruction {} at PC 0x{:08X}",
                                         in.d->info->mnemonic, in.pc));
}

std::array<Handler, kOpcodeCount> build() {
    std::array<Handler, kOpcodeCount> t;
    t.fill(&unimplemented);
    for (auto rows : {sem::integer_rows(), sem::control_rows(), sem::call_rows(), sem::system_rows(),
                      sem::queue_rows(), sem::field_rows(), sem::string_rows(), sem::float_rows()}) {
        for (const sem::Row& row : rows) t[static_cast<size_t>(row.id)] = row.handler;
    }
    return t;
}

}  // namespace

const std::array<Handler, kOpcodeCount>& VaxCpu::handlers() {
    static const std::array<Handler, kOpcodeCount> table = build();
    return table;
}

}  // namespace trapeze::vax
