// Guest isolation: two machines in one process share no state. Two corpus ROMs that use
// every system structure (paging, task switches) run at the same time on two threads; each
// must print exactly what Bochs printed for it alone.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "machines/pc.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

fs::path assemble(const std::string& name, const fs::path& dir) {
    fs::path src = fs::path(TRAPEZE_SOURCE_DIR) / "corpus" / "x86";
    fs::path rom = dir / (name + ".rom");
    std::string cmd = std::string(TRAPEZE_NASM) + " -f bin -I" + src.string() + "/ -o " + rom.string() + " " +
                      (src / (name + ".asm")).string();
    REQUIRE(std::system(cmd.c_str()) == 0);
    return rom;
}

}  // namespace

TEST_CASE("two machines run concurrently in one process without seeing each other", "[fuzz][isolation]") {
    fs::path dir = fs::temp_directory_path() / ("trapeze-isolation-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string names[2] = {"paging", "tasks"};
    std::string outputs[2];
    trapeze::cpu::RunResult results[2];
    std::string errors[2];
    {
        std::thread threads[2];
        for (int i = 0; i < 2; ++i) {
            fs::path rom = assemble(names[i], dir);
            // Each thread builds, runs and destroys its machine several times, so that the
            // two runs overlap however the threads are scheduled; the last output is checked,
            // and every run must end the same way.
            threads[i] = std::thread([&, i, rom] {
                try {
                    for (int round = 0; round < 8 && errors[i].empty(); ++round) {
                        trapeze::machines::PcConfig cfg;
                        cfg.bios_path = rom.string();
                        cfg.debugcon = "file:" + (dir / (names[i] + ".out")).string();
                        trapeze::machines::PcMachine pc(cfg);
                        results[i] = pc.run(500'000'000);
                        if (results[i].reason != trapeze::cpu::StopReason::kHaltedNoWake)
                            errors[i] = "round " + std::to_string(round) + ": ";
                    }
                } catch (const std::exception& e) {
                    errors[i] = e.what();
                }
            });
        }
        for (auto& t : threads) t.join();
    }
    for (int i = 0; i < 2; ++i) {
        INFO(names[i] << ": " << errors[i] << results[i].message);
        CHECK(errors[i].empty());
        CHECK(results[i].reason == trapeze::cpu::StopReason::kHaltedNoWake);
        std::string expected = slurp(fs::path(TRAPEZE_SOURCE_DIR) / "corpus" / "x86" / (names[i] + ".expected"));
        CHECK(!expected.empty());
        CHECK(slurp(dir / (names[i] + ".out")) == expected);
    }
    fs::remove_all(dir);
}
