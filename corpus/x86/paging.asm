; paging.asm -- 32-bit paging (no PAE): 4 KB pages and 4 MB pages (CR4.PSE), page faults for
; not-present PTEs and PDEs, read-only and supervisor pages at CPL 0 and CPL 3, CR0.WP,
; combined PDE/PTE protection, an instruction fetch from a supervisor page, a write that
; straddles into a not-present page (must not modify the first page), a reserved bit in a
; 4 MB PDE, the accessed and dirty bits of PTEs and PDEs after reads and writes, INVLPG and
; CR3 reloads after remapping a page.
;
; Fault lines come from the library handler: "#PF(eeee) at cs:eip cr2=linear", error code
; bits: 0 P (protection violation), 1 W, 2 U (CPL 3), 3 RSVD.
;
; Layout: page directory PD at 100000, PT0 (0-4 MB, 4 KB pages, identity, U RW) at 101000,
; special pages in PT0:
;   200000 not present        201000 user read-only   202000 supervisor RW
;   203000 supervisor RO      204000 user RW (A/D)    205000 user RW (remapped by INVLPG test)
; PD[1] 400000: 4 MB page U RW (A/D)     PD[2] 800000: not present
; PD[3] c00000: 4 MB page supervisor RO  PD[4] 1000000: PDE RO (U), PTEs RW   (PT4 102000)
; PD[5] 1400000: PDE supervisor, PTEs U  (PT5 103000)
; PD[6] 1800000: 4 MB page with reserved bit 21 set
%include "lib/lib.inc"

PD      equ 0x100000
PT0     equ 0x101000
PT4     equ 0x102000
PT5     equ 0x103000
V_SAVE  equ TMP0

%define PTE(a) (PT0 + (((a) >> 12) & 0x3FF) * 4)
%define PDE(a) (PD + ((a) >> 22) * 4)

%macro TRY 2+
    PUTS %1, ": "
    RECOVER %%f
    %2
    mov dword [ss:RECOVER_EIP], 0
    PUTS "ok", 10
%%f:
%endmacro

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "paging: protected mode", 10
    ; A20: the machine must have it enabled at reset (no keyboard controller / port 92 here)
    mov dword [0x000FF0], 0x11111111
    mov dword [0x100FF0], 0x22222222
    PUTS "a20: [0ff0]="
    PHEX32 [0x000FF0]
    PNL

    ; ---- build the tables
    mov edi, PD
    xor eax, eax
    mov ecx, 0x4000 / 4
    rep stosd                               ; PD, PT0, PT4, PT5 cleared
    mov edi, PT0
    mov eax, 0x007
    mov ecx, 1024
.pt0:
    stosd
    add eax, 0x1000
    loop .pt0
    mov dword [PTE(0x200000)], 0x200000 | 0x006     ; not present
    mov dword [PTE(0x201000)], 0x201000 | 0x005     ; user RO
    mov dword [PTE(0x202000)], 0x202000 | 0x003     ; supervisor RW
    mov dword [PTE(0x203000)], 0x203000 | 0x001     ; supervisor RO
    mov edi, PT4
    mov eax, 0x1000000 | 0x007
    mov ecx, 1024
.pt4:
    stosd
    add eax, 0x1000
    loop .pt4
    mov edi, PT5
    mov eax, 0x1400000 | 0x007
    mov ecx, 1024
