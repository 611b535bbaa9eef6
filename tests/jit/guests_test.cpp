// Interpreter and JIT side by side on the guests of tests/jit/guests.
#include "tests/jit/jit_test_support.h"

namespace trapeze::test {
namespace {

TEST_CASE("mix: the JIT agrees with the interpreter at every block boundary") {
    bt::JitStats st = lockstep_guest("mix", 1);
    CHECK(st.traces_compiled > 0);
    CHECK(st.entries > 0);
    CHECK(st.handlers_called == 0);  // every handler came from the semantics bitcode
}

TEST_CASE("mix: long quanta stay in compiled code and still agree") {
    bt::JitStats st = lockstep_guest("mix", 10007);
    CHECK(st.chain_hits > 100);
}

TEST_CASE("the engine counts the instructions compiled code and the interpreter executed") {
    GuestMachine m(guest("mix"), true);
    auto r = m.cpu().run(50'000'000);
    REQUIRE(r.reason == cpu::StopReason::kHaltedNoWake);
    bt::JitStats st = m.jit->stats();
    // Every instruction the guest executed, by one engine or the other (it never halted
    // before its final HLT, which ends the run).
    CHECK(st.insns_compiled_code + st.insns_interpreted == m.cpu().instructions());
    // Compiled from a block's second execution on: the hot loops ran as traces.
    CHECK(st.insns_compiled_code > 9 * st.insns_interpreted);
    GuestMachine interp(guest("mix"), false);
    interp.cpu().run(50'000'000);
    CHECK(interp.cpu().native_instructions() == 0);
    CHECK(m.cpu().instructions() == interp.cpu().instructions());
}

TEST_CASE("mix: background compilation with the default threshold gives the same result") {
    auto code = guest("mix");
    GuestMachine interp(code, false), jit(code, true, bt::JitOptions{});
    auto a = interp.cpu().run(50'000'000);
    auto b = jit.cpu().run(50'000'000);
    CHECK(a.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(b.reason == a.reason);
    CHECK(bt::compare_cpu_state(interp.cpu(), jit.cpu()) == "");
    CHECK(bt::compare_memory(interp.bench.mem, jit.bench.mem) == "");
    for (unsigned i = 0; i < 4; ++i) CHECK(interp.result(i) == jit.result(i));
}

TEST_CASE("self-modifying code inside a hot loop") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) {
        bt::JitStats st = lockstep_guest("smc", quantum);
        CHECK(st.traces_compiled > 1);    // recompiled after the rewrites
        CHECK(st.invalidations > 0);      // and the old code dropped
    }
    GuestMachine m(guest("smc"), true);
    m.cpu().run(10'000'000);
    CHECK(m.result(2) == 126);  // the immediate was rewritten 125 times
}

TEST_CASE("a page-table change remaps hot code") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("paging", quantum);
    GuestMachine m(guest("paging"), true);
    m.cpu().run(10'000'000);
    CHECK(m.result(0) == 2000 * 1 + 1000 * 100);
    CHECK(m.jit->stats().traces_compiled > 0);
    // The function at the remapped address is a callee on another page that the loop's
    // trace takes in: the INVLPG and the CR3 load drop the soft-TLB entry its check reads.
    CHECK(m.jit->stats().callees_inlined > 0);
}

TEST_CASE("a trace takes in a callee on another page and checks its bytes before it runs it") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) {
        bt::JitStats st = lockstep_guest("callee", quantum);
        // (Quanta of one instruction run blocks one by one, so traces are formed in pieces.)
        if (quantum > 1) CHECK(st.callees_inlined > 0);
    }
    for (bool jit : {false, true}) {
        GuestMachine m(guest("callee"), jit);
        auto r = m.cpu().run(10'000'000);
        CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
        // 2000 of the 3000 iterations with the thunk loading EBX (the return address), 1000
        // with ESI.
        const uint32_t back = m.result(2);
        CHECK(m.result(0) == 2000 * back);
        CHECK(m.result(1) == 1000 * back);
        if (!jit) continue;
        bt::JitStats st = m.jit->stats();
        INFO(bt::format_stats(st));
        CHECK(st.callees_inlined > 0);
        CHECK(st.insns_compiled_code > 9 * st.insns_interpreted);
        // The loop's trace runs the thunk itself while its bytes are those it was compiled
        // with (2000 iterations: no jump); while they are not (1000), it jumps to the
        // thunk's own trace, which jumps back.
        CHECK(st.trace_jumps >= 2 * 990);
        CHECK(st.trace_jumps <= 2 * 1000 + 10);
    }
    // Without callees taken in, every iteration jumps to the thunk's trace and back.
    bt::JitOptions o = eager_jit();
    o.max_callees = 0;
    GuestMachine apart(guest("callee"), true, o);
    apart.cpu().run(10'000'000);
    CHECK(apart.result(0) == 2000 * apart.result(2));
    CHECK(apart.jit->stats().callees_inlined == 0);
    CHECK(apart.jit->stats().trace_jumps >= 2 * 2990);
}

