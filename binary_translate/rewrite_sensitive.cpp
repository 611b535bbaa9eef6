#include "binary_translate/rewrite_sensitive.h"

#include "isa/x86/instruction_table.h"
#include "isa/x86/monitor.h"

namespace trapeze::bt {

void SensitiveRewriter::rewrite(x86::Block& b) {
    const auto table = x86::forms();
    uint64_t phys = b.phys_start;
    for (x86::DecodedInsn& in : b.insns) {
        const uint64_t at = phys;
        phys += in.len;
        if (in.form >= table.size() || table[in.form].pg_class != x86::PgClass::kSensitive) continue;
        in.fn = x86::handler_monitor_trap;
        // Counted once per code address: blocks that overlap (a block entered after a trap
        // starts mid-way through another) rewrite the same instruction again.
        if (seen_.insert(at).second) stats_.count_rewritten(in.form);
    }
}

}  // namespace trapeze::bt
