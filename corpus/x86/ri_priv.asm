; ri_priv.asm -- round trips of the privileged (and IOPL-sensitive) instructions in ring 0
; of 32-bit protected mode: the test of a trap-and-emulate monitor's emulation of them.
; virt-diverges: none
;
; Under --virt=off, --virt=trap and --virt=bt this ROM must print the same (= Bochs), and
; a lockstep diff of off against trap must find no divergence at all: after CR0.PE nothing
; sensitive-but-unprivileged runs.  So the ROM observes privileged state only through
; privileged instructions, memory and exceptions:
;   - printing uses lib/ri.inc's routines (no PUSHFD/POPFD);
;   - exceptions go to lib/ri.inc's RI_HANDLERS, which record vector, error code, EIP and
;     EFLAGS and resume with a near JMP (no IRET; the frame's CS is not printed);
;   - LGDT, LIDT and LLDT are observed by loading segments (RPL-0 selectors of DPL-0
;     segments) and taking exceptions through the new tables, not by SGDT/SIDT/SLDT;
;     LTR by the busy bits in the GDT and #GP on a busy TSS, not by STR;
;   - CLI/STI through the EFLAGS image in an exception frame, not by PUSHFD.
;
; Covered: CR0 at reset, MOV CR0 (write, read back), CLTS, LMSW (cannot clear PE); MOV CR2,
; CR3 (PWT/PCD kept), CR4; MOV DR0-DR3, DR7 (bit 10 reads as 1); LGDT (a segment from the
; new table, its limit, the old table back); LIDT (#UD through the new and the old IDT);
; LLDT (a segment from the LDT; a null LDTR makes TI=1 loads fault); LTR (busy bits, #GP
; on a busy TSS); STI/CLI; IN from port 0xE9 (reads e9 in Bochs and trapeze); WRMSR/RDMSR
; of SYSENTER_CS/ESP/EIP (174h-176h); INVLPG and WBINVD; paging with an identity map
; (CR0.PG, CR3, the A and D bits the CPU writes, INVLPG and a CR3 reload after remapping,
; a not-present #PF with CR2, CR0.WP).
;
; CR0 at reset is 60000010 (SDM Vol. 3 Table 9-1: CD and NW set; Bochs agrees).
%include "lib/lib.inc"
%include "lib/ri.inc"

V       equ DATA_BASE           ; results
GDT2    equ 0x6000              ; the second GDT (LGDT test)
IDT2    equ 0x5000              ; the second IDT (LIDT test)
LDT_AT  equ 0x4000              ; the LDT
TSS2    equ 0x4800              ; the second TSS (LTR test)
SEL_LDT equ 0x40
SEL_TSS2 equ 0x50
SEL_G2  equ 0x48                ; data segment in GDT2 only (base 20000)
SEL_L1  equ 0x0C                ; LDT entry 1 (TI=1, RPL 0; base 30000)
PD      equ 0x100000            ; page directory
PT0     equ 0x101000            ; identity map 0-4 MB
PT1     equ 0x102000            ; 4 MB-8 MB: test pages
LIN     equ 0x400000            ; linear address of the remapped test page
RI_ALT  equ LIBVARS+0xB0        ; set by the #UD handler of IDT2

bits 16
main:
    RI_ENTER_PM32 pm

bits 32
    RI_HANDLERS

; #UD through IDT2: mark, then the common recording stub
alt_ud:
    mov dword [ss:RI_ALT], 1
    jmp ri_stub_6

pm:
    mov eax, cr0
    mov [V], eax
    mov edi, IDT_BASE
    call ri_set_idt
    mov dword [0x20000], 0xC0DE0001
    mov dword [0x30000], 0xC0DE0002
    mov dword [0x21000], 0xC0DE0003
    mov dword [0x22000], 0xC0DE0004
    mov dword [0x23000], 0xC0DE0005
    mov dword [0x24000], 0xC0DE0006
    RPUTS "ri_priv: privileged round trips in ring 0", 10

    ; ---- CR0, CLTS, LMSW ----
    RPUTS "cr0 after reset and PE: "
    RHEX32 [V]
    RNL
    RPUTS "mov cr0,0005002b -> "
    mov eax, 0x0005002B         ; AM WP NE TS MP PE (ET reads as 1, CD NW cleared)
    mov cr0, eax
    mov eax, cr0
    RHEX32 eax
    RPUTS "; clts -> "
    clts
    mov eax, cr0
    RHEX32 eax
    RPUTS "; lmsw 000e -> "
    mov ax, 0x000E              ; MP EM TS, PE=0: LMSW cannot clear PE
    lmsw ax
    mov eax, cr0
    RHEX32 eax
    RPUTS "; lmsw 0000 -> "
    xor eax, eax
    lmsw ax
    mov eax, cr0
    RHEX32 eax
    RNL
    mov eax, 0x00000031         ; NE ET PE
    mov cr0, eax

    ; ---- CR2, CR3, CR4 ----
    RPUTS "cr2: "
    mov eax, 0x12345678
    mov cr2, eax
    xor eax, eax
    mov eax, cr2
    RHEX32 eax
    RPUTS " cr3: "
    mov eax, 0x00123018         ; PCD PWT
    mov cr3, eax
    xor eax, eax
    mov eax, cr3
    RHEX32 eax
    RPUTS " cr4: "
    mov eax, 0x0000019D         ; PCE PGE PSE DE TSD VME
    mov cr4, eax
    xor eax, eax
    mov eax, cr4
    RHEX32 eax
    xor eax, eax
    mov cr4, eax
    mov eax, cr4
    RPUTS " -> "
    RHEX32 eax
    RNL

    ; ---- debug registers ----
    RPUTS "dr0-3:"
    mov eax, 0x11111111
    mov dr0, eax
    mov eax, 0x22222222
    mov dr1, eax
    mov eax, 0x33333333
    mov dr2, eax
    mov eax, 0x44444444
    mov dr3, eax
    mov eax, 0x00000300         ; LE GE, no breakpoint enabled
    mov dr7, eax
    xor eax, eax
    mov eax, dr0
    RPUTS " "
    RHEX32 eax
    mov eax, dr1
    RPUTS " "
    RHEX32 eax
    mov eax, dr2
    RPUTS " "
    RHEX32 eax
    mov eax, dr3
    RPUTS " "
    RHEX32 eax
    RPUTS " dr7: "
    mov eax, dr7
    RHEX32 eax
    xor eax, eax
    mov dr7, eax
    mov eax, dr7
    RPUTS " -> "
    RHEX32 eax
    RNL

    ; ---- LGDT ----
    ; GDT2: the first 8 descriptors of the GDT, then 0048 = data base 20000 limit ffff
    mov esi, GDT_BASE
    mov edi, GDT2
    mov ecx, 16
    rep movsd
    mov dword [GDT2 + SEL_G2], 0x0000FFFF
    mov dword [GDT2 + SEL_G2 + 4], 0x00409302
    lgdt [gdt2_ptr]
    RPUTS "lgdt 6000/004f: es=0048 reads "
    mov ax, SEL_G2
    mov es, ax
    mov eax, [es:0]
    RHEX32 eax
    RPUTS "; es=0050: "
    RI_TRY
    mov ax, 0x50
    mov es, ax
    RI_END
    mov ax, SEL_DATA32
    mov es, ax
    lgdt [lib_gdt_ptr]
    RPUTS "; back to 1000/0fff: es=0048: "
    RI_TRY
    mov ax, SEL_G2
    mov es, ax
    RI_END
    mov ax, SEL_DATA32
    mov es, ax
    RNL

    ; ---- LIDT ----
    mov edi, IDT2
    call ri_set_idt
    mov ebx, alt_ud
    mov [IDT2 + 6*8], bx
    shr ebx, 16
    mov [IDT2 + 6*8 + 6], bx
    mov dword [RI_ALT], 0
    lidt [idt2_ptr]
    RPUTS "lidt 5000/00ff: ud2: "
    RI_TRY
ud_1:
    ud2
    RI_END
    RPUTS " via the new idt="
    RHEX8 [RI_ALT]
    RPUTS " eip ok="
    cmp dword [RI_EIP], ud_1
    sete al
    RHEX8 al
    mov dword [RI_ALT], 0
    lidt [lib_idt_ptr]
    RPUTS "; lidt 2000/07ff: ud2: "
    RI_TRY
    ud2
    RI_END
    RPUTS " via the new idt="
    RHEX8 [RI_ALT]
    RNL

    ; ---- LLDT ----
    mov dword [LDT_AT], 0
    mov dword [LDT_AT+4], 0
    mov dword [LDT_AT+8], 0x0000FFFF        ; base 30000 limit ffff, data DPL 0, accessed
    mov dword [LDT_AT+12], 0x00409303
    mov dword [LDT_AT+16], 0
    mov dword [LDT_AT+20], 0
    SETDESC SEL_LDT, LDT_AT, 0x17, 0x82, 0x0
    mov ax, SEL_LDT
    lldt ax
    RPUTS "lldt 0040: fs=000c reads "
    mov ax, SEL_L1
    mov fs, ax
    mov eax, [fs:0]
    RHEX32 eax
    mov ax, SEL_DATA32
    mov fs, ax
    xor eax, eax
    lldt ax
    RPUTS "; lldt 0000: fs=000c: "
    RI_TRY
    mov ax, SEL_L1
    mov fs, ax
    RI_END
    mov ax, SEL_DATA32
    mov fs, ax
    RNL

    ; ---- LTR ----
    mov edi, TSS2
    mov ecx, 0x68 / 4
    xor eax, eax
    rep stosd
    SETDESC SEL_TSS2, TSS2, 0x67, ACC_TSS32, 0x0
    RPUTS "ltr: access bytes 0038="
    RHEX8 [GDT_BASE + SEL_TSS + 5]
    RPUTS " 0050="
    RHEX8 [GDT_BASE + SEL_TSS2 + 5]
    mov ax, SEL_TSS2
    ltr ax
    RPUTS "; ltr 0050 -> 0038="
    RHEX8 [GDT_BASE + SEL_TSS + 5]
    RPUTS " 0050="
    RHEX8 [GDT_BASE + SEL_TSS2 + 5]
    RPUTS "; ltr 0050 again: "
    RI_TRY
    mov ax, SEL_TSS2
    ltr ax
    RI_END
    RPUTS "; ltr 0038: "
    RI_TRY
    mov ax, SEL_TSS
    ltr ax
    RI_END
    RNL

    ; ---- STI / CLI, seen in the EFLAGS of an exception frame ----
    RPUTS "sti; ud2: "
    sti
    RI_TRY
    ud2                         ; the interrupt gate clears IF again
    RI_END
    mov eax, [RI_EFL]
    and eax, 0x3202
    RPUTS " frame eflags&3202="
    RHEX16 ax
    RPUTS "; cli; ud2: "
    cli
    RI_TRY
    ud2
    RI_END
    mov eax, [RI_EFL]
    and eax, 0x3202
    RPUTS " frame eflags&3202="
    RHEX16 ax
    RNL

    ; ---- IN / OUT ----
    RPUTS "in al,e9: "
    mov eax, 0x12345678
    in al, 0xE9
    RHEX32 eax
    RPUTS " (every byte of this output is an OUT to e9)", 10

    ; ---- MSRs ----
    RPUTS "wrmsr/rdmsr 174-176:"
    mov ecx, 0x174
    mov eax, SEL_CODE32
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, PM_STACK
    wrmsr
    mov ecx, 0x176
    mov eax, 0x000F1234
    wrmsr
    mov esi, 0x174
.msr:
    mov ecx, esi
    mov eax, 0xA5A5A5A5
    mov edx, eax
    rdmsr
    RPUTS " "
    RHEX32 edx
    RPUTS ":"
    RHEX32 eax
    inc esi
    cmp esi, 0x177
    jb .msr
    RNL

    ; ---- INVLPG, WBINVD (no visible effect with paging off) ----
    RPUTS "invlpg [0], wbinvd: "
    RI_TRY
    invlpg [0]
    wbinvd
    RI_END
    RNL

    ; ---- paging ----
    mov edi, PD
    mov ecx, 3 * 1024
    xor eax, eax
    rep stosd                   ; PD, PT0, PT1 cleared
    mov edi, PT0
    mov eax, 0x003              ; present, writable, supervisor
.pt0:
    stosd
    add eax, 0x1000
    cmp edi, PT0 + 4096
    jb .pt0
    mov dword [PT1], 0x21003            ; 400000 -> 21000
    mov dword [PT1 + 4], 0x24001        ; 401000 -> 24000, read-only
    mov dword [PD], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    RPUTS "paging on: cr0="
    mov eax, cr0
    RHEX32 eax
    RPUTS " cr3="
    mov eax, cr3
    RHEX32 eax
    RNL
    RPUTS "read 400000: "
    mov eax, [LIN]
    RHEX32 eax
    RPUTS " pde="
    RHEX32 [PD + 4]
    RPUTS " pte="
    RHEX32 [PT1]
    mov dword [LIN + 4], 0x12345678
    RPUTS "; after a write pte="
    RHEX32 [PT1]
    RNL
    mov dword [PT1], 0x22003
    invlpg [LIN]
    RPUTS "remap to 22000, invlpg: "
    mov eax, [LIN]
    RHEX32 eax
    mov dword [PT1], 0x23003
    mov eax, cr3
    mov cr3, eax
    RPUTS "; remap to 23000, cr3 reload: "
    mov eax, [LIN]
    RHEX32 eax
    RNL
    RPUTS "read 800000 (pde not present): "
    RI_TRY
    mov eax, [0x800000]
    RI_END
    RPUTS " cr2="
    mov eax, cr2
    RHEX32 eax
    RNL
    RPUTS "write read-only 401000, wp=0: "
    RI_TRY
    mov dword [LIN + 0x1000], 0x11111111
    RI_END
    RPUTS ", reads "
    RHEX32 [LIN + 0x1000]
    mov eax, cr0
    or eax, 0x00010000
    mov cr0, eax
    RPUTS "; wp=1: "
    RI_TRY
    mov dword [LIN + 0x1000], 0x22222222
    RI_END
    RPUTS " cr2="
    mov eax, cr2
    RHEX32 eax
    RPUTS ", reads "
    RHEX32 [LIN + 0x1000]
    RNL
    RDONE

gdt2_ptr:
    dw 0x4F
    dd GDT2
idt2_ptr:
    dw 0xFF
    dd IDT2

%include "lib/end.inc"