.pt5:
    stosd
    add eax, 0x1000
    loop .pt5
    mov dword [PD + 0*4], PT0 | 0x007
    mov dword [PD + 1*4], 0x400000 | 0x087          ; 4 MB, U RW
    mov dword [PD + 2*4], 0x800000 | 0x086          ; not present
    mov dword [PD + 3*4], 0xC00000 | 0x081          ; 4 MB, supervisor RO
    mov dword [PD + 4*4], PT4 | 0x005               ; PDE user RO
    mov dword [PD + 5*4], PT5 | 0x003               ; PDE supervisor RW
    mov dword [PD + 6*4], 0x1800000 | 0x200000 | 0x087  ; reserved bit 21
    ; page contents
    mov dword [0x1FFFFC], 0x1F1F1F1F
    mov dword [0x201000], 0x01010101
    mov dword [0x202000], 0x02020202
    mov dword [0x203000], 0x03030303
    mov dword [0x204000], 0x04040404
    mov dword [0x205000], 0x05050505
    mov dword [0x206000], 0x06060606
    mov dword [0x400000], 0x40404040
    mov dword [0xC00000], 0xC0C0C0C0
    mov dword [0x1000000], 0x10101010
    mov dword [0x1400000], 0x14141414
    ; code for the supervisor-page fetch test: "mov eax, 0x5A5A5A5A; ret"
    mov byte [0x202100], 0xB8
    mov dword [0x202101], 0x5A5A5A5A
    mov byte [0x202105], 0xC3

    ; ---- enable paging
    mov eax, PD
    mov cr3, eax
    mov eax, cr4
    or eax, 0x10                ; PSE
    mov cr4, eax
    mov eax, cr0
    or eax, 0x80000000
    and eax, ~0x10000           ; WP = 0
    mov cr0, eax
    PUTS "paging on", 10

    PUTS "-- CPL 0, WP=0", 10
    TRY "read 200000 (PTE not present)", mov eax, [0x200000]
    TRY "write 200000 (PTE not present)", mov [0x200000], eax
    TRY "read 800000 (PDE not present)", mov eax, [0x800000]
    TRY "write 800abc (PDE not present)", mov [0x800ABC], eax
    TRY "read 201000 (user RO)", mov eax, [0x201000]
    TRY "write 201000 (user RO)", mov dword [0x201000], 0x01010102
    TRY "write 203000 (supervisor RO)", mov dword [0x203000], 0x03030304
    TRY "write c00000 (4M supervisor RO)", mov dword [0xC00000], 0xC0C0C0C1
    TRY "write 1000000 (PDE RO)", mov dword [0x1000000], 0x10101011
    TRY "read 1400000 (PDE supervisor)", mov eax, [0x1400000]
    TRY "read 1800000 (4M PDE, reserved bit)", mov eax, [0x1800000]
    TRY "write dword 1ffffe (straddles 200000)", mov dword [0x1FFFFE], 0xAAAAAAAA
    PUTS "[1ffffc] after: "
    PHEX32 [0x1FFFFC]
    PNL
    TRY "read word 1fffff (straddles)", mov ax, [0x1FFFFF]
    mov esi, 0x1FFFFC
    mov edi, 0x200000
    TRY "movsd 1ffffc -> 200000", movsd
    PUTS "esi="
    PHEX32 esi
    PUTS " edi="
    PHEX32 edi
    PNL

    PUTS "-- CPL 0, WP=1", 10
    mov eax, cr0
    or eax, 0x10000
    mov cr0, eax
    TRY "write 201000 (user RO)", mov dword [0x201000], 0x01010103
    TRY "write 203000 (supervisor RO)", mov dword [0x203000], 0x03030305
    TRY "write c00004 (4M supervisor RO)", mov dword [0xC00004], 0xC0C0C0C2
    TRY "write 1000000 (PDE RO)", mov dword [0x1000000], 0x10101012
    TRY "write 202000 (supervisor RW)", mov dword [0x202000], 0x02020203
    TRY "read 203000", mov eax, [0x203000]
    PUTS "values: "
    PHEX32 [0x201000]
    PSP
    PHEX32 [0x203000]
    PSP
    PHEX32 [0xC00000]
    PSP
    PHEX32 [0x1000000]
    PSP
    PHEX32 [0x202000]
    PNL

    PUTS "-- CPL 3", 10
    TO_RING3 ring3
