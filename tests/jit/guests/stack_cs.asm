; stack_cs.asm -- traces are specialised for the stack's address size (SS.B) and the CS limit
; they were requested with, behind their entry guard. A hot function pushes, pops, calls and
; returns, first on a 32-bit stack (its traces compiled for ESP), then on a 16-bit stack that
; is as flat as the first (SS.B = 0, base 0, 4 GB: the same code must use SP and leave ESP's
; high half alone), on the 32-bit stack again, and last through a code segment whose limit
; ends inside the function: its branch to `beyond` (past the limit, taken only then) must
; raise #GP where the interpreter does. Each phase differs from the one before only in what
; the entry guard checks.
%include "common.inc"

STACK16_TOP equ 0x8000       ; SP in the 16-bit phase; ESP's high half is 0x0007

start:
    lgdt [gdt_ptr]
    SET_GATE 13, gp_fault
    LOAD_IDT
    xor esi, esi
    mov ecx, 3000
.loop:
    cmp ecx, 2000
    jne .keep_32
    mov ax, 0x18            ; 16-bit stack, flat: only SS.B differs
    mov ss, ax
    mov esp, 0x70000 + STACK16_TOP
.keep_32:
    cmp ecx, 1000
    jne .keep_16
    mov [RESULT + 12], esp  ; the 16-bit phase's ESP: 0x7xxxx, high half untouched
    mov ax, 0x10            ; the 32-bit stack again
    mov ss, ax
    mov esp, 0x80000
.keep_16:
    call work
    dec ecx
    jnz .loop
    mov [RESULT + 0], esi
    mov dword [RESULT + 16], work.after_call
    jmp 0x20:.limited       ; CS limit ends before `beyond`
.limited:
    mov ecx, 0x7777
    call work               ; #GP at the branch to `beyond`
    mov dword [RESULT + 4], 0xBAD
    cli
    hlt

; Mixes ECX into ESI through the stack; branches to `beyond` when ECX is 0x7777. (Registers and
; push/pop only: with the 16-bit stack ESP is not an address in SS.)
work:
    push esi
    push ecx
    call mix
.after_call:
    pop ecx
    pop esi
    add esi, eax
    cmp ecx, 0x7777
.branch:
    je beyond
    ret

mix:
    push ebx
    mov eax, ecx
    rol eax, 3
    xor eax, esi
    mov [DATA + 16], esp    ; where the stack was (the test reads the 16-bit phase's last)
    pop ebx
    ret

gp_fault:
    mov eax, [esp + 4]      ; EIP pushed for the fault (after the error code)
    mov [RESULT + 4], eax
    mov dword [RESULT + 8], work.branch
    cli
    hlt

limit_end:                  ; the limit of selector 0x20 is limit_end - 1
LIMIT_END equ 0x10000 + (limit_end - $$)   ; (as a number: org 0x10000)
beyond:
    mov dword [RESULT + 4], 0xBEEF
    cli
    hlt

IDT_PTR

GDT_BEGIN
    dw 0xFFFF, 0x0000, 0x9300, 0x008F   ; 0x18 data, base 0, 4 GB (flat), 16-bit (B = 0)
    dw (LIMIT_END - 1) & 0xFFFF, 0x0000, 0x9B00, 0x0040 | (((LIMIT_END - 1) >> 16) & 0xF)
                                        ; 0x20 code, base 0, byte-granular limit, 32-bit
GDT_END
