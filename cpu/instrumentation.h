// Instrumentation hooks the analysis layer attaches to a CPU. ISA-neutral: an ISA reports
// instructions by the index of their form in its own instruction table, and system events by
// small ISA-defined codes. A CPU with no observer attached pays one predictable branch per
// block, not per instruction (it switches to its instrumented loop when one is attached).
#pragma once

#include <cstdint>

namespace trapeze::cpu {

struct InsnEvent {
    uint64_t pc;          // ISA program counter (x86: linear address of the instruction)
    uint64_t phys;        // physical address of its first byte
    uint16_t form;        // row of the ISA's instruction table
    uint8_t privilege;    // x86: CPL; VAX: current mode (0 = kernel)
    uint8_t length;
};

struct ExceptionEvent {
    uint64_t pc;          // address of the faulting/interrupted instruction
    uint32_t vector;      // x86 vector; VAX SCB offset
    uint32_t error_code;
    bool has_error_code;
    bool external;        // hardware interrupt rather than exception/software int
};

// x86: CR0..CR4 are 0..4, DR0..DR7 are 16..23; VAX: IPR number + 256.
struct ControlEvent {
    uint64_t pc;
    uint32_t reg;
    uint64_t old_value, new_value;
};

// GDTR/IDTR/LDTR/TR loads (x86) or SCBB/PCBB/page-table base loads (VAX).
struct TableEvent {
    uint64_t pc;
    uint32_t which;
    uint64_t base;
    uint32_t limit;
};

class Instrumentation {
public:
    virtual ~Instrumentation() = default;
    virtual void on_insn(const InsnEvent&) {}
    virtual void on_exception(const ExceptionEvent&) {}
    virtual void on_control_write(const ControlEvent&) {}
    virtual void on_table_load(const TableEvent&) {}
};

}  // namespace trapeze::cpu
