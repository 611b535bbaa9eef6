// The VAX processor status longword (VAX ARM, chapter "Processor Status Longword") and the
// other fixed numbers of the architecture the CPU uses: access modes, SCB vector offsets,
// arithmetic exception codes and internal processor register numbers.
#pragma once

#include <cstdint>

namespace trapeze::vax {

// PSL bits. PSW = PSL<15:0>.
namespace psl {
inline constexpr uint32_t C = 1u << 0;
inline constexpr uint32_t V = 1u << 1;
inline constexpr uint32_t Z = 1u << 2;
inline constexpr uint32_t N = 1u << 3;
inline constexpr uint32_t T = 1u << 4;    // trace enable
inline constexpr uint32_t IV = 1u << 5;   // integer overflow trap enable
inline constexpr uint32_t FU = 1u << 6;   // floating underflow fault enable
inline constexpr uint32_t DV = 1u << 7;   // decimal overflow trap enable
inline constexpr uint32_t CC = N | Z | V | C;
inline constexpr uint32_t kIplShift = 16;
inline constexpr uint32_t IPL = 0x1Fu << kIplShift;
inline constexpr uint32_t kPrvShift = 22;
inline constexpr uint32_t PRV = 3u << kPrvShift;
inline constexpr uint32_t kCurShift = 24;
inline constexpr uint32_t CUR = 3u << kCurShift;
inline constexpr uint32_t IS = 1u << 26;   // on the interrupt stack
inline constexpr uint32_t FPD = 1u << 27;  // first part done
inline constexpr uint32_t TP = 1u << 30;   // trace pending
inline constexpr uint32_t CM = 1u << 31;   // compatibility mode (not on the CVAX)
// Must-be-zero bits of a PSL loaded by REI: <29:28>, <21>, <15:8>.
inline constexpr uint32_t MBZ = (3u << 28) | (1u << 21) | 0xFF00u;
// The PSW bits BISPSW/BICPSW may touch: <7:0>; <15:8> must be zero.
inline constexpr uint32_t PSW_MBZ = 0xFF00u;
}  // namespace psl

enum Mode : unsigned { kKernel = 0, kExecutive = 1, kSupervisor = 2, kUser = 3 };

// System control block vector offsets (VAX ARM, chapter "Exceptions and Interrupts").
namespace scb {
inline constexpr uint16_t kMachineCheck = 0x04;
inline constexpr uint16_t kKernelStackNotValid = 0x08;
inline constexpr uint16_t kPowerFail = 0x0C;
inline constexpr uint16_t kReservedInstruction = 0x10;  // also privileged instruction
inline constexpr uint16_t kCustomerReserved = 0x14;     // XFC
inline constexpr uint16_t kReservedOperand = 0x18;
inline constexpr uint16_t kReservedAddressingMode = 0x1C;
inline constexpr uint16_t kAccessViolation = 0x20;
inline constexpr uint16_t kTranslationNotValid = 0x24;
inline constexpr uint16_t kTracePending = 0x28;
inline constexpr uint16_t kBreakpoint = 0x2C;
inline constexpr uint16_t kArithmetic = 0x34;
inline constexpr uint16_t kChmk = 0x40;  // + 4 * target mode
inline constexpr uint16_t kSoftware = 0x80;  // + 4 * level (1-15)
inline constexpr uint16_t kIntervalTimer = 0xC0;
inline constexpr uint16_t kEmulation = 0xC8;
inline constexpr uint16_t kEmulationFpd = 0xCC;
}  // namespace scb

// Arithmetic exception type codes (the parameter of SCB vector 0x34).
namespace arith {
inline constexpr uint32_t kIntegerOverflow = 1;   // trap
inline constexpr uint32_t kIntegerDivideByZero = 2;  // trap
inline constexpr uint32_t kDecimalOverflow = 6;
inline constexpr uint32_t kSubscriptRange = 7;    // trap
inline constexpr uint32_t kFloatOverflowFault = 8;
inline constexpr uint32_t kFloatDivideByZeroFault = 9;
inline constexpr uint32_t kFloatUnderflowFault = 10;
}  // namespace arith

// Internal processor register numbers (VAX ARM, "Internal Processor Registers"; KA655).
namespace ipr {
inline constexpr unsigned KSP = 0, ESP = 1, SSP = 2, USP = 3, ISP = 4;
inline constexpr unsigned P0BR = 8, P0LR = 9, P1BR = 10, P1LR = 11, SBR = 12, SLR = 13;
inline constexpr unsigned PCBB = 16, SCBB = 17, IPL = 18, ASTLVL = 19, SIRR = 20, SISR = 21;
inline constexpr unsigned ICCS = 24, NICR = 25, ICR = 26, TODR = 27;
inline constexpr unsigned RXCS = 32, RXDB = 33, TXCS = 34, TXDB = 35;
inline constexpr unsigned MAPEN = 56, TBIA = 57, TBIS = 58, SID = 62, TBCHK = 63;
}  // namespace ipr

// The KA655's system identification: CVAX (type 10), microcode revision 6.
inline constexpr uint32_t kKa655Sid = (10u << 24) | 6u;

}  // namespace trapeze::vax
