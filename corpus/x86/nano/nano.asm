; nano/nano.asm -- the nanobenchmarks of Adams & Agesen (ASPLOS 2006) as bare-metal guests,
; for benches/virt-nano.sh: one operation repeated N times in 32-bit protected mode with
; paging on (an identity map of the first 4 MB), the guest kernel in ring 0.
;
;   nasm -f bin -I corpus/x86/ -DBENCH=<name> -DN=<iterations> -o nano-<name>.rom nano.asm
;
; BENCH    the loop body (ECX counts down from N)
; empty    nothing: the baseline (DEC ECX; JNZ), subtracted from the others
; syscall  INT 0x80 from ring 3 through a DPL-3 interrupt gate; the ring-0 handler counts
;          and IRETs (the i386 Linux system call)
; in       IN AL,0x80 in ring 0 (the POST/delay port, which reads back the last value written)
; cr3wr    MOV CR3 reload of the same page directory (flushes the TLB)
; callret  near CALL to a RET in ring 0: innocuous, the control
; pgfault  a read of a not-present page: the #PF handler checks CR2, sets P and INVLPGs, the
;          read is restarted; then the loop clears P again and INVLPGs
; divzero  DIV by zero; the #DE handler counts and skips the 2-byte DIV
; ptemod   toggle a PTE between two frames, INVLPG, read through the mapping
;
; Output (port 0xE9): one line with the counts and checksums, then DONE and cli; hlt. It is
; the same on the bare machine and under the monitor (--virt=off and --virt=bt): the
; benchmark is also a check of the monitor. Any exception the benchmark does not expect
; goes to the library stub, which prints it and halts without DONE.
%include "lib/lib.inc"

%ifndef BENCH
%define BENCH empty
%endif
%ifndef N
%define N 100000
%endif
%defstr BENCH_NAME BENCH

PD      equ 0x100000            ; page directory
PT0     equ 0x101000            ; 0-4 MB identity, user RW
PT1     equ 0x102000            ; 4-8 MB: the benchmarks' pages
PF_LIN  equ 0x400000            ; pgfault: not present at first, frame 400000
MOD_LIN equ 0x401000            ; ptemod: frame 500000 or 501000
FRAME_A equ 0x500000
FRAME_B equ 0x501000
PTE_PF  equ PT1 + ((PF_LIN >> 12) & 0x3FF) * 4
PTE_MOD equ PT1 + ((MOD_LIN >> 12) & 0x3FF) * 4
COUNT   equ TMP0                ; handler invocations
SUM     equ TMP0 + 4

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    ; paging: PT0 identity-maps 0-4 MB (code, stacks, tables; user RW so ring 3 runs too)
    mov edi, PD
    xor eax, eax
    mov ecx, 0x3000 / 4
    rep stosd
    mov edi, PT0
    mov eax, 0x007
    mov ecx, 1024
.pt0:
    stosd
    add eax, 0x1000
    loop .pt0
    mov dword [PD], PT0 | 0x007
    mov dword [PD + 4], PT1 | 0x007
    mov dword [PTE_PF], PF_LIN | 0x006          ; not present
    mov dword [PTE_MOD], FRAME_A | 0x007
    mov dword [PF_LIN], 0x11111111
    mov dword [FRAME_A], 0x22222222
    mov dword [FRAME_B], 0x33333333
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    mov dword [COUNT], 0
    mov dword [SUM], 0
    SETGATE 0x00, de_handler, SEL_CODE32, GATE_INT32
    SETGATE 0x0E, pf_handler, SEL_CODE32, GATE_INT32
    SETGATE 0x80, sys_handler, SEL_CODE32, GATE_INT32_U
    mov al, 0x5A
    out 0x80, al
    xor eax, eax
    xor ebx, ebx
    xor edx, edx
    xor esi, esi
    mov edi, PD
    mov ecx, N

%ifidn BENCH, empty
.l: dec ecx
    jnz .l
%elifidn BENCH, syscall
    TO_RING3 r3_loop
r3_loop:
.l: int 0x80
    dec ecx
    jnz .l
    TO_RING0 done
%elifidn BENCH, in
.l: in al, 0x80
    add ebx, eax
    dec ecx
    jnz .l
%elifidn BENCH, cr3wr
.l: mov cr3, edi
    dec ecx
    jnz .l
%elifidn BENCH, callret
.l: call near_ret
    dec ecx
    jnz .l
%elifidn BENCH, pgfault
.l: mov eax, [PF_LIN]                           ; #PF: the handler maps the page
    add ebx, eax
    and dword [PTE_PF], ~1                      ; unmap it again
    invlpg [PF_LIN]
    dec ecx
    jnz .l
%elifidn BENCH, divzero
    mov eax, 1
.l: div esi                                     ; ESI = 0: #DE, the handler skips it
    dec ecx
    jnz .l
%elifidn BENCH, ptemod
.l: xor dword [PTE_MOD], FRAME_A ^ FRAME_B      ; the other frame
    invlpg [MOD_LIN]
    add ebx, [MOD_LIN]
    dec ecx
    jnz .l
%else
%error unknown BENCH
%endif

done:
    mov [SUM], ebx
    PUTS "nano ", BENCH_NAME, ": n="
    PHEX32 N
    PUTS " count="
    PHEX32 [COUNT]
    PUTS " sum="
    PHEX32 [SUM]
    PUTS " eax="
    PHEX32 eax
    PUTS " edx="
    PHEX32 edx
    PUTS " ecx="
    PHEX32 ecx
    mov eax, cr3
    PUTS " cr3="
    PHEX32 eax
    PUTS " pte-pf="
    PHEX32 [PTE_PF]
    PUTS " pte-mod="
    PHEX32 [PTE_MOD]
    PUTS " cr2="
    mov eax, cr2
    PHEX32 eax
    PNL
    DONE

near_ret:
    ret

; INT 0x80 from ring 3 (DPL-3 interrupt gate): count and return
sys_handler:
    inc dword [ss:COUNT]
    iretd

; #DE: count, skip the 2-byte DIV
de_handler:
    inc dword [ss:COUNT]
    add dword [esp], 2
    iretd

; #PF: the not-present PF_LIN page is mapped; anything else is unexpected (library stub)
pf_handler:
    push eax
    mov eax, cr2
    cmp eax, PF_LIN
    jne .bad
    test dword [esp + 4], 1                     ; error code: P=0 (not present) expected
    jnz .bad
    or dword [ss:PTE_PF], 1
    invlpg [PF_LIN]
    inc dword [ss:COUNT]
    pop eax
    add esp, 4
    iretd
.bad:
    pop eax
    jmp lib_pm_stub_14

%include "lib/end.inc"
