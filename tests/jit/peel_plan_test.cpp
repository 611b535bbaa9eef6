// peel_plan (binary_translate/peel_plan.h): which blocks of a looping trace are compiled a
// second time so that each loop is entered at one header.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "binary_translate/peel_plan.h"
#include "isa/x86/cpu_model.h"
#include "isa/x86/decoder.h"

namespace trapeze::test {
namespace {

// A block of 32-bit code at eip, decoded as the interpreter decodes it.
bt::TraceBlock block(uint32_t eip, std::vector<uint8_t> bytes) {
    static const x86::Decoder dec(x86::default_model());
    bt::TraceBlock b{eip, {}, {}, {}};
    for (size_t at = 0; at < bytes.size();) {
        x86::DecodedInsn in;
        REQUIRE(dec.decode(bytes.data() + at, bytes.size() - at, true, in) == x86::DecodeStatus::kOk);
        b.insns.push_back(in);
        at += in.len;
    }
    return b;
}

TEST_CASE("a loop through the trace's entry block: the side entries' path to it is copied") {
    bt::TraceRequest r;
    r.loops = true;
    r.blocks.push_back(block(0x1000, {0x40, 0x49, 0x75, 0xfc}));  // .head: inc eax; dec ecx; jnz .head
    r.blocks.push_back(block(0x1004, {0x43, 0xeb, 0x09}));        // .tail: inc ebx; jmp .mid
    r.blocks.push_back(block(0x1010, {0x46, 0xeb, 0xed}));        // .mid: inc esi; jmp .head
    const bt::PeelPlan plan = bt::peel_plan(r);
    CHECK(plan.cycle == std::vector<int>{0, 0, 0});
    REQUIRE(plan.header.size() == 1);
    CHECK(plan.header[0] == 0);
    CHECK(plan.copied == std::vector<bool>{false, true, true});
    CHECK_FALSE(plan.to_copy(0, false, 1));  // the original loop stays in the originals
    CHECK_FALSE(plan.to_copy(1, false, 2));
    CHECK(plan.to_copy(1, true, 2));         // a copy goes on in the copies...
    CHECK_FALSE(plan.to_copy(2, true, 0));   // ...until the header
}

TEST_CASE("a loop after the trace's entry block: its header is where the entry block goes in") {
    bt::TraceRequest r;
    r.loops = true;
    r.blocks.push_back(block(0x2000, {0xb8, 1, 0, 0, 0, 0xeb, 0x09}));  // mov eax, 1; jmp .l1
    r.blocks.push_back(block(0x2010, {0x40, 0xeb, 0x0d}));              // .l1: inc eax; jmp .l2
    r.blocks.push_back(block(0x2020, {0x49, 0x75, 0xed}));              // .l2: dec ecx; jnz .l1
    const bt::PeelPlan plan = bt::peel_plan(r);
    CHECK(plan.cycle == std::vector<int>{-1, 0, 0});
    REQUIRE(plan.header.size() == 1);
    CHECK(plan.header[0] == 1);
    CHECK(plan.copied == std::vector<bool>{false, false, true});  // .l2, a side entry
    CHECK_FALSE(plan.to_copy(0, false, 1));
    CHECK_FALSE(plan.to_copy(1, false, 2));
}

TEST_CASE("a loop's header is the block that leaves the fewest instructions to copy, not the entry block") {
    // As busybox's sha256 rounds: the trace formed at the loop's short tail; its long head is
    // also entered from the function's prologue. With the entry block as the header, the
    // head (six instructions) would be copied; with the head as the header, the tail (two).
    bt::TraceRequest r;
    r.loops = true;
    r.blocks.push_back(block(0x3000, {0x43, 0xeb, 0x0d}));                    // .tail: inc ebx; jmp .head
    r.blocks.push_back(block(0x3010, {0x40, 0x40, 0x40, 0x40, 0x49, 0x75, 0xe9}));  // .head: 4x inc eax; dec ecx; jnz .tail
    const bt::PeelPlan plan = bt::peel_plan(r);
    CHECK(plan.cycle == std::vector<int>{0, 0});
    REQUIRE(plan.header.size() == 1);
    CHECK(plan.header[0] == 1);
    CHECK(plan.copied == std::vector<bool>{true, false});  // the entry block, entered from the run loop
    CHECK_FALSE(plan.to_copy(0, true, 1));  // the copy of the tail goes on into the original head
    CHECK_FALSE(plan.to_copy(1, false, 0)); // and the loop stays in the originals
}

TEST_CASE("a return goes back to the block after the trace's call, so a loop through a callee is seen") {
    bt::TraceRequest r;
    r.loops = true;
    r.blocks.push_back(block(0x3000, {0x49, 0xe8, 0xfa, 0x0f, 0x00, 0x00}));  // dec ecx; call 0x4000
    r.blocks.push_back(block(0x4000, {0x8b, 0x1c, 0x24, 0xc3}));              // mov ebx, [esp]; ret
    r.blocks.push_back(block(0x3006, {0x85, 0xc9, 0x75, 0xf6}));              // test ecx, ecx; jnz 0x3000
    const bt::PeelPlan plan = bt::peel_plan(r);
    CHECK(plan.cycle == std::vector<int>{0, 0, 0});
    CHECK(plan.header[0] == 0);
    CHECK(plan.copied == std::vector<bool>{false, true, true});
}

TEST_CASE("after an indirect transfer the trace goes on only to the blocks it was seen going to") {
    bt::TraceRequest r;
    r.loops = true;
    r.blocks.push_back(block(0x1000, {0x40, 0xff, 0xe3}));  // inc eax; jmp ebx
    r.blocks.push_back(block(0x1010, {0x43, 0xeb, 0xed}));  // .a: inc ebx; jmp 0x1000
    r.blocks.push_back(block(0x1020, {0x46, 0xc3}));        // .b: inc esi; ret
    CHECK(bt::ends_indirect(r.blocks[0].insns.back()));
    CHECK_FALSE(bt::ends_indirect(r.blocks[1].insns.back()));
    CHECK(bt::ends_indirect(r.blocks[2].insns.back()));
    // Seen going to .a only: .b is no successor, so the one cycle is the entry and .a.
    r.blocks[0].seen_targets = {0x1010};
    CHECK(bt::trace_successors(r, 0) == std::vector<size_t>{1});
    CHECK(bt::trace_successors(r, 1) == std::vector<size_t>{0});
    CHECK(bt::trace_successors(r, 2).empty());  // a return, and no call in the trace
    bt::PeelPlan plan = bt::peel_plan(r);
    CHECK(plan.cycle == std::vector<int>{0, 0, -1});
    CHECK(plan.copied == std::vector<bool>{false, true, false});
    // Seen going to both: .b leaves the trace (its return), so still off the cycle.
    r.blocks[0].seen_targets = {0x1010, 0x1020};
    CHECK(bt::trace_successors(r, 0) == std::vector<size_t>{1, 2});
    plan = bt::peel_plan(r);
    CHECK(plan.cycle == std::vector<int>{0, 0, -1});
}

TEST_CASE("a trace without a cycle copies nothing") {
    bt::TraceRequest r;
    r.blocks.push_back(block(0x1000, {0x40, 0xeb, 0x0e}));  // inc eax; jmp 0x1011
    r.blocks.push_back(block(0x1011, {0x43, 0xc3}));        // inc ebx; ret (no call in the trace)
    const bt::PeelPlan plan = bt::peel_plan(r);
    CHECK(plan.cycle == std::vector<int>{-1, -1});
    CHECK(plan.header.empty());
    CHECK(plan.copied == std::vector<bool>{false, false});
}

}  // namespace
}  // namespace trapeze::test
