// Unit tests of the IA-32 core mechanisms: decode-once block cache, soft TLB and paging,
// self-modifying code, precise exceptions.
#include <catch2/catch.hpp>

#include <string>

#include "isa/x86/decoder.h"
#include "isa/x86/fpu/x87.h"
#include "isa/x86/instruction_table.h"
#include "tests/unit/x86_test_machine.h"

using namespace trapeze;
using namespace trapeze::x86;

TEST_CASE("a loop is decoded once and then runs from the block cache", "[x86][cache]") {
    test::X86Bench b;
    b.flat32(0x1000);
    // mov ecx, 1000 ; l: add eax, ecx ; dec ecx ; jnz l ; cli ; hlt
    b.poke(0x1000, {0xB9, 0xE8, 0x03, 0x00, 0x00, 0x01, 0xC8, 0x49, 0x75, 0xFB, 0xFA, 0xF4});
    auto r = b.cpu->run(100000);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    REQUIRE(b.cpu->s.gpr[EAX] == 500500);
    REQUIRE(r.instructions == 1 + 3 * 1000 + 2);
    // Three blocks (entry, loop body, tail) decoded, however often the loop ran.
    REQUIRE(b.cpu->cache_stats().blocks_built == 3);
    REQUIRE(b.cpu->cache_stats().insns_decoded == 9);
}

TEST_CASE("a store that rewrites the next instruction executes the new bytes", "[x86][smc]") {
    test::X86Bench b;
    b.flat32(0x2000);
    // mov byte [0x2007], 0x40   (C6 05 07 20 00 00 40) ; at 0x2007: inc ecx (41) -> becomes inc eax (40)
    // then cli; hlt
    b.poke(0x2000, {0xC6, 0x05, 0x07, 0x20, 0x00, 0x00, 0x40, 0x41, 0xFA, 0xF4});
    auto r = b.cpu->run(100);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(b.cpu->s.gpr[EAX] == 1);
    CHECK(b.cpu->s.gpr[ECX] == 0);
    CHECK(b.cpu->cache_stats().invalidations >= 1);
}

TEST_CASE("self-modifying code inside a hot loop is seen on every iteration", "[x86][smc]") {
    test::X86Bench b;
    b.flat32(0x3000);
    // 3000: mov ecx, 5
    // 3005: l: mov byte [0x3011], cl      (88 0D 11 30 00 00)
    // 300b: mov eax, 0 ... we patch the imm8 of "add edx, imm8" at 0x300f: 83 C2 xx
    // Layout: 300b: nop x4 ; 300f: 83 C2 00 -> imm at 3011 ; 3012: dec ecx ; 3013: jnz l ; cli ; hlt
    b.poke(0x3000, {0xB9, 0x05, 0x00, 0x00, 0x00, 0x88, 0x0D, 0x11, 0x30, 0x00, 0x00, 0x90, 0x90,
                    0x90, 0x90, 0x83, 0xC2, 0x00, 0x49, 0x75, 0xF0, 0xFA, 0xF4});
    if (getenv("TRACE")) b.cpu->set_trace(kTraceExec | kTraceCpu, stdout);
    auto r = b.cpu->run(1000);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    // edx = 5 + 4 + 3 + 2 + 1
    REQUIRE(b.cpu->s.gpr[EDX] == 15);
}

