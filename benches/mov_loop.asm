; mov_loop.asm -- the interpreter's floor (benches/interp-floor.sh): a loop of 100 register
; moves (`mov eax, ebx`, no memory, no flags) and its DEC/JNZ, ITER times. What a guest
; instruction costs the interpreter when its handler does almost nothing is its dispatch
; (next EIP, the indirect call, EIP and the count committed, end_block tested). 64 KB ROM,
; flat 32-bit protected mode (flat32_rom.inc); prints EAX on port 0xE9 and resets the
; machine through the keyboard controller (run with -no-reboot, trapeze and QEMU alike).
%ifndef ITER
%define ITER 1000000
%endif
%include "flat32_rom.inc"

FLAT32_ENTRY
    mov ecx, ITER
    mov ebx, 0x600DF00D
    xor eax, eax
.loop:
%rep 100
    mov eax, ebx
%endrep
    dec ecx
    jnz .loop
    FLAT32_PRINT_EAX_AND_RESET

FLAT32_ROM_END
