; a20.asm -- hot code whose physical address changes under it: the A20 gate (port 0x92,
; bit 1, as on the PC; the test attaches it). The loop runs at linear 0x111000; with A20
; masked that is physical 0x011000, where the original of the page is, and the copy at
; 0x111000 differs only in its immediates. Every 256th iteration the loop flips the gate
; with an OUT in the middle of a block: the instruction after the OUT is already fetched
; through the new mask (the CPU ends the block at the OUT, X86Cpu::bump_epoch), and so is
; the rest of the loop. A compiled trace must leave there too, not go on to its next block.
%include "common.inc"

HIGH    equ 0x100000

start:
    mov esi, loop_page                  ; the page, 1 MB higher
    mov edi, loop_page + HIGH
    mov ecx, 1024
    cld
    rep movsd
    mov dword [loop_page.add_edx + 2 + HIGH], 100
    mov dword [loop_page.add_esi + 2 + HIGH], 700
    jmp 0x08:loop_page + HIGH

align 4096
loop_page:
    mov ecx, 3000
    xor edx, edx
    xor esi, esi
    mov ebx, 2                          ; port 0x92: A20 enabled
.loop:
.add_edx:
    add edx, strict dword 1             ; 100 in the copy
    test ecx, 255
    jnz .same
    xor bl, 2
    mov al, bl
    out 0x92, al
.add_esi:
    add esi, strict dword 7             ; 700 in the copy
.same:
    dec ecx
    jnz .loop
    mov [RESULT + 0], edx
    mov [RESULT + 4], esi
    cli
    hlt
