// The semantics bitcode (see CMakeLists.txt), linked into the library as read-only data.
#ifndef TRAPEZE_SEMANTICS_BC
#error "TRAPEZE_SEMANTICS_BC: path of the linked semantics bitcode"
#endif

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl trapeze_semantics_bc\n"
        "trapeze_semantics_bc:\n"
        ".incbin \"" TRAPEZE_SEMANTICS_BC "\"\n"
        ".globl trapeze_semantics_bc_end\n"
        "trapeze_semantics_bc_end:\n"
        ".byte 0\n"
        ".previous\n");
