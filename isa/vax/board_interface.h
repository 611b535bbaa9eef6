// What the VAX CPU needs from the board it sits on. The CPU (isa/vax) knows no device: the
// board (machines/microvax3900) implements this interface and forwards to the device models.
//
// - Memory: the CPU reads and writes physical memory through cpu::PhysicalMemory; I/O space
//   (Q-bus, SSC, CMCTL registers) is MMIO regions registered there by the board. A read of
//   non-existent memory sets PhysicalMemory::last_access_unassigned(); the CPU turns that
//   into a machine check as the KA655 does.
// - Internal processor registers: MTPR/MFPR of the IPRs the CPU itself implements (KSP..ISP,
//   P0BR.., SCBB, PCBB, IPL, ASTLVL, SIRR/SISR, MAPEN, TBIA/TBIS, TBCHK, SID) are handled
//   in the CPU; every other IPR number goes to the board (console RXCS/RXDB/TXCS/TXDB, ICCS, TODR,
//   SAVISP/SAVPC/SAVPSL for the console halt protocol, CADR/MSER/CONPC/CONPSL, IORESET, ...).
// - Interrupts: device interrupt requests are levels 0x14-0x17 (BR4-BR7) plus the interval
//   timer (0x16) and the console (0x14); the board reports the highest pending request and
//   supplies the SCB vector offset when the CPU acknowledges it.
// - Halts: a HALT instruction in kernel mode, a console halt, or a double error goes to the
//   board, which implements the KA655 console halt protocol (restart through the ROM at
//   0x20040000 with SAVPC/SAVPSL set), or ends the run.
#pragma once

#include <cstdint>

namespace trapeze::vax {

enum class HaltReason : uint8_t {
    kHaltInstruction,     // HALT in kernel mode (halt code 6 on the KA655)
    kExternalHalt,        // console break / halt line
    kInterruptStackInvalid,
    kDoubleMachineCheck,
    kKernelStackNotValid,
    kPowerUp,
    kBadScbVector,        // an SCB vector with <1:0> = 2 or 3 (halt on the KA655)
    kChmOnInterruptStack, // CHMx executed on the interrupt stack
};

class VaxBoard {
public:
    virtual ~VaxBoard() = default;
    // Board IPRs. Return false for an IPR the board does not implement (the CPU then raises
    // a reserved operand fault, as the KA655 does for non-existent IPRs).
    virtual bool read_ipr(unsigned ipr, uint32_t& value) = 0;
    virtual bool write_ipr(unsigned ipr, uint32_t value) = 0;
    // Highest device interrupt request level pending (0 = none), and its SCB vector offset
    // once the CPU takes it (the acknowledge clears edge-triggered requests).
    virtual unsigned pending_interrupt_level() = 0;
    virtual uint32_t acknowledge_interrupt(unsigned level) = 0;
    // The CPU halted. The board decides: restart the console ROM (returns true: the CPU state
    // has been set up to continue), or stop the run (returns false).
    virtual bool halt(HaltReason why, uint32_t pc, uint32_t psl) = 0;
    // Guest time: called by the CPU's run loop every `quantum` instructions.
    virtual void advance(uint64_t instructions) = 0;
};

}  // namespace trapeze::vax