// Port 0x92's A20 bit, as the PC's system control port A drives it.
struct A20Gate final : cpu::PortDevice {
    explicit A20Gate(x86::X86Cpu& c) : cpu(c) {}
    uint32_t port_read(uint16_t, unsigned) override { return value; }
    void port_write(uint16_t, unsigned, uint32_t v) override {
        value = uint8_t(v);
        cpu.set_a20(value & 2);
    }
    x86::X86Cpu& cpu;
    uint8_t value = 2;
};

TEST_CASE("the A20 gate remaps hot code in the middle of a trace") {
    auto code = guest("a20");
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) {
        GuestMachine interp(code, false), jit(code, true);
        A20Gate gate_i(interp.cpu()), gate_j(jit.cpu());
        interp.bench.ports.add(0x92, 1, &gate_i);
        jit.bench.ports.add(0x92, 1, &gate_j);
        bt::LockstepOptions lo;
        lo.quantum = quantum;
        auto r = bt::run_lockstep(interp.cpu(), interp.bench.mem, jit.cpu(), jit.bench.mem, 10'000'000, lo);
        INFO(r.difference);
        CHECK_FALSE(r.diverged);
        CHECK(r.reference.reason == cpu::StopReason::kHaltedNoWake);
        CHECK(jit.jit->stats().traces_compiled > 0);
    }
    GuestMachine m(code, true);
    A20Gate gate(m.cpu());
    m.bench.ports.add(0x92, 1, &gate);
    m.cpu().run(10'000'000);
    // 3000 iterations adding 100 (the copy, A20 on) or 1 (the original, A20 masked) to EDX,
    // the gate flipped after each of the 11 with ECX a multiple of 256; the ADD right after
    // each OUT adds 700 or 7, fetched through the new mask.
    CHECK(m.result(0) == 148035);
    CHECK(m.result(1) == 3542);
}

// Port 0xE4 of stop_port.asm: asks the CPU to stop when the guest writes 1000 there.
struct StopPort final : cpu::PortDevice {
    explicit StopPort(x86::X86Cpu& c) : cpu(c) {}
    uint32_t port_read(uint16_t, unsigned) override { return 0; }
    void port_write(uint16_t, unsigned, uint32_t v) override {
        if (v == 1000) cpu.request_stop(cpu::StopReason::kPowerOff, "the test device powered off");
    }
    x86::X86Cpu& cpu;
};

