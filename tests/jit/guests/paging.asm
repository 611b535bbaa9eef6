; paging.asm -- a page-table change that remaps hot code: linear 0x400000 is first mapped to
; a physical page holding "add eax, 1; ret", called in a hot loop; then the PTE is switched to
; a page holding "add eax, 100; ret" (with INVLPG), and later back by reloading CR3.
%include "common.inc"

PD      equ 0x100000
PT0     equ 0x101000        ; 0-4 MB identity
PT1     equ 0x102000        ; 4-8 MB: the remapped page
CODE_A  equ 0x110000
CODE_B  equ 0x111000
LIN     equ 0x400000

start:
    ; identity-map the first 4 MB
    mov edi, PT0
    mov eax, 0x003          ; present, writable
    mov ecx, 1024
.fill:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    dec ecx
    jnz .fill
    mov dword [PD + 0], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov dword [PT1 + 0], CODE_A | 3
    ; the two versions of the code
    mov dword [CODE_A], 0xC301C083   ; add eax, 1 ; ret
    mov dword [CODE_B], 0xC364C083   ; add eax, 100 ; ret
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .paged
.paged:
    xor eax, eax
    mov ecx, 3000
.loop:
    call LIN
    cmp ecx, 2000
    jne .no_switch_b
    mov dword [PT1 + 0], CODE_B | 3
    invlpg [LIN]
.no_switch_b:
    cmp ecx, 1000
    jne .no_switch_a
    mov dword [PT1 + 0], CODE_A | 3
    mov edx, cr3
    mov cr3, edx
.no_switch_a:
    dec ecx
    jnz .loop
    mov [RESULT + 0], eax
    cli
    hlt
