; segments.asm -- traces are specialised for the flat data segments and the CPL they were
; requested with, behind an entry guard. A hot function reads and writes through DS and the
; stack: first with flat DS (its traces compiled for base 0 and no limit), then with a DS
; of base 0x1000 (the same code must now reach other addresses), flat again, and last with
; a DS of limit 0xFFFF, which its first access exceeds (#GP, recorded by the handler).
%include "common.inc"

start:
    lgdt [gdt_ptr]
    SET_GATE 13, gp_fault
    LOAD_IDT
    xor esi, esi
    mov ecx, 3000
.loop:
    cmp ecx, 2000
    jne .keep_flat
    mov ax, 0x18            ; base 0x1000
    mov ds, ax
.keep_flat:
    cmp ecx, 1000
    jne .keep_based
    mov ax, 0x10            ; flat again
    mov ds, ax
.keep_based:
    call work
    dec ecx
    jnz .loop
    mov [RESULT + 0], esi
    mov ax, 0x20            ; limit 0xFFFF
    mov ds, ax
    mov ecx, 7
    call work               ; #GP at its first access
    mov dword [RESULT + 4], 0xBAD
    cli
    hlt

; Slot (ECX & 0xFF) of the table at DATA: adds what is there to ESI, stores ECX in the
; slot's second dword, and round-trips ESI through the stack.
work:
    mov ebx, ecx
    and ebx, 0xFF
.access:
    mov eax, [DATA + ebx * 8]
    add esi, eax
    mov [DATA + ebx * 8 + 4], ecx
    push esi
    rol esi, 1
    pop esi
    add dword [DATA + ebx * 8], 3
    ret

gp_fault:
    mov eax, [esp + 4]      ; EIP pushed for the fault (after the error code)
    mov [RESULT + 4], eax
    mov dword [RESULT + 8], work.access
    cli
    hlt

IDT_PTR

GDT_BEGIN
    dw 0xFFFF, 0x1000, 0x9300, 0x00CF   ; 0x18 data, base 0x1000, 4 GB
    dw 0xFFFF, 0x0000, 0x9300, 0x0040   ; 0x20 data, base 0, limit 0xFFFF, 32-bit
GDT_END
