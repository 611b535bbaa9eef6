#include "binary_translate/host_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace trapeze::bt {

namespace {

// Load bias of the main program (PIE): the first object dl_iterate_phdr reports.
uint64_t main_program_bias() {
    uint64_t bias = 0;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
            *static_cast<uint64_t*>(data) = info->dlpi_addr;
            return 1;  // stop after the first (the executable)
        },
        &bias);
    return bias;
}

}  // namespace

const HostSymbols& HostSymbols::get() {
    // Never destroyed: the backend thread may still resolve names while the process runs
    // its exit handlers (a static here could be destroyed before the backend is joined).
    static const HostSymbols* table = new HostSymbols();
    return *table;
}

HostSymbols::HostSymbols() {
    int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    void* map = MAP_FAILED;
    if (::fstat(fd, &st) == 0 && st.st_size > 0)
        map = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return;
    parse(static_cast<const char*>(map), size_t(st.st_size));
    ::munmap(map, size_t(st.st_size));
}

void HostSymbols::parse(const char* file, size_t size) {
    if (size < sizeof(Elf64_Ehdr)) return;
    Elf64_Ehdr eh;
    std::memcpy(&eh, file, sizeof eh);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return;
    if (eh.e_shoff == 0 || eh.e_shoff + uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr) > size) return;
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    std::memcpy(sh.data(), file + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
    const uint64_t bias = eh.e_type == ET_DYN ? main_program_bias() : 0;
    for (const Elf64_Shdr& s : sh) {
        if (s.sh_type != SHT_SYMTAB || s.sh_link >= sh.size()) continue;
        const Elf64_Shdr& strs = sh[s.sh_link];
        if (s.sh_offset + s.sh_size > size || strs.sh_offset + strs.sh_size > size) return;
        strings_.assign(file + strs.sh_offset, file + strs.sh_offset + strs.sh_size);
        strings_.push_back('\0');
        size_t n = s.sh_size / sizeof(Elf64_Sym);
        by_name_.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            Elf64_Sym sym;
            std::memcpy(&sym, file + s.sh_offset + i * sizeof(Elf64_Sym), sizeof sym);
            unsigned type = ELF64_ST_TYPE(sym.st_info);
            if (sym.st_shndx == SHN_UNDEF || sym.st_name >= strs.sh_size) continue;
            if (type != STT_FUNC && type != STT_OBJECT) continue;  // (TLS has no address)
            std::string_view name(strings_.data() + sym.st_name);
            if (name.empty()) continue;
            uint64_t addr = sym.st_value + (sym.st_shndx == SHN_ABS ? 0 : bias);
            auto [it, fresh] = by_name_.emplace(name, addr);
            if (!fresh && it->second != addr) it->second = 0;  // two definitions: ambiguous
            if (type == STT_FUNC) by_addr_.emplace(addr, name);
        }
        loaded_ = true;
        break;
    }
}

uint64_t HostSymbols::lookup(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? 0 : it->second;
}

std::vector<std::string_view> HostSymbols::names_at(uint64_t addr) const {
    std::vector<std::string_view> out;
    auto [lo, hi] = by_addr_.equal_range(addr);
    for (auto it = lo; it != hi; ++it) out.push_back(it->second);
    return out;
}

}  // namespace trapeze::bt