// A stop requested inside compiled code (request_stop sets end_block) ends the run after that
// instruction, as it does in the interpreter: the trace must leave end_block set for the run
// loop, which would otherwise chain on to the next block.
TEST_CASE("a device's stop request inside a compiled trace ends the run there") {
    auto code = guest("stop_port");
    GuestMachine interp(code, false), jit(code, true);
    StopPort port_i(interp.cpu()), port_j(jit.cpu());
    interp.bench.ports.add(0xE4, 4, &port_i);
    jit.bench.ports.add(0xE4, 4, &port_j);
    auto a = interp.cpu().run(10'000'000);
    auto b = jit.cpu().run(10'000'000);
    CHECK(a.reason == cpu::StopReason::kPowerOff);
    CHECK(b.reason == a.reason);
    CHECK(jit.cpu().s.gpr[x86::ECX] == 1000);  // stopped in the iteration that wrote 1000
    CHECK(interp.cpu().s.gpr[x86::ECX] == 1000);
    CHECK(jit.cpu().s.eip == interp.cpu().s.eip);  // after the OUT
    CHECK(b.instructions == a.instructions);
    CHECK(bt::compare_cpu_state(interp.cpu(), jit.cpu()) == "");
    CHECK(jit.jit->stats().insns_compiled_code > 10'000);  // the loop ran compiled
}

TEST_CASE("a trace leaves out a successor that ran far less often than its entry") {
    auto code = guest("cold");
    GuestMachine ref(code, false);
    ref.cpu().run(10'000'000);
    CHECK(ref.result(1) == 20000 / 64);
    // Requested at the loop head's 512th run, when the rare block has run 8 times (and
    // so never gets hot itself: 312 runs in all).
    for (unsigned ratio : {8u, 1'000'000'000u}) {
        bt::JitOptions o = eager_jit();
        o.threshold = 512;
        o.cold_ratio = ratio;
        GuestMachine m(code, true, o);
        m.cpu().run(10'000'000);
        bt::JitStats st = m.jit->stats();
        INFO("cold_ratio " << ratio);
        CHECK(st.traces_compiled == 1);
        // The head and .common; with every successor kept, the rare block too.
        CHECK(st.blocks_translated == (ratio == 8 ? 2u : 3u));
        CHECK(m.result(0) == ref.result(0));
        CHECK(m.result(1) == ref.result(1));
    }
}

TEST_CASE("a trace leaves out the successors that have code of their own when it is compiled") {
    auto code = guest("nested");
    GuestMachine ref(code, false);
    ref.cpu().run(10'000'000);
    bt::JitOptions o = eager_jit();
    o.threshold = 512;
    GuestMachine m(code, true, o);
    auto r = m.cpu().run(10'000'000);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(m.result(0) == ref.result(0));
    CHECK(m.result(1) == 0);
    CHECK(bt::compare_cpu_state(ref.cpu(), m.cpu()) == "");
    bt::JitStats st = m.jit->stats();
    // The inner loop's body first, alone (the tail and the outer block have run 15 times
    // less often: cold_ratio), at the body's 512th run; then the tail's, at its own 512th
    // run: the tail and the outer block, without the body, which has code by then. (Compiled
    // again, it would make four blocks.)
    CHECK(st.traces_compiled == 2);
    CHECK(st.blocks_translated == 3);
    CHECK(st.trace_jumps > 1000);  // from the outer loop's trace to the inner loop's, and back
    lockstep_guest("nested", 1);
}

TEST_CASE("a loop entered at a block other than its trace's entry runs a copy made for that entry") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("side_entry", quantum);
    auto code = guest("side_entry");
    GuestMachine ref(code, false);
    ref.cpu().run(10'000'000);
    bt::JitOptions o = eager_jit();
    o.threshold = 512;  // (at .head's 512th run the other two blocks have run often enough to be taken in)
    GuestMachine m(code, true, o);
    auto r = m.cpu().run(10'000'000);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    for (unsigned i = 0; i < 4; ++i) CHECK(m.result(i) == ref.result(i));
    CHECK(m.result(3) == 0);
    CHECK(bt::compare_cpu_state(ref.cpu(), m.cpu()) == "");
    bt::JitStats st = m.jit->stats();
    // Two traces: .head with .tail and .mid, both of which are side entries on the loop
    // through .head, so compiled twice (without the copies LLVM sees a loop with three
    // entries, and hoists nothing out of it); and the calling loop's two blocks, which jump
    // to the first at .mid (they have no loop of their own to peel).
    CHECK(st.traces_compiled == 2);
    CHECK(st.blocks_translated == 5);
    CHECK(st.blocks_peeled == 2);
    // Entered at .mid once a call, most of them by a jump from the calling loop's trace.
    CHECK(st.trace_jumps >= 2000);
    CHECK(st.insns_compiled_code > 20 * st.insns_interpreted);
}

TEST_CASE("a loop's stack slots checked once at its entry stay the stack's while another access evicts their entry") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("loop_tlb", quantum);
    auto code = guest("loop_tlb");
    GuestMachine ref(code, false);
    REQUIRE(ref.cpu().run(10'000'000).reason == cpu::StopReason::kHaltedNoWake);
    // The slots' values, computed here: the loop read them from the conflicting page (its
    // dwords are 0x11111111 and 0x22222222) if it kept their entry's address but not its addend.
    uint32_t slot4 = 1, slot8 = 3, slot12 = 0, sum = 0;
    for (int outer = 0; outer < 40; ++outer) {
        slot12 += 0x22222222;
        for (int inner = 0; inner < 300; ++inner) {
            uint32_t v = slot4 + slot8;
            slot4 = (v << 5) | (v >> 27);
            sum += inner % 2 ? 0x33333333 : 0x11111111;
            slot8 += 7;
        }
    }
    CHECK(ref.result(0) == slot4);
    CHECK(ref.result(1) == slot8);
    CHECK(ref.result(2) == slot12);
    CHECK(ref.result(3) == sum);
    GuestMachine m(code, true);
    REQUIRE(m.cpu().run(10'000'000).reason == cpu::StopReason::kHaltedNoWake);
    for (unsigned i = 0; i < 4; ++i) CHECK(m.result(i) == ref.result(i));
    CHECK(bt::compare_cpu_state(ref.cpu(), m.cpu()) == "");
    CHECK(bt::compare_memory(ref.bench.mem, m.bench.mem) == "");
    bt::JitStats st = m.jit->stats();
    // The inner loop's five accesses to its three slots (the read-modify-write of [esp + 8]
    // is two), and the outer loop's RMW of [esp + 12] when the trace holds both loops.
    CHECK(st.loop_tlb_checks >= 5);
    CHECK(st.insns_compiled_code > 20 * st.insns_interpreted);
}