TEST_CASE("paging: the TLB follows INVLPG and CR3 reloads, A/D bits are set", "[x86][tlb]") {
    test::X86Bench b;
    b.flat32(0x1000);
    // Page directory at 0x10000, one page table at 0x11000 identity-mapping the first 4 MB,
    // except linear 0x400000.. mapped by a second table at 0x12000.
    b.two_page_tables();
    b.poke32(0x12000, 0x50000 | 3);  // linear 0x400000 -> physical 0x50000
    b.poke32(0x50000, 0xAAAAAAAA);
    b.poke32(0x60000, 0xBBBBBBBB);
    auto& s = b.cpu->s;
    b.paging_on();
    // mov eax, [0x400000] ; mov [0x12000], 0x60003 (remap) ; mov ebx, [0x400000] (stale TLB)
    // invlpg [0x400000] ; mov edx, [0x400000] ; cli ; hlt
    b.poke(0x1000, {0xA1, 0x00, 0x00, 0x40, 0x00,
                    0xC7, 0x05, 0x00, 0x20, 0x01, 0x00, 0x03, 0x00, 0x06, 0x00,
                    0x8B, 0x1D, 0x00, 0x00, 0x40, 0x00,
                    0x0F, 0x01, 0x3D, 0x00, 0x00, 0x40, 0x00,
                    0x8B, 0x15, 0x00, 0x00, 0x40, 0x00, 0xFA, 0xF4});
    auto r = b.cpu->run(100);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(s.gpr[EAX] == 0xAAAAAAAA);
    CHECK(s.gpr[EBX] == 0xAAAAAAAA);  // the TLB still holds the old translation
    CHECK(s.gpr[EDX] == 0xBBBBBBBB);  // after INVLPG the new one is walked
    CHECK((b.peek32(0x10004) & 0x20) != 0);   // PDE accessed
    CHECK((b.peek32(0x12000) & 0x20) != 0);   // PTE accessed
    CHECK((b.peek32(0x12000) & 0x40) == 0);   // not dirty: only read
    CHECK((b.peek32(0x11000 + 4 * 0x12) & 0x40) != 0);  // the page-table write dirtied page 0x12
}

// SDM Vol. 3 §4.10.4.1: a CR3 load invalidates every translation but the global ones (G in
// the PTE, with CR4.PGE); a CR4 write here drops those too. (Keeping them is what Linux's
// global kernel mappings are for: it reloads CR3 at every context switch.)
TEST_CASE("a CR3 load keeps global translations and a CR4 write drops them", "[x86][tlb]") {
    test::X86Bench b;
    b.flat32(0x1000);
    b.two_page_tables();
    b.poke32(0x12000, 0x50000 | 0x103);  // linear 0x400000 -> 0x50000, global
    b.poke32(0x12008, 0x51000 | 0x003);  // linear 0x402000 -> 0x51000
    b.poke32(0x50000, 0xAAAAAAAA);
    b.poke32(0x51000, 0xCCCCCCCC);
    b.poke32(0x60000, 0xBBBBBBBB);
    b.poke32(0x61000, 0xDDDDDDDD);
    auto& s = b.cpu->s;
    b.cpu->write_cr(4, CR4_PGE);
    b.paging_on();
    b.poke(0x1000, {0xA1, 0x00, 0x00, 0x40, 0x00,                                // mov eax, [0x400000]
                    0xA1, 0x00, 0x20, 0x40, 0x00,                                // mov eax, [0x402000]
                    0xC7, 0x05, 0x00, 0x20, 0x01, 0x00, 0x03, 0x01, 0x06, 0x00,  // PTE 0 -> 0x60000, G
                    0xC7, 0x05, 0x08, 0x20, 0x01, 0x00, 0x03, 0x10, 0x06, 0x00,  // PTE 2 -> 0x61000
                    0x0F, 0x20, 0xD8, 0x0F, 0x22, 0xD8,                          // mov eax, cr3 ; mov cr3, eax
                    0x8B, 0x1D, 0x00, 0x00, 0x40, 0x00,                          // mov ebx, [0x400000]
                    0x8B, 0x0D, 0x00, 0x20, 0x40, 0x00,                          // mov ecx, [0x402000]
                    0x0F, 0x20, 0xE0, 0x0F, 0x22, 0xE0,                          // mov eax, cr4 ; mov cr4, eax
                    0x8B, 0x15, 0x00, 0x00, 0x40, 0x00,                          // mov edx, [0x400000]
                    0xFA, 0xF4});                                                // cli ; hlt
    auto r = b.cpu->run(1000);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(s.gpr[EBX] == 0xAAAAAAAA);  // the global translation survived the CR3 load
    CHECK(s.gpr[ECX] == 0xDDDDDDDD);  // the other was walked again
    CHECK(s.gpr[EDX] == 0xBBBBBBBB);  // the CR4 write dropped the global one
    CHECK(b.cpu->tlb_stats().flushes_keeping_global == 2);  // the set-up's CR3 load and the guest's (-d tlb)
}

