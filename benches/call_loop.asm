; call_loop.asm -- calls and returns across pages as a bare-metal guest
; (benches/jit-call-loop.sh). The Linux guest's busybox is position-independent: every
; function that reaches its data calls __x86.get_pc_thunk.bx (`mov ebx, [esp]; ret`), and its
; hot loops call small functions on other pages, so a trace often ends in a call or a
; return, each a jump to another trace (docs/jit.md, "Trace to trace", "Ninth look"). The
; loop below does that: it calls f on the next page, which calls the thunk on the page after,
; and both return; 14 guest instructions and four such transfers an iteration, ITER
; iterations. 64 KB ROM, entered at F000:FFF0 in real mode (flat32_rom.inc); prints a
; checksum on port 0xE9 and resets the machine through the keyboard controller (run with
; -no-reboot, trapeze and QEMU alike).
%ifndef ITER
%define ITER 50000000
%endif
%include "flat32_rom.inc"

FLAT32_ENTRY
    xor esi, esi
    mov edi, ITER
.loop:
    mov eax, edi
    call f
    add esi, eax
    dec edi
    jnz .loop
    mov eax, esi
    FLAT32_PRINT_EAX_AND_RESET

times 0x2000 - ($ - $$) db 0x90         ; f on the next page
f:
    push ebx
    call pc_thunk
    add ebx, 0x1234
    lea eax, [eax*2+ebx]
    xor eax, 0x55
    pop ebx
    ret

times 0x3000 - ($ - $$) db 0x90         ; the thunk on the one after
pc_thunk:
    mov ebx, [esp]
    ret

FLAT32_ROM_END