TEST_CASE("traces compiled without the execution counts run the same and count nothing") {
    auto code = guest("nested");
    GuestMachine ref(code, false);
    ref.cpu().run(10'000'000);
    bt::JitStats counted, plain;
    for (bool count : {true, false}) {
        bt::JitOptions o = eager_jit();
        o.threshold = 512;
        o.count_execution = count;
        GuestMachine m(code, true, o);
        auto r = m.cpu().run(10'000'000);
        CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
        CHECK(m.result(0) == ref.result(0));
        CHECK(bt::compare_cpu_state(ref.cpu(), m.cpu()) == "");
        CHECK(bt::compare_memory(ref.bench.mem, m.bench.mem) == "");
        (count ? counted : plain) = m.jit->stats();
    }
    // The same traces, run as long, either way (the instruction split is counted by the run
    // loop, not by the traces)...
    CHECK(plain.traces_compiled == counted.traces_compiled);
    CHECK(plain.insns_compiled_code == counted.insns_compiled_code);
    CHECK(plain.insns_compiled_code > 100'000);
    // ...but only the counting ones count their entries, chain hits and jumps.
    CHECK(counted.execution_counted);
    CHECK(counted.entries > 1000);
    CHECK(counted.chain_hits > 1000);
    CHECK(counted.trace_jumps > 1000);
    CHECK_FALSE(plain.execution_counted);
    CHECK(plain.entries == 0);
    CHECK(plain.chain_hits == 0);
    CHECK(plain.trace_jumps == 0);
    CHECK(plain.trace_jumps_trusted == 0);
    CHECK(bt::format_stats(plain).find("not counted") != std::string::npos);
    CHECK(bt::format_stats(counted).find("not counted") == std::string::npos);
}

TEST_CASE("a trace that keeps the lazy flags in registers hands them over when it leaves") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("leave_flags", quantum);
    HaltedPair both(guest("leave_flags"));
    auto& [interp, m] = both;
    CHECK(interp.result(0) > 1000);  // the ADD carried in about half the 5000 iterations
    CHECK(interp.result(0) < 4000);
    CHECK(interp.result(4) == 1500);  // the odd counts of the SAHF loop
    for (unsigned i = 0; i < 5; ++i) CHECK(m.result(i) == interp.result(i));
    CHECK(bt::compare_cpu_state(interp.cpu(), m.cpu()) == "");
    bt::JitStats st = m.jit->stats();
    CHECK(st.traces_compiled > 0);
    CHECK(st.traces_failed == 0);
    CHECK(st.leaves > 6000);  // the straddling load, once an iteration after the traces were in
    CHECK(st.insns_compiled_code > 4000);  // the ADD of each iteration, in the trace
}