// The set-up of the two chaining tests below: flat 32-bit code at 0x1000, paging on, linear
// 0x400000 mapped to 0x50000 (mov eax, 1 ; ret); at 0x60000, mov eax, 2 ; ret, for the guest
// to map there instead (PTE at 0x12000).
static void map_callee_page(test::X86Bench& b) {
    b.flat32(0x1000);
    b.two_page_tables();
    b.poke32(0x12000, 0x50000 | 3);
    b.poke(0x50000, {0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3});
    b.poke(0x60000, {0xB8, 0x02, 0x00, 0x00, 0x00, 0xC3});
    b.paging_on();
}

// INVLPG bumps the chaining epoch only for a page code was fetched from in this epoch
// (X86Cpu::fetched_pages_); for such a page it must, or the call below would stay chained to
// the block the page used to map.
TEST_CASE("INVLPG of a code page unlinks the blocks chained into it", "[x86][tlb]") {
    test::X86Bench b;
    map_callee_page(b);
    auto& s = b.cpu->s;
    // 100 times: call the page (chained); after the 50th call, map it to 0x60000 and INVLPG.
    b.poke(0x1000, {0x31, 0xDB,                                  // xor ebx, ebx
                    0xB9, 0x64, 0x00, 0x00, 0x00,                // mov ecx, 100
                    0xBF, 0x00, 0x00, 0x40, 0x00,                // mov edi, 0x400000
                    0xFF, 0xD7,                                  // l: call edi
                    0x01, 0xC3,                                  // add ebx, eax
                    0x83, 0xF9, 0x33,                            // cmp ecx, 51
                    0x75, 0x11,                                  // jne skip
                    0xC7, 0x05, 0x00, 0x20, 0x01, 0x00, 0x03, 0x00, 0x06, 0x00,  // mov [0x12000], 0x60003
                    0x0F, 0x01, 0x3D, 0x00, 0x00, 0x40, 0x00,    // invlpg [0x400000]
                    0x49,                                        // skip: dec ecx
                    0x75, 0xE3,                                  // jnz l
                    0xFA, 0xF4});                                // cli ; hlt
    auto r = b.cpu->run(100000);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(s.gpr[EBX] == 50 * 1 + 50 * 2);
    CHECK(b.cpu->cache_stats().blocks_built >= 2 + 2);  // both pages' code was run
    CHECK(b.cpu->tlb_stats().invlpgs == 1);
    CHECK(b.cpu->tlb_stats().invlpgs_unlinking == 1);  // what -d tlb reports
}

// A CR3 load starts a new chaining epoch, but a link of the old one is kept when the soft
// TLB maps its EIP's page to its block's page again (X86Cpu::chain_miss): here a data read
// of the called page refills the TLB after every reload. When the page table changed, the
// link must go, or the call below would stay chained to the block the page used to map; and
// so must a link whose block was dropped (the code rewritten), or it would read a freed
// block (a heap-use-after-free that a -DTRAPEZE_SANITIZE=address build reports here).
TEST_CASE("a chain link outlives a CR3 load only while its page maps to its block", "[x86][tlb]") {
    const bool remap = GENERATE(true, false);
    test::X86Bench b;
    map_callee_page(b);
    auto& s = b.cpu->s;
    // 100 times: reload CR3, read the page, call it; before the 51st, map it to 0x60000 (or
    // make its code mov eax, 3).
    b.poke(0x1000, {0x31, 0xDB,                                  // xor ebx, ebx
                    0xB9, 0x64, 0x00, 0x00, 0x00,                // mov ecx, 100
                    0xBF, 0x00, 0x00, 0x40, 0x00,                // mov edi, 0x400000
                    0x83, 0xF9, 0x32,                            // l: cmp ecx, 50
                    0x75, 0x0A});                                // jne skip
    if (remap)
        b.poke(0x1011, {0xC7, 0x05, 0x00, 0x20, 0x01, 0x00, 0x03, 0x00, 0x06, 0x00});  // mov [0x12000], 0x60003
    else
        b.poke(0x1011, {0xC6, 0x47, 0x01, 0x03, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90});  // mov byte [edi+1], 3
    b.poke(0x101B, {0x0F, 0x20, 0xD8,                            // skip: mov eax, cr3
                    0x0F, 0x22, 0xD8,                            // mov cr3, eax
                    0x8B, 0x17,                                  // mov edx, [edi]
                    0xFF, 0xD7,                                  // call edi
                    0x01, 0xC3,                                  // add ebx, eax
                    0x49,                                        // dec ecx
                    0x75, 0xE2,                                  // jnz l
                    0xFA, 0xF4});                                // cli ; hlt
    auto r = b.cpu->run(100000);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(s.gpr[EBX] == 50 * 1 + 50 * (remap ? 2 : 3));
    CHECK(b.cpu->tlb_stats().flushes_keeping_global == 1 + 100);  // paging_on's, the guest's
    // The call's link and the return's, kept across most of the reloads (what -d tlb reports).
    CHECK(b.cpu->tlb_stats().links_kept > 150);
}

