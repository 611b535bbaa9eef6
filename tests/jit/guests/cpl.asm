; cpl.asm -- a function compiled at CPL 0, then called at CPL 3. `probe` reads a page that
; only the supervisor may read (its PTE has U/S = 0). Called 3000 times at CPL 0 it becomes
; hot and is compiled, for CPL 0: its read goes through the supervisor's soft TLB, where the
; page is present and readable. Then the guest drops to CPL 3 (IRET through ring-3 segments)
; and calls probe once more: that read must raise #PF with error code 5 (present, read, user;
; SDM Vol. 3 §4.7), as the interpreter does. A trace entered at CPL 3 would read the page
; through the supervisor's TLB entry instead, and return. The entry guard refuses it: the
; trace was compiled for CPL 0 and for SS's attributes at CPL 0 (DPL 0); at CPL 3 both differ.
; The #PF handler records CR2, the error code and the CS and EIP of the faulting frame.
%include "common.inc"

PD       equ 0x100000
PT0      equ 0x101000       ; 0-4 MB identity, user pages except SECRET
SECRET   equ 0x200000       ; supervisor-only
TSS      equ 0x4000
USER_ESP equ 0x70000

start:
    lgdt [gdt_ptr]
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    SET_GATE 14, page_fault
    SET_GATE 13, general_protection
    LOAD_IDT
    ; The TSS: where the CPU finds the ring-0 stack when the fault at CPL 3 is delivered.
    mov dword [TSS + 4], 0x80000        ; ESP0
    mov dword [TSS + 8], 0x10           ; SS0
    mov ax, 0x28
    ltr ax
    IDENTITY_PT PT0, 0x007              ; 0-4 MB, every page user-accessible and writable...
    ; ...but SECRET: present, writable, supervisor only
    mov dword [PT0 + (SECRET >> 12) * 4], SECRET | 3
    mov dword [PD + 0], PT0 | 7
    mov dword [SECRET], 7
    ENABLE_PAGING PD
    ; Phase 1, CPL 0: probe is hot and compiled.
    xor ebx, ebx
    mov ecx, 3000
.hot:
    call probe
    dec ecx
    jnz .hot
    mov [RESULT + 0], ebx               ; 3000 * 7
    ; Phase 2: to CPL 3 (SDM Vol. 3 §6.12.1: IRET to an outer level pops SS:ESP).
    push dword 0x23                     ; SS: ring-3 data
    push dword USER_ESP
    push dword 0x002                    ; EFLAGS: IF = 0, IOPL = 0
    push dword 0x1B                     ; CS: ring-3 code
    push dword user
    iret

user:
    ; IRET to CPL 3 nulled DS and ES (their DPL 0 < CPL 3): load the ring-3 data segment,
    ; flat like the ring-0 one, so that only the privilege level differs from phase 1.
    mov ax, 0x23
    mov ds, ax
    mov es, ax
.call:
    call probe                          ; #PF inside probe
    mov dword [RESULT + 16], 0xBAD      ; never: the handler halts
    jmp .call

probe:
    mov eax, [SECRET]
    add ebx, eax
    ret

page_fault:
    mov eax, cr2
    mov [RESULT + 4], eax
    pop eax                             ; the error code
    mov [RESULT + 8], eax
    mov eax, [esp]                      ; EIP
    mov [RESULT + 12], eax
    mov eax, [esp + 4]                  ; CS
    mov [RESULT + 20], eax
    mov dword [RESULT + 24], probe
    mov [RESULT + 28], ebx              ; unchanged since phase 1
    cli
    hlt

general_protection:
    mov dword [RESULT + 16], 0x0D
    cli
    hlt

IDT_PTR

GDT_BEGIN
    dw 0xFFFF, 0x0000, 0xFB00, 0x00CF   ; 0x18 flat code, DPL 3
    dw 0xFFFF, 0x0000, 0xF300, 0x00CF   ; 0x20 flat data, DPL 3
    dw 103, TSS, 0x8900, 0x0000         ; 0x28 32-bit TSS
GDT_END
