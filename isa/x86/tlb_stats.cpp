// `-d tlb`: what a run spent on address translation and on finding blocks.
#include <fmt/format.h>

#include "isa/x86/cpu.h"

namespace trapeze::x86 {

std::string X86Cpu::format_tlb_stats() const {
    const TlbStats& t = tlb_stats_;
    const cpu::BlockCacheStats& c = cache_.stats;
    std::string out;
    out += fmt::format("tlb: {} page walks; {} flushes ({} of them CR3 loads, which keep global translations); "
                       "{} INVLPGs ({} of them of a page code ran from, which unlink chained blocks)\n",
                       t.page_walks, t.flushes, t.flushes_keeping_global, t.invlpgs, t.invlpgs_unlinking);
    out += fmt::format("tlb: {} block lookups by linear address, {} chain misses ({} of them kept a link of an "
                       "older epoch); {} blocks built, {} dropped by stores into their page\n",
                       t.block_lookups, t.chain_misses, t.links_kept, c.blocks_built, c.invalidations);
    return out;
}

}  // namespace trapeze::x86
