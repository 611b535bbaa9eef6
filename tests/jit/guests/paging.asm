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
    IDENTITY_PT PT0, 0x003  ; the first 4 MB, present and writable
    mov dword [PD + 0], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov dword [PT1 + 0], CODE_A | 3
    ; the two versions of the code
    mov dword [CODE_A], 0xC301C083   ; add eax, 1 ; ret
    mov dword [CODE_B], 0xC364C083   ; add eax, 100 ; ret
    ENABLE_PAGING PD
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
