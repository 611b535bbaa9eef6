; A ROM whose #UD handler is itself an invalid opcode: every delivery faults again before an
; instruction completes, so neither the instruction count nor guest time ever moves (real
; hardware spins for ever). trapeze must stop with a one-line message, not hang, even with no
; --max-insns.
bits 16
org 0
times 0xE000 db 0
start:
    cli
    mov ax, 0xF000                ; the stack in ROM: the deliveries' pushes are discarded, so
    mov ss, ax                    ; they never reach the IVT (in RAM they would wrap round
    mov sp, 0xE000                ; segment 0 and overwrite it)
    xor ax, ax
    mov ds, ax
    mov word [6 * 4], handler     ; IVT entry 6 (#UD) -> F000:handler
    mov word [6 * 4 + 2], 0xF000
    ud2
handler:
    ud2
times 0xFFF0 - ($ - $$) db 0
    jmp 0xF000:0xE000
times 0x10000 - ($ - $$) db 0
