; cold.asm -- a hot loop with a rare case: every 64th iteration runs a side block. A trace
; formed at the loop's head leaves that block out: it has run far less often than the head.
%include "common.inc"

start:
    mov ecx, 20000
    xor eax, eax
    xor edx, edx
.loop:
    add eax, ecx
    test ecx, 63
    jnz .common
    add edx, 1              ; the rare block (it runs on into .common)
    xor eax, 0x55
.common:
    dec ecx
    jnz .loop
    mov [RESULT + 0], eax
    mov [RESULT + 4], edx
    cli
    hlt
