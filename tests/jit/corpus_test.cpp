// Every corpus ROM (corpus/x86/*.asm) under both engines: the same port 0xE9 output, the same
// final state, and no difference in lockstep. The ROMs are assembled here, from the sources:
// one that does not assemble (someone editing it) is skipped with a warning.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "machines/pc.h"
#include "tests/jit/jit_test_support.h"

namespace trapeze::test {
namespace {

namespace fs = std::filesystem;

struct Rom {
    std::string name, path;
};

std::vector<Rom> corpus_roms() {
    std::vector<Rom> out;
    fs::path src = fs::path(TRAPEZE_SOURCE_DIR) / "corpus" / "x86";
    fs::path dir = fs::temp_directory_path() / ("trapeze-jit-corpus-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::vector<fs::path> sources;
    if (fs::exists(src))
        for (const auto& e : fs::directory_iterator(src))
            if (e.path().extension() == ".asm") sources.push_back(e.path());
    std::sort(sources.begin(), sources.end());
    for (const fs::path& asm_file : sources) {
        std::string name = asm_file.stem().string();
        fs::path rom = dir / (name + ".rom");
        std::string cmd = std::string(TRAPEZE_NASM) + " -f bin -I" + src.string() + "/ -o " + rom.string() + " " +
                          asm_file.string() + " 2>/dev/null";
        if (std::system(cmd.c_str()) != 0) {
            WARN("corpus/x86/" << name << ".asm does not assemble: skipped");
            continue;
        }
        out.push_back({name, rom.string()});
    }
    return out;
}

struct Run {
    std::unique_ptr<machines::PcMachine> pc;
    std::unique_ptr<bt::JitEngine> jit;
    std::string out_path;
};

Run make(const Rom& rom, bool with_jit, const std::string& tag) {
    Run r;
    machines::PcConfig cfg;
    cfg.bios_path = rom.path;
    r.out_path = rom.path + "." + tag + ".out";
    cfg.debugcon = "file:" + r.out_path;
    r.pc = std::make_unique<machines::PcMachine>(cfg);
    if (with_jit) {
        bt::JitOptions o;
        o.threshold = 16;
        o.synchronous = true;
        r.jit = bt::JitEngine::create(r.pc->cpu(), o);
    }
    return r;
}

// Two executables share this file (tests/jit/CMakeLists.txt): the lockstep test runs in the
// default suite; the whole-run comparison, which repeats what lockstep checks with a final
// output comparison, is labelled `long`.
#ifdef TRAPEZE_JIT_CORPUS_OUTPUT
TEST_CASE("every corpus ROM gives the same output and state under both engines") {
    auto roms = corpus_roms();
    if (roms.empty()) WARN("no corpus ROMs found under corpus/x86");
    for (const Rom& rom : roms) {
        SECTION(rom.name) {
            Run a = make(rom, false, "interp");
            Run b = make(rom, true, "jit");
            auto ra = a.pc->run(200'000'000);
            auto rb = b.pc->run(200'000'000);
            INFO(rom.name << ": " << ra.message);
            CHECK(ra.reason == rb.reason);
            CHECK(ra.instructions == rb.instructions);
            CHECK(bt::compare_cpu_state(a.pc->cpu(), b.pc->cpu()) == "");
            CHECK(bt::compare_memory(a.pc->memory(), b.pc->memory()) == "");
            b.jit.reset();  // (before the machine)
            b.pc.reset();
            a.pc.reset();   // flush and close the outputs
            CHECK(read_binary(a.out_path) == read_binary(b.out_path));
            CHECK(!read_binary(a.out_path).empty());
        }
    }
}

#else
TEST_CASE("every corpus ROM runs in lockstep, block by block") {
    for (const Rom& rom : corpus_roms()) {
        SECTION(rom.name) {
            Run a = make(rom, false, "ls-interp");
            Run b = make(rom, true, "ls-jit");
            auto r = bt::run_lockstep(a.pc->cpu(), a.pc->memory(), b.pc->cpu(), b.pc->memory(), 200'000'000);
            INFO(rom.name << ": " << r.difference);
            CHECK_FALSE(r.diverged);
            CHECK(b.jit->stats().traces_compiled > 0);
        }
    }
}

#endif

}  // namespace
}  // namespace trapeze::test