// A trace that jumps to another skips the callee's entry guard when the guard passed before
// in a state with the same guard_key() (X86Cpu::TraceJump::spec), so the key must change
// with every field the guard reads but EIP and the CS base (which the jump's entry matches).
TEST_CASE("the guard key changes with each field a trace's entry guard reads", "[x86][jit]") {
    test::X86Bench b;
    b.flat32(0x1000);
    x86::X86Cpu& c = *b.cpu;
    const uint64_t flat = c.guard_key();
    c.set_segment_from_descriptor(x86::DS, 0x18, 0x1000FFFF, 0x00CF9300);  // DS based at 0x1000
    CHECK(c.guard_key() != flat);
    c.set_segment_from_descriptor(x86::DS, 0x10, 0x0000FFFF, 0x00CF9300);  // flat again
    CHECK(c.guard_key() == flat);
    c.s.cpl = 3;
    CHECK(c.guard_key() != flat);
    c.s.cpl = 0;
    c.s.seg[x86::CS].limit = 0xFFFFF;
    CHECK(c.guard_key() != flat);
    c.s.seg[x86::CS].limit = 0xFFFFFFFF;
    c.s.seg[x86::SS].attr ^= 0x4000;  // SS.B: the stack's address size
    CHECK(c.guard_key() != flat);
    c.s.seg[x86::SS].attr ^= 0x4000;
    CHECK(c.guard_key() == flat);
}

// A flush clears only the TLB slots filled since the last one (X86Cpu::tlb_filled_), or
// everything once that list has overflowed: both must forget every translation.
TEST_CASE("a CR3 reload forgets every translation the TLB holds", "[x86][tlb]") {
    const bool overflow = GENERATE(false, true);
    test::X86Bench b;
    b.flat32(0x1000);
    // Linear 0x400000-0x7FFFFF (PDE 1, table at 0x12000) maps every page to physical
    // 0x50000 (0xAAAAAAAA); the guest then points every PTE at 0x60000 (0xBBBBBBBB).
    b.two_page_tables();
    for (uint32_t i = 0; i < 1024; ++i) b.poke32(0x12000 + 4 * i, 0x50000 | 3);
    b.poke32(0x50000, 0xAAAAAAAA);
    b.poke32(0x60000, 0xBBBBBBBB);
    auto& s = b.cpu->s;
    b.paging_on();
    std::vector<uint8_t> code;
    auto emit = [&](std::initializer_list<uint8_t> bytes) { code.insert(code.end(), bytes); };
    // Sum dword 0 of the pages at 0x420000-0x7FF000 into reg (992 pages, 992 TLB slots: the
    // code's page (slot 1) and the page table's (slot 0x12) are not among them).
    auto sum_pages = [&](uint8_t reg) {
        emit({uint8_t(0x31), uint8_t(0xC0 | reg << 3 | reg)});         // xor reg, reg
        emit({0xB9, 0x00, 0x00, 0x42, 0x00});                           // mov ecx, 0x420000
        emit({uint8_t(0x03), uint8_t(reg << 3 | 1)});                   // l: add reg, [ecx]
        emit({0x81, 0xC1, 0x00, 0x10, 0x00, 0x00});                     // add ecx, 0x1000
        emit({0x81, 0xF9, 0x00, 0x00, 0x80, 0x00});                     // cmp ecx, 0x800000
        emit({0x75, uint8_t(-(2 + 6 + 6 + 2))});                        // jne l
    };
    if (overflow) {
        // 3000 times: read a page (its slot goes from empty to filled: recorded), INVLPG it
        // (empty again). The list of filled slots overflows, so the flush clears all.
        emit({0xB9, 0xB8, 0x0B, 0x00, 0x00});                           // mov ecx, 3000
        emit({0xA1, 0x00, 0x00, 0x42, 0x00});                           // l: mov eax, [0x420000]
        emit({0x0F, 0x01, 0x3D, 0x00, 0x00, 0x42, 0x00});               // invlpg [0x420000]
        emit({0x49, 0x75, uint8_t(-(5 + 7 + 1 + 2))});                  // dec ecx ; jnz l
    }
    sum_pages(6);                                                       // esi: through the old mapping
    emit({0xBF, 0x00, 0x20, 0x01, 0x00});                               // mov edi, 0x12000
    emit({0xC7, 0x07, 0x03, 0x00, 0x06, 0x00});                         // l: mov dword [edi], 0x60003
    emit({0x83, 0xC7, 0x04});                                           // add edi, 4
    emit({0x81, 0xFF, 0x00, 0x30, 0x01, 0x00});                         // cmp edi, 0x13000
    emit({0x75, uint8_t(-(6 + 3 + 6 + 2))});                            // jne l
    sum_pages(3);                                                       // ebx: the TLB's stale entries
    emit({0x0F, 0x20, 0xD8, 0x0F, 0x22, 0xD8});                         // mov eax, cr3 ; mov cr3, eax
    sum_pages(2);                                                       // edx: walked afresh
    emit({0xFA, 0xF4});                                                 // cli ; hlt
    std::memcpy(b.ram + 0x1000, code.data(), code.size());
    auto r = b.cpu->run(100000);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(s.gpr[ESI] == uint32_t(992u * 0xAAAAAAAAu));
    CHECK(s.gpr[EBX] == uint32_t(992u * 0xAAAAAAAAu));  // all 992 translations were held
    CHECK(s.gpr[EDX] == uint32_t(992u * 0xBBBBBBBBu));  // and all were forgotten
}

