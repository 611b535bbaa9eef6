; leave.asm -- memory accesses a compiled trace cannot do on its fast path, inside a hot loop:
; a dword loaded and stored across two pages in the loop's first block, and, in its last
; block, a load through ES whose limit the loop passes after 1500 iterations (#GP, recorded
; by the handler). The trace leaves before each such instruction
; (X86Cpu::leave_to_interpreter), the interpreter does it and the rest of its block, and the
; next block runs compiled again; the other accesses stay on the fast path.
%include "common.inc"

start:
    lgdt [gdt_ptr]
    SET_GATE 13, gp_fault
    LOAD_IDT
    mov ax, 0x18            ; ES: base 0, limit DATA + 4 * 1500 - 1
    mov es, ax
    xor ebx, ebx
    xor esi, esi
    xor edi, edi
    mov ecx, 3000
.loop:
    mov eax, [DATA + 0xFFE] ; bytes 0x20FFE-0x21001: two pages
    add eax, ecx
    mov [DATA + 0xFFE], eax
    test ecx, 1
    jz .even
    add ebx, 3
.even:
    mov edx, [DATA + 0x100] ; one page: the fast path
    add edx, eax
    mov [DATA + 0x100], edx
.limited:
    add esi, [es:DATA + edi * 4]  ; past the limit when EDI = 1500
    inc edi
    dec ecx
    jnz .loop
    mov dword [RESULT + 20], 0xBAD
    cli
    hlt

gp_fault:
    mov eax, [esp + 4]      ; EIP pushed for the fault (after the error code)
    mov [RESULT + 0], eax
    mov [RESULT + 4], edi
    mov [RESULT + 8], esi
    mov [RESULT + 12], ebx
    mov eax, [DATA + 0xFFE]
    mov [RESULT + 16], eax
    mov eax, [DATA + 0x100]
    mov [RESULT + 24], eax
    mov dword [RESULT + 28], start.limited
    cli
    hlt

GDT_BEGIN
    dw 0x176F, 0x0000, 0x9300, 0x0042   ; 0x18: data, base 0, limit 0x2176F, byte granular
GDT_END
IDT_PTR
