; int_loop.asm -- bare-metal integer loop for the interpreter benchmark (benches/run-int-loop.sh).
; 64 KB ROM, starts at F000:FFF0 in real mode, switches to flat 32-bit protected mode, runs a
; fixed amount of integer work (ALU, shifts, memory loads/stores, a call/ret, a
; data-dependent branch), prints a checksum on port 0xE9 and halts with cli; hlt.
; The same ROM runs under Bochs for the ratio.
%ifndef ITER
%define ITER 2000000
%endif
%include "flat32_rom.inc"

FLAT32_ENTRY
    mov ecx, ITER
    xor eax, eax
    mov ebx, 0x12345678
    mov esi, 0x10000
    xor edx, edx
.loop:
    add eax, ebx
    rol ebx, 3
    xor ebx, ecx
    mov [esi + edx*4], eax
    inc edx
    and edx, 0x3ff
    mov edi, [esi + edx*4]
    add eax, edi
    test eax, 1
    jz .even
    call helper
.even:
    sub ebx, eax
    shr edi, 1
    adc eax, edi
    dec ecx
    jnz .loop
    ; print the checksum in hex
    FLAT32_PRINT_EAX
    cli
    hlt

helper:
    lea eax, [eax + ebx*2 + 7]
    ret

FLAT32_ROM_END
