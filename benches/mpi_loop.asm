; mpi_loop.asm -- the Debian guest's hottest boot loop as a bare-metal guest (benches/jit-mpi-loop.sh).
; The Linux guest of benches/linux-cpu.sh spends about 3.15 billion of its 9.5 billion guest
; instructions, between the console lines "evm: HMAC attrs" and "clk: Disabling unused
; clocks", in a multiprecision multiply-accumulate of 16-bit halves (the kernel's generic C
; for 32x32->64 on i386), compiled by gcc with the operands in the stack frame: 47
; instructions an iteration, 12 of them loads (10 through EBP) and 3 stores. The loop below is
; that code as the guest runs it (0xc54a8b50-0xc54a8bcd in 6.1.0-57-686), around fixed
; arrays. 64 KB ROM, starts at F000:FFF0 in real mode, switches to flat 32-bit protected
; mode, runs ITER times 256 iterations, prints a checksum on port 0xE9 and resets the
; machine through the keyboard controller (run with -no-reboot, trapeze and QEMU alike).
%ifndef ITER
%define ITER 2000000
%endif
%include "flat32_rom.inc"

FLAT32_ENTRY
    mov ebp, 0x80000
    ; the source array (256 words below 0x20000) from a linear congruential generator
    mov eax, 12345
    mov ecx, 256
    mov edi, 0x20000 - 1024
.fill:
    imul eax, eax, 1103515245
    add eax, 12345
    mov [edi], eax
    add edi, 4
    dec ecx
    jnz .fill
    mov dword [ebp-0x28], 0x20000      ; source, indexed by a negative counter
    mov dword [ebp-0x24], 0x30000      ; destination base
    mov dword [ebp-0x1C], 0            ; destination offset
    mov dword [ebp-0x20], 0x1234       ; multiplier, low half
    mov dword [ebp-0x18], 0x5678       ; multiplier, high half
    mov dword [ebp-0x14], 0
    xor esi, esi
    mov edx, ITER
.outer:
    push edx
    mov dword [ebp-0x10], -256
.loop:
    mov ecx, [ebp-0x10]
    mov eax, [ebp-0x28]
    mov ebx, [ebp-0x20]
    mov edi, [ebp-0x18]
    mov edx, [eax+ecx*4]
    mov eax, ebx
    movzx ecx, dx
    shr edx, 0x10
    imul eax, ecx
    imul ebx, edx
    imul ecx, edi
    imul edx, edi
    mov edi, eax
    movzx eax, ax
    shr edi, 0x10
    add ecx, ebx
    mov [ebp-0x14], edx
    mov edx, edi
    add edx, ecx
    mov ecx, [ebp-0x14]
    add ecx, 0x10000
    cmp edx, ebx
    mov edi, ecx
    mov ecx, edx
    cmovnb edi, [ebp-0x14]
    add eax, esi
    shl ecx, 0x10
    xor ebx, ebx
    add eax, ecx
    mov ecx, [ebp-0x1C]
    cmp eax, esi
    mov esi, edx
    mov edx, [ebp-0x24]
    setb bl
    shr esi, 0x10
    add edx, ecx
    mov ecx, [ebp-0x10]
    mov ecx, [edx+ecx*4]
    sub ecx, eax
    mov eax, [ebp-0x10]
    adc ebx, esi
    mov [edx+eax*4], ecx
    mov ecx, eax
    lea esi, [ebx+edi*1]
    add ecx, 0x01
    mov [ebp-0x10], ecx
    jnz .loop
    pop edx
    dec edx
    jnz .outer
    mov eax, esi
    xor eax, [0x30000 - 4]
    ; print the checksum in hex
    FLAT32_PRINT_EAX_AND_RESET

FLAT32_ROM_END