TEST_CASE("a looping trace entered where it reads the flags makes them canonical there") {
    bt::JitStats st;
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) st = lockstep_guest("entry_flags", quantum);
    // The loop's trace makes the flags canonical at its entry into the DEC's block (its other
    // entries set the flags before they read them), and its DEC's carry compiles to the two
    // ops that reach it there: the canonical form's and the CMP's.
    CHECK(st.traces_failed == 0);
    CHECK(st.canonical_entries > 0);
    CHECK(st.cases_pruned > 0);
    HaltedPair both(guest("entry_flags"));
    auto& [interp, m] = both;
    CHECK(m.result(0) == interp.result(0));
    CHECK(m.result(1) == interp.result(1));
    CHECK(bt::compare_cpu_state(interp.cpu(), m.cpu()) == "");
    CHECK(m.jit->stats().insns_compiled_code > 100'000);
    CHECK(bt::format_stats(m.jit->stats()).find("made canonical on") != std::string::npos);
}

TEST_CASE("a rotate's flags are right after leaves and trace exits, with the ALU op's after it") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("rotate_flags", quantum);
    HaltedPair both(guest("rotate_flags"));
    auto& [interp, m] = both;
    CHECK(interp.result(1) > 100);  // the first rotate's OF varied over the 4000 iterations
    CHECK(interp.result(1) < 3900);
    for (unsigned i = 0; i < 5; ++i) CHECK(m.result(i) == interp.result(i));
    CHECK(bt::compare_cpu_state(interp.cpu(), m.cpu()) == "");
    bt::JitStats st = m.jit->stats();
    CHECK(st.traces_failed == 0);
    CHECK(st.leaves > 8000);  // three straddling accesses an iteration, once the traces were in
    CHECK(st.insns_compiled_code > 20'000);
}

TEST_CASE("traces specialised for flat segments are not run when DS is not flat") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("segments", quantum);
    GuestMachine m(guest("segments"), true);
    auto r = m.cpu().run(10'000'000);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    // With DS based at 0x1000 (ECX 2000..1001) the stores went 0x1000 higher: slot 233's
    // last one was ECX = 1001 (1001 & 0xFF = 233); flat again, slot 1's last was ECX = 1.
    CHECK(m.bench.peek32(0x1000 + 0x20000 + 233 * 8 + 4) == 1001);
    CHECK(m.bench.peek32(0x20000 + 1 * 8 + 4) == 1);
    CHECK(m.bench.peek32(0x20000 + 233 * 8 + 4) == 233);  // flat phases only: ECX = 233 last
    CHECK(m.result(1) == m.result(2));                    // #GP at the first access with limit 0xFFFF
    bt::JitStats st = m.jit->stats();
    CHECK(st.traces_compiled > 0);
    CHECK(st.guard_misses > 0);  // the flat traces were refused while DS was based
}

TEST_CASE("a trace compiled at CPL 0 is not run at CPL 3") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("cpl", quantum);
    GuestMachine m(guest("cpl"), true);
    auto r = m.cpu().run(10'000'000);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(m.result(0) == 3000 * 7);   // phase 1, CPL 0: probe read the supervisor page
    CHECK(m.result(1) == 0x200000);   // CR2: that page
    CHECK(m.result(2) == 5);          // present, read, user (SDM Vol. 3 §4.7)
    CHECK(m.result(3) == m.result(6));  // at probe's first instruction
    CHECK(m.result(5) == 0x1B);       // from the ring-3 code segment
    CHECK(m.result(4) == 0);          // no #GP, no return from probe
    CHECK(m.result(7) == 3000 * 7);   // the read at CPL 3 added nothing
    bt::JitStats st = m.jit->stats();
    CHECK(st.traces_compiled > 0);
    CHECK(st.guard_misses > 0);  // probe's trace, refused at CPL 3
}