TEST_CASE("a page fault reports CR2 and the error code and commits nothing", "[x86][paging]") {
    // Read-modify-write instructions whose store faults: ADD (alu), SHL (shift), NEG (unary).
    // Had any of them installed its flags before the store, CF would be 0 (0 + 7, 0 << 1,
    // -0) and, for SHL and NEG, ZF 1.
    const std::vector<uint8_t> op = GENERATE(std::vector<uint8_t>{0x01, 0x05},   // add [m], eax
                                             std::vector<uint8_t>{0xD1, 0x25},   // shl dword [m], 1
                                             std::vector<uint8_t>{0xF7, 0x1D});  // neg dword [m]
    test::X86Bench b;
    b.flat32(0x1000);
    b.poke32(0x10000, 0x11000 | 3);
    for (uint32_t i = 0; i < 1024; ++i) b.poke32(0x11000 + 4 * i, (i << 12) | 3);
    b.poke32(0x11000 + 4 * 0x200, 0x200000 | 1);  // linear 0x200000: present, read-only
    // IDT at 0x20000 with a #PF interrupt gate to 0x5000 (cli; hlt)
    b.poke32(0x20000 + 14 * 8, 0x00085000);
    b.poke32(0x20000 + 14 * 8 + 4, 0x00008E00);
    b.poke(0x5000, {0xFA, 0xF4});
    auto& s = b.cpu->s;
    s.idtr = {0x20000, 0x7FF};
    b.cpu->write_cr(3, 0x10000);
    b.cpu->write_cr(0, s.cr0 | CR0_PG | CR0_WP);
    // stc ; mov eax, 7 ; <op> [0x200010] (write to a read-only page: #PF, memory, EAX and
    // the flags unchanged)
    b.poke(0x1000, {0xF9, 0xB8, 0x07, 0x00, 0x00, 0x00, op[0], op[1], 0x10, 0x00, 0x20, 0x00});
    auto r = b.cpu->run(100);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(s.cr2 == 0x200010);
    CHECK(s.eip == 0x5001 + 1);                  // halted after the handler's hlt
    CHECK(b.peek32(0x80000 - 12) == 0x1006);     // saved EIP: the faulting instruction
    CHECK(b.peek32(0x80000 - 16) == 3);          // error code: protection, write, supervisor
    const uint32_t eflags = b.peek32(0x80000 - 4);
    CHECK((eflags & CF) != 0);                   // STC's
    CHECK((eflags & ZF) == 0);
    CHECK(s.gpr[EAX] == 7);
    CHECK(b.peek32(0x200010) == 0);
}

