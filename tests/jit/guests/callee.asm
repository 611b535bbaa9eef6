; callee.asm -- a hot loop calls a PIC-style thunk on another page ("mov ebx, [esp]; ret", as
; i386 position-independent code calls __x86.get_pc_thunk.bx), which a trace takes in
; (docs/jit.md, "Callees on other pages"). Twice the loop rewrites the thunk from its own
; page: to load ESI instead, then EBX again. The stores drop the thunk's blocks but not the
; loop's trace, which must see that the bytes changed and leave rather than run the old ones.
%include "common.inc"

THUNK   equ 0x30000

start:
    mov dword [THUNK], 0xC3241C8B   ; mov ebx, [esp] ; ret
    xor eax, eax
    xor edx, edx
    mov ecx, 3000
.loop:
    xor ebx, ebx
    xor esi, esi
    call THUNK
.back:
    add eax, ebx                    ; the return address, while the thunk loads EBX
    add edx, esi                    ; or while it loads ESI
    cmp ecx, 2000
    jne .keep
    mov dword [THUNK], 0xC324348B   ; mov esi, [esp] ; ret
.keep:
    cmp ecx, 1000
    jne .next
    mov dword [THUNK], 0xC3241C8B   ; mov ebx, [esp] ; ret
.next:
    dec ecx
    jnz .loop
    mov [RESULT + 0], eax
    mov [RESULT + 4], edx
    mov dword [RESULT + 8], .back
    cli
    hlt
