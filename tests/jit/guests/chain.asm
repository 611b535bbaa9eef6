; chain.asm -- compiled traces jump straight to one another (X86Cpu::trace_jumps_), and a
; trace jumped to whose entry guard refuses the state hands back to the run loop there.
; A loop calls a function on another page (two traces that jump to each other) with DS
; flat; then a second loop, new code compiled while DS is based at 0x1000, calls the same
; function, whose trace was compiled for a flat DS: each of its entries from the second
; loop's trace is refused, and the interpreter must run it from where the loop left.
%include "common.inc"

start:
    lgdt [gdt_ptr]
    xor esi, esi
    mov ecx, 3000
.flat:
    call work
    dec ecx
    jnz .flat
    mov ax, 0x18            ; DS based at 0x1000 from here
    mov ds, ax
    mov ecx, 3000
.based:
    call work
    add esi, ecx
    dec ecx
    jnz .based
    mov ax, 0x10
    mov ds, ax
    mov [RESULT + 0], esi
    cli
    hlt

align 4096                  ; its own page, so its own trace
; Slot (ECX & 0xFF) of the table at DATA: adds what is there to ESI and stores ECX there.
work:
    mov ebx, ecx
    and ebx, 0xFF
    add esi, [DATA + ebx * 4]
    mov [DATA + ebx * 4], ecx
    ret

GDT_BEGIN
    dw 0xFFFF, 0x1000, 0x9300, 0x00CF   ; 0x18 data, base 0x1000, 4 GB
GDT_END