TEST_CASE("an instruction straddling a page boundary runs correctly in a hot loop", "[x86][cache]") {
    test::X86Bench b;
    b.flat32(0x1FF8);
    // 1ff8: mov ecx, 100 (5 bytes) ; 1ffd: add eax, 0x01020304 (05 04 03 02 01: crosses 0x2000)
    // 2002: dec ecx ; 2003: jnz 1ffd ; cli ; hlt
    b.poke(0x1FF8, {0xB9, 0x64, 0x00, 0x00, 0x00, 0x05, 0x04, 0x03, 0x02, 0x01, 0x49, 0x75, 0xF8,
                    0xFA, 0xF4});
    auto r = b.cpu->run(10000);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    REQUIRE(b.cpu->s.gpr[EAX] == 100u * 0x01020304u);
}

TEST_CASE("x87 instructions reach the FPU unit with their memory operands", "[x86][x87]") {
    test::X86Bench b;
    b.flat32(0x1000);
    // fninit ; fld1 ; fadd st0,st0 ; fild dword [0x3000] (=5) ; fmulp st1,st0 ; fistp dword [0x3004]
    // fnstsw ax ; cli ; hlt
    b.poke32(0x3000, 5);
    b.poke(0x1000, {0xDB, 0xE3, 0xD9, 0xE8, 0xDC, 0xC0, 0xDB, 0x05, 0x00, 0x30, 0x00, 0x00,
                    0xDE, 0xC9, 0xDB, 0x1D, 0x04, 0x30, 0x00, 0x00, 0xDF, 0xE0, 0xFA, 0xF4});
    auto r = b.cpu->run(100);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(b.peek32(0x3004) == 10);
    CHECK((b.cpu->s.gpr[EAX] & 0x3800) == 0);  // TOP back to 0
}

TEST_CASE("x87 with CR0.TS raises #NM before touching the FPU", "[x86][x87]") {
    test::X86Bench b;
    b.flat32(0x1000);
    b.poke32(0x20000 + 7 * 8, 0x00085000);  // #NM gate -> 0x5000: cli; hlt
    b.poke32(0x20000 + 7 * 8 + 4, 0x00008E00);
    b.poke(0x5000, {0xFA, 0xF4});
    b.cpu->s.idtr = {0x20000, 0x7FF};
    b.cpu->s.cr0 |= CR0_TS;
    b.poke(0x1000, {0xD9, 0xE8, 0xFA, 0xF4});  // fld1
    auto r = b.cpu->run(100);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(b.peek32(0x80000 - 12) == 0x1000);  // #NM is a fault at the FLD1
    CHECK((b.cpu->fpu().state().status & 0x3800) == 0);
}

TEST_CASE("debug registers: instruction breakpoints fault, data breakpoints trap", "[x86][debug]") {
    test::X86Bench b;
    b.flat32(0x1000);
    b.poke32(0x20000 + 1 * 8, 0x00085000);  // #DB gate -> 0x5000: cli; hlt
    b.poke32(0x20000 + 1 * 8 + 4, 0x00008E00);
    b.poke(0x5000, {0xFA, 0xF4});
    b.cpu->s.idtr = {0x20000, 0x7FF};
    // 1000: mov eax, 1 ; 1005: mov [0x3000], eax ; 100a: inc eax ; 100b: cli ; hlt
    b.poke(0x1000, {0xB8, 0x01, 0x00, 0x00, 0x00, 0xA3, 0x00, 0x30, 0x00, 0x00, 0x40, 0xFA, 0xF4});
    SECTION("instruction breakpoint on 0x100a") {
        b.cpu->s.dr[0] = 0x100A;
        b.cpu->s.dr[7] = 0x1;  // L0, RW0=00 (execute), LEN0=00
        b.cpu->update_debug_registers();
        REQUIRE(b.cpu->run(100).reason == cpu::StopReason::kHaltedNoWake);
        CHECK(b.peek32(0x80000 - 12) == 0x100A);  // fault: the saved EIP is the breakpoint
        CHECK(b.cpu->s.gpr[EAX] == 1);            // INC EAX did not execute
        CHECK((b.cpu->s.dr[6] & 0xF) == 1);
    }
    SECTION("write breakpoint on 0x3002 (4-byte store covering it)") {
        b.cpu->s.dr[1] = 0x3002;
        b.cpu->s.dr[7] = 0x4 | (0x1u << 20) | (0x1u << 22);  // L1, RW1=01 (write), LEN1=01 (2 bytes)
        b.cpu->update_debug_registers();
        REQUIRE(b.cpu->run(100).reason == cpu::StopReason::kHaltedNoWake);
        CHECK(b.peek32(0x80000 - 12) == 0x100A);  // trap: after the MOV
        CHECK(b.peek32(0x3000) == 1);
        CHECK((b.cpu->s.dr[6] & 0xF) == 2);
    }
}

