; smc.asm -- self-modifying code inside a hot loop: every 16th iteration the loop rewrites the
; immediate of an instruction of its own body (and so of its compiled trace).
%include "common.inc"

start:
    mov ecx, 2000
    xor eax, eax
    xor edx, edx
.loop:
.patch:
    mov ebx, 1              ; the immediate is rewritten below
    add eax, ebx
    add edx, eax
    test ecx, 15
    jnz .same
    inc dword [start.patch + 1]   ; store into this very block
.same:
    dec ecx
    jnz .loop
    mov [RESULT + 0], eax
    mov [RESULT + 4], edx
    mov ebx, [start.patch + 1]
    mov [RESULT + 8], ebx
    cli
    hlt