TEST_CASE("traces specialised for a 32-bit stack and a CS limit are not run with others") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("stack_cs", quantum);
    GuestMachine m(guest("stack_cs"), true);
    auto r = m.cpu().run(10'000'000);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    // On the 16-bit stack (SP 0x8000, ESP's high half 0x0007) `call mix`, after `call work`
    // and two pushes, pushed its return address at SS:0x7FF0, and the phase ended with ESP
    // balanced at 0x78000 (with ESP as the stack pointer those would have gone to 0x77FF0).
    CHECK(m.bench.peek32(0x7FF0) == m.result(4));
    CHECK(m.result(3) == 0x78000);
    CHECK(m.bench.peek32(0x20000 + 16) == 0x80000 - 20);  // mix's ESP, the 32-bit stack again
    CHECK(m.result(1) == m.result(2));  // #GP at the branch past the CS limit
    bt::JitStats st = m.jit->stats();
    CHECK(st.traces_compiled > 0);
    CHECK(st.guard_misses > 0);
}

TEST_CASE("traces jump to one another and one whose guard refuses hands back to the run loop") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("chain", quantum);
    GuestMachine m(guest("chain"), true);
    auto r = m.cpu().run(10'000'000);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    // Both loops count ECX down to 1; the based loop's stores went 0x1000 higher. Each
    // slot's last store is the lowest ECX that maps to it: slot 1's is 1, slot 200's 200.
    CHECK(m.bench.peek32(0x20000 + 1 * 4) == 1);
    CHECK(m.bench.peek32(0x1000 + 0x20000 + 1 * 4) == 1);
    CHECK(m.bench.peek32(0x1000 + 0x20000 + 200 * 4) == 200);
    CHECK(m.bench.peek32(0x20000 + 200 * 4) == 200);
    bt::JitStats st = m.jit->stats();
    CHECK(st.trace_jumps > 1000);  // the flat loop and the function, both ways
    // ... skipping the callee's guard (its TraceJump::spec is the caller's key), but for the
    // based loop's jumps to the flat function, whose key differs:
    CHECK(st.trace_jumps_trusted > 1000);
    CHECK(st.trace_jumps_trusted < st.trace_jumps);
    CHECK(st.guard_misses > 0);    // the flat function's trace, jumped to from the based loop
}

// Raises IRQ 0 (vector 0x20) every `period` instructions of the CPU it watches. Polled: the
// CPU asks it between blocks, so compiled traces leave at every block boundary with IF set.
struct PolledIrq : x86::InterruptSource {
    x86::X86Cpu& cpu;
    uint64_t period, next;
    PolledIrq(x86::X86Cpu& c, uint64_t p) : cpu(c), period(p), next(p) { cpu.set_interrupt_source(this); }
    bool interrupt_pending() override { return cpu.instructions() >= next; }
    uint8_t acknowledge_interrupt() override {
        next = cpu.instructions() + period;
        return 0x20;
    }
};

// Runs an interrupt guest (irq.asm's conventions: RESULT+4 counts the interrupts, RESULT+8
// sums the EIPs they hit) on both engines in lockstep, each CPU with the interrupt source
// `attach` gives it, and checks that the two agree throughout and took the same interrupts
// at the same places. Returns the JIT machine's interrupt count and statistics.
template <class Attach>
std::pair<uint32_t, bt::JitStats> lockstep_with_interrupts(const std::string& name, uint64_t quantum, Attach attach) {
    auto code = guest(name);
    GuestMachine interp(code, false), jit(code, true);
    auto ia = attach(interp), ib = attach(jit);
    bt::LockstepOptions lo;
    lo.quantum = quantum;
    auto r = bt::run_lockstep(interp.cpu(), interp.bench.mem, jit.cpu(), jit.bench.mem, 10'000'000, lo);
    INFO(r.difference);
    INFO(r.reference.message);
    CHECK_FALSE(r.diverged);
    CHECK(r.reference.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(jit.result(1) == interp.result(1));
    CHECK(jit.result(2) == interp.result(2));  // at the same places
    bt::JitStats st = jit.jit->stats();
    CHECK(st.entries > jit.result(1));         // the loop was re-entered after each one
    return {jit.result(1), st};
}

TEST_CASE("interrupts from a polled source are taken where the interpreter takes them") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{1'000'000}}) {
        auto [taken, st] = lockstep_with_interrupts("irq", quantum, [](GuestMachine& m) {
            return std::make_unique<PolledIrq>(m.cpu(), 997);
        });
        CHECK(taken > 50);
    }
}