TEST_CASE("SSE encodings that share a mnemonic with a base form do not decode as it", "[x86][decoder]") {
    // F2 0F 10 C1 is SSE2 MOVSD xmm0, xmm1 and F2 0F C2 C1 00 is CMPSD xmm0, xmm1, 0: no
    // trapeze model has SSE, so both are #UD, never the string instructions MOVSD/CMPSD.
    // FXSAVE (filed by Zydis under SSE too) still finds its row.
    Decoder dec(default_model());
    const uint8_t movsd_sse[] = {0xF2, 0x0F, 0x10, 0xC1};
    const uint8_t cmpsd_sse[] = {0xF2, 0x0F, 0xC2, 0xC1, 0x00};
    const uint8_t movsd_string[] = {0xA5};
    const uint8_t fxsave[] = {0x0F, 0xAE, 0x00};
    DecodedInsn a, b, c, d;
    REQUIRE(dec.decode(movsd_sse, sizeof movsd_sse, true, a) == DecodeStatus::kOk);
    REQUIRE(dec.decode(cmpsd_sse, sizeof cmpsd_sse, true, b) == DecodeStatus::kOk);
    REQUIRE(dec.decode(movsd_string, sizeof movsd_string, true, c) == DecodeStatus::kOk);
    REQUIRE(dec.decode(fxsave, sizeof fxsave, true, d) == DecodeStatus::kOk);
    CHECK(a.fn == handler_invalid_opcode);
    CHECK(b.fn == handler_invalid_opcode);
    CHECK(c.fn != handler_invalid_opcode);
    CHECK(std::string(forms()[c.form].id).rfind("MOVS", 0) == 0);
    CHECK(std::string(forms()[d.form].id) == "FXSAVE_M");
}

// SHL, SHR and SAR record their flags lazily (flags.h, shift_carry): what compute_arith_flags
// and the single-flag readers give must be what the SDM's pseudo-code (Vol. 2B SAL/SAR/SHL/SHR:
// one bit at a time, CF the bit shifted out last) leaves, with OF for a count of 1 as the SDM
// defines it and for larger counts as Bochs computes it, and AF clear.
TEST_CASE("lazily recorded shift flags are the SDM's, bit by bit", "[x86][flags]") {
    const uint32_t values[] = {0, 1, 2, 0x40, 0x7F, 0x80, 0xC0, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
                               0x80000000, 0xC0000001, 0xFFFFFFFF, 0x12345678, 0x0F0F0F0F, 0xDEADBEEF};
    unsigned checked = 0;
    for (LazyOp op : {LazyOp::kShl, LazyOp::kShr, LazyOp::kSar})
        for (unsigned size : {1u, 2u, 4u})
            for (uint32_t v : values)
                for (uint32_t n = 1; n < 32; ++n) {
                    const unsigned bits = 8 * size;
                    const uint32_t m = size_mask(size), sb = sign_bit(size), a = v & m;
                    uint32_t d = a;
                    bool cf = false;
                    for (uint32_t k = 0; k < n; ++k) {
                        if (op == LazyOp::kShl) {
                            cf = d & sb;
                            d = (d << 1) & m;
                        } else {
                            cf = d & 1;
                            d = op == LazyOp::kSar ? ((d >> 1) | (d & sb)) : (d >> 1);
                        }
                    }
                    bool of;
                    if (op == LazyOp::kShl) of = ((d & sb) != 0) != cf;
                    else if (op == LazyOp::kSar) of = false;
                    else of = n == 1 ? (a & sb) != 0 : (((d >> (bits - 1)) ^ (d >> (bits - 2))) & 1) != 0;
                    uint32_t want = (cf ? CF : 0) | (of ? OF : 0) | (d == 0 ? ZF : 0) | ((d & sb) ? SF : 0) |
                                    ((__builtin_popcount(d & 0xFF) % 2 == 0) ? PF : 0);
                    ArithFlags f{};
                    set_lazy(f, op, size, d, a, n);
                    INFO("op " << int(op) << " size " << size << " a " << a << " n " << n);
                    REQUIRE(compute_arith_flags(f) == want);
                    REQUIRE(flag_cf(f) == cf);
                    REQUIRE(flag_of(f) == of);
                    REQUIRE(compute_szap_flags(f) == (want & (SF | ZF | AF | PF)));
                    ++checked;
                }
    CHECK(checked == 3 * 3 * 18 * 31);
}