ring3:
    TRY "read 202000 (supervisor)", mov eax, [0x202000]
    TRY "write 202000 (supervisor)", mov [0x202000], eax
    TRY "read 203000 (supervisor RO)", mov eax, [0x203000]
    TRY "read 201000 (user RO)", mov eax, [0x201000]
    TRY "write 201000 (user RO)", mov [0x201000], eax
    TRY "read 200000 (not present)", mov eax, [0x200000]
    TRY "write 200000 (not present)", mov [0x200000], eax
    TRY "read 800000 (PDE not present)", mov eax, [0x800000]
    TRY "read 400000 (4M user)", mov eax, [0x400000]
    TRY "write 400004 (4M user)", mov [0x400004], eax
    TRY "read c00000 (4M supervisor)", mov eax, [0xC00000]
    TRY "read 1000000 (PDE RO, PTE RW)", mov eax, [0x1000000]
    TRY "write 1000000 (PDE RO, PTE RW)", mov [0x1000000], eax
    TRY "read 1400000 (PDE supervisor, PTE user)", mov eax, [0x1400000]
    PUTS "push into 202ffc (supervisor stack page): "
    mov [ss:V_SAVE], esp
    RECOVER .psfix
    mov esp, 0x203000
    push eax
    mov dword [ss:RECOVER_EIP], 0
.psfix:
    mov ebx, esp
    mov esp, [ss:V_SAVE]
    PUTS "esp="
    PHEX32 ebx
    PNL
    mov eax, 0x11111111
    PUTS "call 202100 (fetch from supervisor page): "
    RECOVER .cfix
    call 0x202100
    mov dword [ss:RECOVER_EIP], 0
    jmp .cdone
.cfix:
    add esp, 4                  ; the CALL completed: its return address is on the stack
.cdone:
    PUTS "eax="
    PHEX32 eax
    PNL
    TO_RING0 ring0
ring0:
    mov eax, 0x11111111
    call 0x202100
    PUTS "CPL 0 call 202100: eax="
    PHEX32 eax
    PNL

    PUTS "-- accessed / dirty bits", 10
    mov eax, cr0
    and eax, ~0x10000
    mov cr0, eax
    and dword [PTE(0x204000)], ~0x60
    and dword [PD + 1*4], ~0x60
    and dword [PD + 0*4], ~0x60
    mov eax, cr3
    mov cr3, eax
    PUTS "pte 204000="
    PHEX32 [PTE(0x204000)]
    PUTS " pde 400000="
    PHEX32 [PD + 1*4]
    PNL
    mov eax, [0x204000]
    mov eax, [0x400010]
    PUTS "after read:  pte="
    PHEX32 [PTE(0x204000)]
    PUTS " pde4m="
    PHEX32 [PD + 1*4]
    PUTS " pde0&3f="
    mov eax, [PD]
    and eax, 0xFFFFFF3F             ; bit 6 of a PDE that maps a page table is ignored
    PHEX32 eax
    PNL
    mov dword [0x204008], 1
    mov dword [0x400010], 1
    PUTS "after write: pte="
    PHEX32 [PTE(0x204000)]
    PUTS " pde4m="
    PHEX32 [PD + 1*4]
    PNL
    ; clear A/D, INVLPG, write first: both A and D set by the write
    and dword [PTE(0x204000)], ~0x60
    invlpg [0x204000]
    mov dword [0x204008], 2
    PUTS "invlpg, write: pte="
    PHEX32 [PTE(0x204000)]
    PNL
    PUTS "-- INVLPG / CR3 after remapping", 10
    PUTS "205000 -> "
    PHEX32 [0x205000]
    mov dword [PTE(0x205000)], 0x206000 | 0x007
    invlpg [0x205000]
    PUTS ", remapped to 206000, invlpg -> "
    PHEX32 [0x205000]
    mov dword [PTE(0x205000)], 0x204000 | 0x007
    mov eax, cr3
    mov cr3, eax
    PUTS ", remapped to 204000, cr3 reload -> "
    PHEX32 [0x205000]
    PNL
    mov dword [PD + 1*4], 0xC00000 | 0x087          ; 4 MB page 400000 -> c00000
    invlpg [0x400000]
    PUTS "4M page 400000 remapped to c00000: "
    PHEX32 [0x400000]
    PNL

    PUTS "-- paging off", 10
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    PUTS "[205000]="
    PHEX32 [0x205000]
    PNL
    DONE

%include "lib/end.inc"