// The same source as a device drives it (the PC's PIT and PIC work this way): the machine runs
// the CPU up to the instruction at which the request comes, raises INTR, and INTA lowers it.
// Compiled traces test the pin between blocks and stay in compiled code while it is low.
struct DrivenIrq : x86::InterruptSource {
    x86::X86Cpu& cpu;
    uint64_t period, next;
    DrivenIrq(x86::X86Cpu& c, uint64_t p) : cpu(c), period(p), next(p) { cpu.set_interrupt_source(this, true); }
    bool interrupt_pending() override { return cpu.instructions() >= next; }
    uint8_t acknowledge_interrupt() override {
        next = cpu.instructions() + period;
        cpu.set_intr(false);
        cpu.request_stop(cpu::StopReason::kYield, "");  // the next event moved: end the slice
        return 0x20;
    }
    // Runs up to n instructions, no further than the next request.
    cpu::RunResult run(uint64_t n) {
        const uint64_t now = cpu.instructions();
        cpu::RunResult r = cpu.run(next > now ? std::min(n, next - now) : n);
        if (cpu.instructions() >= next) cpu.set_intr(true);
        return r;
    }
};

TEST_CASE("interrupts arriving in a long hot loop are taken where the interpreter takes them") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{1'000'000}}) {
        auto code = guest("irq");
        GuestMachine interp(code, false), jit(code, true);
        DrivenIrq ia(interp.cpu(), 997), ib(jit.cpu(), 997);
        cpu::RunResult ra, rb;
        std::string difference;
        for (int steps = 0; steps < 1'000'000 && difference.empty(); ++steps) {
            ra = ia.run(quantum);
            rb = ib.run(quantum);
            difference = bt::compare_cpu_state(interp.cpu(), jit.cpu());
            auto more = [](const cpu::RunResult& r) {
                return r.reason == cpu::StopReason::kInsnLimit || r.reason == cpu::StopReason::kYield;
            };
            if (!more(ra) || !more(rb)) break;
        }
        INFO(difference);
        INFO(ra.message);
        CHECK(difference == "");
        CHECK(bt::compare_memory(interp.bench.mem, jit.bench.mem) == "");
        CHECK(ra.reason == cpu::StopReason::kHaltedNoWake);
        CHECK(rb.reason == ra.reason);
        CHECK(jit.result(1) > 50);            // interrupts taken
        CHECK(jit.result(1) == interp.result(1));
        CHECK(jit.result(2) == interp.result(2));  // at the same places
        bt::JitStats st = jit.jit->stats();
        CHECK(st.entries > jit.result(1));    // the loop was re-entered after each one
        if (quantum > 1) CHECK(st.chain_hits > 1000);  // and ran chained between them
    }
}

// A device on port 0xE0 that asserts INTR (vector 0x20) during every `period`-th write to
// it, from inside the guest's OUT, and lowers it at the INTA cycle: the pin rises in the
// middle of a block, while the CPU runs, not between two runs.
struct PortRaisedIrq : x86::InterruptSource, cpu::PortDevice {
    x86::X86Cpu& cpu;
    unsigned period, writes = 0;
    PortRaisedIrq(x86::X86Cpu& c, cpu::PortBus& ports, unsigned p) : cpu(c), period(p) {
        cpu.set_interrupt_source(this, true);
        ports.add(0xE0, 1, this);
    }
    bool interrupt_pending() override { return true; }
    uint8_t acknowledge_interrupt() override {
        cpu.set_intr(false);
        return 0x20;
    }
    uint32_t port_read(uint16_t, unsigned) override { return 0xFF; }
    void port_write(uint16_t, unsigned, uint32_t) override {
        if (++writes % period == 0) cpu.set_intr(true);
    }
};

TEST_CASE("an interrupt a port write raises inside a hot loop is taken where the interpreter takes it") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{1'000'000}}) {
        auto [taken, st] = lockstep_with_interrupts("irq_port", quantum, [](GuestMachine& m) {
            return std::make_unique<PortRaisedIrq>(m.cpu(), m.bench.ports, 97);
        });
        CHECK(taken == 20000 / 97);  // every one taken
        if (quantum > 1) CHECK(st.chain_hits > 1000);  // and ran chained between them
    }
}

