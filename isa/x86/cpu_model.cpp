#include "isa/x86/cpu_model.h"

#include "isa/x86/state.h"

namespace trapeze::x86 {

namespace {

// CPUID leaf-1 EDX bits (SDM Vol. 2A, CPUID, Table 3-11).
constexpr uint32_t kCpuidFpu = 1u << 0, kCpuidVme = 1u << 1, kCpuidDe = 1u << 2,
                   kCpuidPse = 1u << 3, kCpuidTsc = 1u << 4, kCpuidMsr = 1u << 5,
                   kCpuidCx8 = 1u << 8, kCpuidSep = 1u << 11, kCpuidPge = 1u << 13,
                   kCpuidCmov = 1u << 15, kCpuidFxsr = 1u << 24;

constexpr uint32_t kPentiumFeatures = kFeat386 | kFeat486 | kFeatCpuid | kFeatFpu | kFeatTsc |
                                      kFeatMsr | kFeatCx8 | kFeatPse | kFeatVme | kFeatDe;

// Only what trapeze implements is advertised: no MCE/MCA/MTRR/APIC/PAE/SSE/MMX bits.
constexpr CpuModel kModels[] = {
    {"i386", "Intel 80386 with 80387 (no CPUID, no CR4)", kFeat386 | kFeatFpu, 0, 0x0303, 0, 0,
     "", 0, 0x0303},
    {"pentium", "Intel Pentium (P5): CPUID, TSC, MSRs, CMPXCHG8B, 4 MB pages, VME",
     kPentiumFeatures, 1, 0x0543,
     kCpuidFpu | kCpuidVme | kCpuidDe | kCpuidPse | kCpuidTsc | kCpuidMsr | kCpuidCx8, 0,
     "GenuineIntel", CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_MCE, 0x0543},
    {"pentium-umip", "Pentium with CR4.UMIP (user-mode instruction prevention)",
     kPentiumFeatures | kFeatUmip, 1, 0x0543,
     kCpuidFpu | kCpuidVme | kCpuidDe | kCpuidPse | kCpuidTsc | kCpuidMsr | kCpuidCx8, 0,
     "GenuineIntel",
     CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_MCE | CR4_UMIP, 0x0543},
    {"pentium2", "Intel Pentium II (P6): adds CMOV, SYSENTER, FXSR, PGE, RDPMC",
     kPentiumFeatures | kFeatCmov | kFeatSep | kFeatFxsr | kFeatPge | kFeatRdpmc, 2, 0x0652,
     kCpuidFpu | kCpuidVme | kCpuidDe | kCpuidPse | kCpuidTsc | kCpuidMsr | kCpuidCx8 |
         kCpuidSep | kCpuidPge | kCpuidCmov | kCpuidFxsr,
     0, "GenuineIntel",
     CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR,
     0x0652},
};

}  // namespace

const CpuModel& default_model() { return kModels[3]; }

std::optional<const CpuModel*> find_model(std::string_view name) {
    for (const CpuModel& m : kModels)
        if (m.name == name) return &m;
    return std::nullopt;
}

std::string_view model_names() { return "i386, pentium, pentium-umip, pentium2"; }

}  // namespace trapeze::x86