// MUL and IMUL record their flags lazily too (LazyOp::kMul): CF = OF = the product did not fit,
// SF ZF PF from the low half, AF clear (alu.cpp, set_mul_flags).
TEST_CASE("lazily recorded multiply flags", "[x86][flags]") {
    for (unsigned size : {1u, 2u, 4u})
        for (uint32_t low : {0u, 1u, 3u, 0x7Fu, 0x80u, 0xFFu, 0x8000u, 0xFF00u, 0x80000000u, 0xFFFFFFFFu})
            for (bool ovf : {false, true}) {
                const uint32_t m = size_mask(size), r = low & m;
                uint32_t want = (ovf ? CF | OF : 0) | (r == 0 ? ZF : 0) | ((r & sign_bit(size)) ? SF : 0) |
                                ((__builtin_popcount(r & 0xFF) % 2 == 0) ? PF : 0);
                ArithFlags f{};
                set_lazy(f, LazyOp::kMul, size, r, ovf ? 1 : 0, 0);
                INFO("size " << size << " low " << low << " ovf " << ovf);
                CHECK(compute_arith_flags(f) == want);
                CHECK(flag_cf(f) == ovf);
                CHECK(flag_of(f) == ovf);
                CHECK(compute_szap_flags(f) == (want & (SF | ZF | AF | PF)));
            }
}

// ROL and ROR keep SF ZF AF PF and take them from compute_szap_flags, not from the whole
// compute_arith_flags: the two must agree on those four for every pending op.
TEST_CASE("the flags a rotate keeps are those compute_arith_flags gives", "[x86][flags]") {
    const uint32_t values[] = {0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
                               0xFFFFFFFF, 0x12345678, 0x0F0F0F0F, 0xDEADBEEF};
    unsigned checked = 0;
    for (LazyOp op : {LazyOp::kAdd, LazyOp::kAdc, LazyOp::kSub, LazyOp::kSbb, LazyOp::kLogic, LazyOp::kInc,
                      LazyOp::kDec})
        for (unsigned size : {1u, 2u, 4u})
            for (uint32_t a : values)
                for (uint32_t b : values)
                    for (uint32_t cin : {0u, 1u}) {
                        ArithFlags f{};
                        // The result as the op leaves it (set_lazy stores what its flags need).
                        uint32_t res = op == LazyOp::kAdd || op == LazyOp::kAdc || op == LazyOp::kInc ? a + b + cin
                                       : op == LazyOp::kLogic                                       ? a & b
                                                                                                    : a - b - cin;
                        set_lazy(f, op, size, res & size_mask(size), a, b, cin);
                        INFO("op " << int(op) << " size " << size << " a " << a << " b " << b);
                        REQUIRE(compute_szap_flags(f) == (compute_arith_flags(f) & (SF | ZF | AF | PF)));
                        ++checked;
                    }
    for (uint32_t eager : {0u, uint32_t(ARITH_FLAGS), uint32_t(CF | ZF), uint32_t(SF | AF | OF), uint32_t(PF)}) {
        ArithFlags f{};
        set_eager(f, eager);
        CHECK(compute_szap_flags(f) == (eager & (SF | ZF | AF | PF)));
    }
    CHECK(checked == 7 * 3 * 14 * 14 * 2);
}