TEST_CASE("a fault inside a compiled trace is precise") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{1'000'000}}) lockstep_guest("fault", quantum);
    GuestMachine m(guest("fault"), true);
    auto r = m.cpu().run(10'000'000);
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    CHECK(m.result(0) == m.result(4));  // EIP of the DIV
    CHECK(m.result(1) == 500);          // the INC before it in the faulting iteration: done
    CHECK(m.result(2) == 499);          // the INC after it: not
    CHECK(m.result(3) == 0);
    bt::JitStats st = m.jit->stats();
    CHECK(st.traces_compiled > 0);
    CHECK(st.chain_hits > 400);         // the loop ran compiled until the fault
}

TEST_CASE("accesses a trace cannot do on its fast path leave it for the interpreter") {
    for (uint64_t quantum : {uint64_t{1}, uint64_t{100'000}}) lockstep_guest("leave", quantum);
    HaltedPair both(guest("leave"));
    auto& [interp, m] = both;
    CHECK(m.result(0) == m.result(7));  // the #GP at the load past ES's limit, precisely
    CHECK(m.result(1) == 1500);         // in the iteration that reached it
    CHECK(m.result(5) == 0);            // (the loop did not run on past it)
    for (unsigned i = 0; i < 8; ++i) CHECK(m.result(i) == interp.result(i));
    CHECK(m.cpu().instructions() == interp.cpu().instructions());
    bt::JitStats st = m.jit->stats();
    CHECK(st.traces_compiled > 0);
    CHECK(st.leaves > 1400);            // the straddling load, once an iteration, and the #GP
    CHECK(st.insns_compiled_code > st.insns_interpreted / 2);  // the rest ran compiled
}

TEST_CASE("the trace engine can be detached and its code is dropped") {
    GuestMachine m(guest("mix"), true);
    m.cpu().run(200'000);
    bt::JitStats before = m.jit->stats();
    REQUIRE(before.traces_compiled > 0);
    m.cpu().set_trace_engine(nullptr);  // flushes the block cache: every block and its code
    CHECK(m.jit->stats().invalidations >= before.entry_blocks);
    auto r = m.cpu().run(50'000'000);   // and the interpreter carries on alone
    CHECK(r.reason == cpu::StopReason::kHaltedNoWake);
    GuestMachine ref(guest("mix"), false);
    ref.cpu().run(50'000'000);
    for (unsigned i = 0; i < 4; ++i) CHECK(m.result(i) == ref.result(i));
}

TEST_CASE("lockstep reports a difference") {
    auto code = guest("mix");
    GuestMachine a(code, false), b(code, true);
    b.cpu().s.dr[0] = 0x1234;  // the guest never touches DR0
    auto r = bt::run_lockstep(a.cpu(), a.bench.mem, b.cpu(), b.bench.mem, 1'000'000);
    CHECK(r.diverged);
    CHECK_THAT(r.difference, Catch::Contains("DR0"));
    GuestMachine c(code, false), d(code, true);
    d.bench.ram[0x70000] = 1;  // memory the guest never touches
    r = bt::run_lockstep(c.cpu(), c.bench.mem, d.cpu(), d.bench.mem, 1'000'000);
    CHECK(r.diverged);
    CHECK_THAT(r.difference, Catch::Contains("0x70000"));
}

TEST_CASE("statistics format") {
    bt::JitStats s;
    s.traces_compiled = 2;
    s.insns_translated = 30;
    s.insns_compiled_code = 750;
    s.insns_interpreted = 250;
    s.leaves = 7;
    std::string text = bt::format_stats(s);
    CHECK_THAT(text, Catch::Contains("7 left before an access"));
    CHECK_THAT(text, Catch::Contains("2 compiled"));
    CHECK_THAT(text, Catch::Contains("15.0 per trace"));
    CHECK_THAT(text, Catch::Contains("750 in compiled code (75.0%), 250 interpreted"));
}

}  // namespace
}  // namespace trapeze::test
