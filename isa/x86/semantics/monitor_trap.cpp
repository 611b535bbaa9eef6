// The handler that the --virt=bt rewriting pass (binary_translate/rewrite_sensitive.cpp)
// puts in place of a sensitive-unprivileged instruction's own: a trap into the monitor
// before anything of the instruction happens. It lives with the semantics so that the JIT's
// bitcode has it too: rewritten blocks are compiled like any others (DESIGN.md §2, step 3).
#include "isa/x86/cpu.h"

namespace trapeze::x86 {

void handler_monitor_trap(X86Cpu&, const DecodedInsn&) { throw MonitorTrap{}; }

}  // namespace trapeze::x86
