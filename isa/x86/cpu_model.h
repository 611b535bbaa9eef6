// CPU models as data: what each model implements and what CPUID reports for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trapeze::x86 {

// Features an instruction-table row may require (a model has a set of them).
enum ModelFeature : uint32_t {
    kFeat386 = 1u << 0,        // base i386 integer ISA
    kFeat486 = 1u << 1,        // BSWAP, XADD, CMPXCHG, INVD, WBINVD, INVLPG
    kFeatCpuid = 1u << 2,
    kFeatFpu = 1u << 3,        // on-chip x87
    kFeatTsc = 1u << 4,        // RDTSC, CR4.TSD
    kFeatMsr = 1u << 5,        // RDMSR/WRMSR
    kFeatCx8 = 1u << 6,        // CMPXCHG8B
    kFeatPse = 1u << 7,        // 4 MB pages
    kFeatCmov = 1u << 8,       // CMOVcc, FCMOVcc, FCOMI
    kFeatSep = 1u << 9,        // SYSENTER/SYSEXIT
    kFeatFxsr = 1u << 10,      // FXSAVE/FXRSTOR
    kFeatVme = 1u << 11,       // CR4.VME/PVI
    kFeatPge = 1u << 12,
    kFeatUmip = 1u << 13,      // CR4.UMIP
    kFeatRdpmc = 1u << 14,
    kFeatDe = 1u << 15,        // debugging extensions
    kFeatSse3 = 1u << 16,      // never set: marks forms no supported model has
};

struct CpuModel {
    std::string_view name;
    std::string_view description;
    uint32_t features;         // ModelFeature set
    uint32_t cpuid_max_leaf;   // 0 with no CPUID
    uint32_t cpuid_signature;  // leaf 1 EAX: family/model/stepping
    uint32_t cpuid_edx;        // leaf 1 EDX feature flags exactly as implemented
    uint32_t cpuid_ecx;
    char vendor[13];
    uint32_t cr4_mask;         // CR4 bits the model accepts (others #GP)
    uint32_t reset_edx;        // EDX at reset (SDM Vol. 3 §9.1.4)
};

const CpuModel& default_model();
std::optional<const CpuModel*> find_model(std::string_view name);
std::string_view model_names();  // for help/error text

}  // namespace trapeze::x86
