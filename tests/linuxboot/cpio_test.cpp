// The initramfs writer: cpio "newc" layout, round trip through our reader and through GNU
// cpio when it is installed, gzip round trip.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "corpus/linux/cpio_newc.h"

using namespace trapeze::corpus;

namespace {

std::vector<uint8_t> bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

std::vector<uint8_t> sample() {
    CpioWriter w;
    w.add_dir("/bin", 0755);
    w.add_file("/bin/busybox", 0755, bytes("ELF-ish contents of odd length"));
    w.add_symlink("/bin/sh", "busybox");
    w.add_node("/dev/console", 0600, 'c', 5, 1);
    w.add_node("dev/sda", 0660, 'b', 8, 0, 0, 6);
    w.add_file("/init", 0755, bytes("#!/bin/sh\necho hi\n"));
    w.add_file("/empty", 0644, {});
    return w.finish();
}

}  // namespace

TEST_CASE("newc header layout", "[cpio]") {
    CpioWriter w;
    w.add_file("/a", 0644, bytes("xyz"));
    auto a = w.finish();
    std::string s(a.begin(), a.end());
    // magic, ino 721, mode 0100644, uid, gid, nlink 1, mtime 0, size 3, dev 0:0, rdev 0:0,
    // namesize 2, check 0; name "a\0" padded to 112; data "xyz" padded to 116.
    CHECK(s.substr(0, 110) ==
          "070701000002D1000081A4000000000000000000000001000000000000000300000000000000000000000000000000000000020000"
          "0000");
    CHECK(s.substr(110, 2) == std::string("a\0", 2));
    CHECK(s.substr(112, 4) == std::string("xyz\0", 4));
    CHECK(s.substr(116, 6) == "070701");
    CHECK(a.size() % 4 == 0);
    CHECK(s.find("TRAILER!!!") == 116 + 110);
}

TEST_CASE("newc round trip", "[cpio]") {
    auto a = sample();
    auto e = read_cpio_newc(a);
    REQUIRE(e.size() == 7);
    CHECK(e[0].name == "bin");
    CHECK(e[0].mode == (kModeDir | 0755));
    CHECK(e[1].name == "bin/busybox");
    CHECK(std::string(e[1].data.begin(), e[1].data.end()) == "ELF-ish contents of odd length");
    CHECK(e[2].mode == (kModeLink | 0777));
    CHECK(std::string(e[2].data.begin(), e[2].data.end()) == "busybox");
    CHECK(e[3].name == "dev/console");
    CHECK(e[3].mode == (kModeChr | 0600));
    CHECK((e[3].rdev_major == 5 && e[3].rdev_minor == 1));
    CHECK(e[4].mode == (kModeBlk | 0660));
    CHECK(e[4].gid == 6);
    CHECK(e[6].name == "empty");
    CHECK(e[6].data.empty());
}

TEST_CASE("malformed archives are errors, not crashes", "[cpio]") {
    auto a = sample();
    for (size_t n = 0; n < a.size(); n += 3) {
        std::vector<uint8_t> t(a.begin(), a.begin() + long(n));
        CHECK_THROWS_AS(read_cpio_newc(t), std::runtime_error);
    }
    auto bad = a;
    bad[0] = 'X';
    CHECK_THROWS_AS(read_cpio_newc(bad), std::runtime_error);
    CHECK_THROWS_AS(CpioWriter().add_node("x", 0, 'q', 1, 1), std::runtime_error);
    CHECK_THROWS_AS(CpioWriter().add_dir("/", 0755), std::runtime_error);
}

TEST_CASE("gzip round trip and reproducibility", "[cpio]") {
    auto a = sample();
    auto z = gzip_compress(a);
    REQUIRE(z.size() > 18);
    CHECK((z[0] == 0x1F && z[1] == 0x8B));
    CHECK((z[4] == 0 && z[5] == 0 && z[6] == 0 && z[7] == 0));  // mtime 0
    CHECK(gzip_decompress(z) == a);
    CHECK(gzip_compress(a) == z);
    z.resize(z.size() / 2);
    CHECK_THROWS_AS(gzip_decompress(z), std::runtime_error);
}

TEST_CASE("GNU cpio lists the archive", "[cpio]") {
    if (std::system("command -v cpio >/dev/null 2>&1") != 0) {
        WARN("cpio is not installed; skipped (scripts/setup-debian.sh installs it)");
        return;
    }
    auto path = std::filesystem::temp_directory_path() / fmt::format("trapeze-cpio-{}.cpio", ::getpid());
    auto a = sample();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite(a.data(), 1, a.size(), f);
    std::fclose(f);
    std::string cmd = fmt::format("cpio -t --quiet < '{}' 2>&1", path.string());
    std::FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    int rc = pclose(p);
    std::filesystem::remove(path);
    CHECK(rc == 0);
    CHECK(out == "bin\nbin/busybox\nbin/sh\ndev/console\ndev/sda\ninit\nempty\n");
}
