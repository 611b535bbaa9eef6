; loop_tlb.asm -- a loop whose stack slots' soft-TLB checks are done once, at the loop's
; entry (binary_translate/loop_tlb_checks.cpp), while another access in the same loop keeps
; evicting their entry: every other iteration it reads a page 4 MB above the stack's, whose
; soft-TLB entry is the same one (the index is the linear address's bits 12-21). The loop
; must go on reading and writing the stack slots, not the page that evicted them; and the
; outer loop touches that page right before each entry into the inner one, so that some
; entries find the stack's entry gone and check every access as before.
; Paged, so that the two pages' entries hold different addends (unpaged, every RAM page's
; addend is the same: the host address of RAM).
%include "common.inc"

PD       equ 0x100000
PT0      equ 0x101000        ; 0-4 MB identity
PT1      equ 0x102000        ; 4-8 MB: CONFLICT alone
CONFLICT equ 0x47F000        ; same soft-TLB entry as the stack's page (0x7F000)...
CONFLICT_PHYS equ 0x600000   ; ...and another physical page (a wrong addend lands in RAM)
OTHER    equ 0x300000        ; another page

start:
    IDENTITY_PT PT0, 0x003
    mov dword [PD + 0], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov dword [PT1 + 0x7F * 4], CONFLICT_PHYS | 3
    ENABLE_PAGING PD
    ; Distinct contents: the stack slots start small, the other pages hold big constants.
    mov dword [CONFLICT], 0x11111111
    mov dword [CONFLICT + 8], 0x22222222
    mov dword [OTHER], 0x33333333
    mov dword [OTHER + 8], 0x44444444
    sub esp, 16              ; ESP = 0x7FFF0: the slots are on page 0x7F000
    mov dword [esp + 4], 1
    mov dword [esp + 8], 3
    mov dword [esp + 12], 0
    xor ebx, ebx
    mov ebp, 40              ; entries into the inner loop
.outer:
    mov eax, [CONFLICT + 8]  ; evicts the stack's entry just before the inner loop
    add [esp + 12], eax
    mov edi, CONFLICT
    mov ecx, 300
.inner:
    mov eax, [esp + 4]       ; kept: the address does not change in the loop
    add eax, [esp + 8]
    rol eax, 5
    mov [esp + 4], eax
    add ebx, [edi]           ; the conflicting page on even iterations
    xor edi, CONFLICT ^ OTHER
    add dword [esp + 8], 7
    dec ecx
    jnz .inner
    dec ebp
    jnz .outer
    mov eax, [esp + 4]
    mov [RESULT + 0], eax
    mov eax, [esp + 8]
    mov [RESULT + 4], eax
    mov eax, [esp + 12]
    mov [RESULT + 8], eax
    mov [RESULT + 12], ebx
    cli
    hlt
