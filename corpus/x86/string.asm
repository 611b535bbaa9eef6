; string.asm -- MOVS/CMPS/SCAS/LODS/STOS (b/w/d): no prefix, REP, REPE, REPNE, DF=0/1,
; counts 0, 1, n, 32-bit and 16-bit address size (0x67; SI/DI/CX wrap at 64 KB and the high
; halves of ESI/EDI/ECX are kept), segment overrides on the source (the destination is always
; ES), overlapping copies, a REP STOS that faults half way (#GP on the ES limit: ECX/EDI show
; the progress, EIP the REP instruction), in 32-bit protected mode, then a shorter set in
; real mode (16-bit code).
;
; Each case prints
;   <name> esi=.. edi=.. ecx=.. eax=.. fl=....  [dst=<40 bytes at DST>]
; fl = EFLAGS & 0cd5 (DF + the six arithmetic flags: CMPS/SCAS define all six, the others
; leave them as loaded).  Buffers, reset before every case: SRC byte i = 0x41 + 3*i (64
; bytes), DST byte i = 0xC0 + i, CMPB = a copy of SRC with byte 13 inverted (CMPS compares
; SRC with CMPB); FS-based source = SRC bytes + 1.
%include "lib/lib.inc"

SRC     equ 0x20000         ; PM buffers
DST     equ 0x21000
CMPB    equ DST+0x200
SRC16   equ 0x9000          ; real-mode / 16-bit-address buffers (DS=ES=0 / flat)
DST16   equ 0xA000
CMPB16  equ DST16+0x200
SEGB    equ 0x30000         ; base of the wrap-around test segments
FL_IN   equ 0x0002          ; arithmetic flags clear
FL_INS  equ 0x08D7          ; arithmetic flags set
SEL_FS  equ SEL_FREE + 0x00 ; data, base SRC-0x1000+... see setup
SEL_WRAP equ SEL_FREE + 0x08 ; data, base SEGB, limit 1 MB
SEL_LIM equ SEL_FREE + 0x10 ; data, base 0, limit DST+0x10 (byte granular, 32-bit)

; SC name, instruction, esi, edi, ecx, eax, flags-in, dump(0/1)
%macro SC 8
    call reset_bufs
    PUTS %1
    mov esi, %3
    mov edi, %4
    mov ecx, %5
    mov eax, %6
    push dword %7
    popfd
    %2
    pushfd
    call report
%if %8
    call dump
%endif
    PNL
    cld
%endmacro

%macro SC16 8       ; the same for real mode (16-bit code, buffers below 64 KB)
    call reset_bufs16
    PUTS %1
    mov esi, %3
    mov edi, %4
    mov ecx, %5
    mov eax, %6
    push dword %7
    popfd
    %2
    pushfd
    call report16
%if %8
    call dump16r
%endif
    PNL
    cld
%endmacro

bits 16
main:
    PUTS "string: real mode", 10
    mov ax, (SRC16 + 0x100) >> 4
    mov fs, ax
    SC16 "movsb       ", movsb, SRC16+4, DST16+4, 0, 0, FL_IN, 1
    SC16 "std movsw   ", movsw, SRC16+20, DST16+20, 0, 0, FL_INS|0x400, 1
    SC16 "movsd       ", movsd, SRC16+4, DST16+4, 0, 0, FL_IN, 1
    SC16 "rep movsb 0 ", rep movsb, SRC16+4, DST16+4, 0, 0, FL_IN, 1
    SC16 "rep movsb 13", rep movsb, SRC16+4, DST16+4, 13, 0, FL_IN, 1
    SC16 "rep movsw 7 ", rep movsw, SRC16+4, DST16+4, 7, 0, FL_INS, 1
    SC16 "std rep movsd 5", rep movsd, SRC16+32, DST16+32, 5, 0, FL_IN|0x400, 1
    SC16 "rep movsb overlap+1", rep movsb, DST16+4, DST16+5, 20, 0, FL_IN, 1
    SC16 "fs rep movsw", fs rep movsw, 4, DST16+4, 5, 0, FL_IN, 1
    SC16 "rep movsb high ecx", rep movsb, 0x11110000+SRC16+4, 0x22220000+DST16+4, 0x33330003, 0, FL_IN, 1
    SC16 "a32 rep movsb", a32 rep movsb, SRC16+4, DST16+4, 3, 0, FL_IN, 1
    SC16 "rep stosw 9 ", rep stosw, 0, DST16+4, 9, 0x11223344, FL_IN, 1
    SC16 "std rep stosd 3", rep stosd, 0, DST16+32, 3, 0x11223344, FL_IN|0x400, 1
    SC16 "rep lodsb 5 ", rep lodsb, SRC16+4, 0, 5, 0x11223344, FL_IN, 0
    SC16 "fs lodsd    ", fs lodsd, 8, 0, 0, 0x11223344, FL_IN, 0
    SC16 "repe cmpsb 20", repe cmpsb, SRC16+4, CMPB16+4, 20, 0, FL_IN, 0
    SC16 "std repe cmpsw 20", repe cmpsw, SRC16+30, CMPB16+30, 20, 0, FL_IN|0x400, 0
    SC16 "repne cmpsb 20", repne cmpsb, SRC16+4, CMPB16+4, 20, 0, FL_IN, 0
    SC16 "repne scasb find", repne scasb, 0, SRC16+4, 40, 0x68, FL_IN, 0
    SC16 "repe scasw  ", repe scasw, 0, SRC16+4, 10, 0x504D, FL_IN, 0
    SC16 "a32 repne scasd", a32 repne scasd, 0, SRC16+4, 10, 0x6E6B6865, FL_IN, 0
    ; SI/DI wrap at 64 KB inside DS=ES=0x3000
    mov ax, SEGB >> 4
    mov ds, ax
    mov es, ax
    mov dword [0xFFFC], 0xE3E2E1E0
    mov dword [0x0000], 0xB3B2B1B0
    mov dword [0x0004], 0xB7B6B5B4
    SC16 "rep movsb wrap", rep movsb, 0xFFFD, 0x0002, 4, 0, FL_IN, 0
    PUTS "  seg[fffc..ffff]="
    PHEX32 [0xFFFC]
    PUTS " seg[0..7]="
    PHEX32 [0x0000]
    PHEX32 [0x0004]
    PNL
    xor ax, ax
    mov ds, ax
    mov es, ax
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "string: protected mode, 32-bit code", 10
    ; FS: base SRC+0x100 (the source buffer copied there with +1 on each byte by reset_bufs)
    SETDESC SEL_FS, SRC+0x100, 0xFFFFF, ACC_DATA0, 0x4
    SETDESC SEL_WRAP, SEGB, 0xFFFFF, ACC_DATA0, 0x4
    SETDESC SEL_LIM, 0, DST+0x0F, ACC_DATA0, 0x4
    mov ax, SEL_FS
    mov fs, ax

    ; ---- MOVS
    SC "movsb       ", movsb, SRC+4, DST+4, 7, 0, FL_IN, 1
    SC "movsw       ", movsw, SRC+4, DST+4, 7, 0, FL_INS, 1
    SC "movsd       ", movsd, SRC+4, DST+4, 7, 0, FL_IN, 1
    SC "movsb std   ", movsb, SRC+32, DST+32, 7, 0, FL_IN|0x400, 1
    SC "movsw std   ", movsw, SRC+32, DST+32, 7, 0, FL_IN|0x400, 1
    SC "movsd std   ", movsd, SRC+32, DST+32, 7, 0, FL_INS|0x400, 1
    SC "rep movsb 0 ", rep movsb, SRC+4, DST+4, 0, 0, FL_INS, 1
    SC "rep movsb 1 ", rep movsb, SRC+4, DST+4, 1, 0, FL_IN, 1
    SC "rep movsb 13", rep movsb, SRC+4, DST+4, 13, 0, FL_IN, 1
    SC "rep movsw 7 ", rep movsw, SRC+4, DST+4, 7, 0, FL_IN, 1
    SC "rep movsd 5 ", rep movsd, SRC+4, DST+4, 5, 0, FL_INS, 1
    SC "rep movsd 0 ", rep movsd, SRC+4, DST+4, 0, 0, FL_IN, 1
    SC "std rep movsb 13", rep movsb, SRC+32, DST+32, 13, 0, FL_IN|0x400, 1
    SC "std rep movsw 7 ", rep movsw, SRC+32, DST+32, 7, 0, FL_IN|0x400, 1
    SC "std rep movsd 5 ", rep movsd, SRC+32, DST+32, 5, 0, FL_IN|0x400, 1
    SC "rep movsb overlap+1", rep movsb, DST+4, DST+5, 20, 0, FL_IN, 1
    SC "rep movsw overlap+1", rep movsw, DST+4, DST+5, 10, 0, FL_IN, 1
    SC "rep movsd overlap+2", rep movsd, DST+4, DST+6, 6, 0, FL_IN, 1
    SC "std rep movsb overlap-1", rep movsb, DST+30, DST+29, 20, 0, FL_IN|0x400, 1
    SC "fs movsb    ", fs movsb, 4, DST+4, 0, 0, FL_IN, 1
    SC "fs rep movsd", fs rep movsd, 4, DST+4, 5, 0, FL_IN, 1
    SC "cs rep movsb", cs rep movsb, SRC+4, DST+4, 5, 0, FL_IN, 1
    SC "gs rep movsw (gs=flat)", gs rep movsw, SRC+4, DST+4, 3, 0, FL_IN, 1
    SC "a16 rep movsb", a16 rep movsb, 0xABCD0000+SRC16+4, 0x12340000+DST16+4, 0x55AA0005, 0, FL_IN, 0
    SC "a16 std rep movsw", a16 rep movsw, 0xABCD0000+SRC16+20, 0x12340000+DST16+20, 0x55AA0004, 0, FL_IN|0x400, 0
    call dump16
    PNL
    ; 16-bit address wrap inside a 1 MB segment based at SEGB: SI/DI go ffff -> 0000
    call wrap_setup
    SC "a16 rep movsb wrap", a16 rep movsb, 0x7777FFFE, 0x8888FFFD, 0x99990005, 0, FL_IN, 0
    call wrap_dump
    call wrap_setup
    SC "a16 std rep movsb wrap", a16 rep movsb, 0x77770001, 0x88880002, 0x99990004, 0, FL_IN|0x400, 0
    call wrap_dump
    call wrap_setup
    SC "a16 rep movsb cx=0 high ecx", a16 rep movsb, 0x7777FFFE, 0x8888FFFD, 0x99990000, 0, FL_INS, 0
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax

    ; ---- STOS
    SC "stosb       ", stosb, 0, DST+4, 0, 0x11223344, FL_IN, 1
    SC "stosw       ", stosw, 0, DST+4, 0, 0x11223344, FL_IN, 1
    SC "stosd       ", stosd, 0, DST+4, 0, 0x11223344, FL_INS, 1
    SC "std stosd   ", stosd, 0, DST+32, 0, 0x11223344, FL_IN|0x400, 1
    SC "rep stosb 0 ", rep stosb, 0, DST+4, 0, 0x11223344, FL_IN, 1
    SC "rep stosb 1 ", rep stosb, 0, DST+4, 1, 0x11223344, FL_IN, 1
    SC "rep stosb 17", rep stosb, 0, DST+4, 17, 0x11223344, FL_IN, 1
    SC "rep stosw 9 ", rep stosw, 0, DST+4, 9, 0x11223344, FL_INS, 1
    SC "rep stosd 6 ", rep stosd, 0, DST+4, 6, 0x11223344, FL_IN, 1
    SC "std rep stosw 9", rep stosw, 0, DST+32, 9, 0x11223344, FL_IN|0x400, 1
    SC "fs rep stosb (override ignored)", fs rep stosb, 0, DST+4, 3, 0x99, FL_IN, 1
    SC "a16 rep stosd", a16 rep stosd, 0, 0xFFFF0000+DST16+4, 0xFFFF0003, 0xA5A5A5A5, FL_IN, 0
    call dump16
    PNL
    ; REP STOSB running into the ES limit (DST+0x0F): #GP(0) after 8 bytes
    mov ax, SEL_LIM
    mov es, ax
    RECOVER .r1
    SC "rep stosb into es limit: ", rep stosb, 0, DST+8, 16, 0x5A, FL_IN, 1
.r1:
    PUTS "after #GP: "
    pushfd
    call report
    PNL
    mov ax, SEL_DATA32
    mov es, ax

    ; ---- LODS
    SC "lodsb       ", lodsb, SRC+4, 0, 0, 0x11223344, FL_IN, 0
    SC "lodsw       ", lodsw, SRC+4, 0, 0, 0x11223344, FL_IN, 0
    SC "lodsd       ", lodsd, SRC+4, 0, 0, 0x11223344, FL_INS, 0
    SC "std lodsw   ", lodsw, SRC+4, 0, 0, 0x11223344, FL_IN|0x400, 0
    SC "rep lodsb 0 ", rep lodsb, SRC+4, 0, 0, 0x11223344, FL_IN, 0
    SC "rep lodsb 5 ", rep lodsb, SRC+4, 0, 5, 0x11223344, FL_IN, 0
    SC "rep lodsd 3 ", rep lodsd, SRC+4, 0, 3, 0x11223344, FL_IN, 0
    SC "fs lodsd    ", fs lodsd, 8, 0, 0, 0x11223344, FL_IN, 0
    SC "ss lodsw    ", ss lodsw, SRC+8, 0, 0, 0x11223344, FL_IN, 0
    SC "a16 lodsw   ", a16 lodsw, 0x55550000+SRC16+6, 0, 0, 0x11223344, FL_IN, 0

    ; ---- CMPS (DST differs from SRC at byte 13 only)
    SC "cmpsb eq    ", cmpsb, SRC+4, CMPB+4, 0, 0, FL_INS, 0
    SC "cmpsb ne    ", cmpsb, SRC+13, CMPB+13, 0, 0, FL_IN, 0
    SC "cmpsw ne    ", cmpsw, SRC+12, CMPB+12, 0, 0, FL_IN, 0
    SC "cmpsd ne    ", cmpsd, SRC+12, CMPB+12, 0, 0, FL_IN, 0
    SC "std cmpsd   ", cmpsd, SRC+12, CMPB+12, 0, 0, FL_IN|0x400, 0
    SC "repe cmpsb 0", repe cmpsb, SRC+4, CMPB+4, 0, 0, FL_INS, 0
    SC "repe cmpsb 5", repe cmpsb, SRC+4, CMPB+4, 5, 0, FL_IN, 0
    SC "repe cmpsb 20", repe cmpsb, SRC+4, CMPB+4, 20, 0, FL_IN, 0
    SC "repe cmpsw 20", repe cmpsw, SRC+4, CMPB+4, 20, 0, FL_IN, 0
    SC "repe cmpsd 20", repe cmpsd, SRC+4, CMPB+4, 20, 0, FL_IN, 0
    SC "std repe cmpsb 20", repe cmpsb, SRC+30, CMPB+30, 20, 0, FL_IN|0x400, 0
    SC "repne cmpsb 20", repne cmpsb, SRC+4, CMPB+4, 20, 0, FL_IN, 0
    SC "repne cmpsb 0", repne cmpsb, SRC+4, CMPB+4, 0, 0, FL_INS, 0
    SC "repne cmpsb vs cmpb+1", repne cmpsb, SRC+4, CMPB+4+1, 20, 0, FL_IN, 0
    SC "fs repe cmpsb", fs repe cmpsb, 4, CMPB+4, 20, 0, FL_IN, 0
    SC "a16 repe cmpsw", a16 repe cmpsw, 0x12340000+SRC16+4, 0x56780000+CMPB16+4, 0x9ABC0010, 0, FL_IN, 0

    ; ---- SCAS (ES:EDI against AL/AX/EAX)
    SC "scasb eq    ", scasb, 0, SRC+4, 0, 0x4D, FL_IN, 0
    SC "scasb lt    ", scasb, 0, SRC+4, 0, 0x10, FL_IN, 0
    SC "scasw       ", scasw, 0, SRC+4, 0, 0x8000, FL_IN, 0
    SC "scasd       ", scasd, 0, SRC+4, 0, 0x7FFFFFFF, FL_IN, 0
    SC "repne scasb find", repne scasb, 0, SRC+4, 40, 0x68, FL_IN, 0
    SC "repne scasb miss", repne scasb, 0, SRC+4, 10, 0xFF, FL_IN, 0
    SC "repne scasb 0", repne scasb, 0, SRC+4, 0, 0x4D, FL_INS, 0
    SC "repe scasb  ", repe scasb, 0, DST+40, 10, 0xCC, FL_IN, 0
    SC "repe scasw  ", repe scasw, 0, SRC+4, 10, 0x504D, FL_IN, 0
    SC "repne scasd find", repne scasd, 0, SRC+4, 10, 0x6E6B6865, FL_IN, 0
    SC "std repne scasb", repne scasb, 0, SRC+30, 40, 0x4A, FL_IN|0x400, 0
    SC "fs repne scasb (override ignored)", fs repne scasb, 0, SRC+4, 40, 0x68, FL_IN, 0
    SC "a16 repne scasb", a16 repne scasb, 0, 0x11110000+SRC16+4, 0x22220028, 0x68, FL_IN, 0

    ; ---- REP on a non-string instruction is ignored
    SC "rep inc eax", rep inc eax, 0, 0, 5, 7, FL_IN, 0

    DONE

; --------------------------------------------------------------------------------------
bits 16
reset_bufs16:
    pushad
    pushfd
    push ds
    push es
    cld
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov di, SRC16
    mov cx, 64
    mov al, 0x41
.s: mov [di], al
    mov [di+CMPB16-SRC16], al
    mov [di+0x100], al
    inc byte [di+0x100]
    mov ah, cl
    neg ah
                            ; (= 0xC0 + 64 - cl = 0xC0 + i)
    mov [di+DST16-SRC16], ah
    add al, 3
    inc di
    loop .s
    not byte [CMPB16+13]
    pop es
    pop ds
    popfd
    popad
    ret

report16:
    PUTS " esi="
    PHEX32 esi
    PUTS " edi="
    PHEX32 edi
    PUTS " ecx="
    PHEX32 ecx
    PUTS " eax="
    PHEX32 eax
    PUTS " fl="
    push eax
    mov eax, [esp+6]
    and eax, 0x0CD5
    PHEX16 ax
    pop eax
    ret 4

dump16r:
    pushad
    push ds
    xor ax, ax
    mov ds, ax
    PUTS " dst="
    mov si, DST16
    mov cx, 40
.l: PHEX8 [si]
    inc si
    loop .l
    pop ds
    popad
    ret

bits 32
reset_bufs:
    pushad
    pushfd
    cld
    mov edi, SRC
    mov ecx, 64
    mov al, 0x41
.s: mov [edi], al
    mov [edi+CMPB-SRC], al
    mov [edi+0x100], al
    inc byte [edi+0x100]
    mov ah, cl
    neg ah
                            ; (= 0xC0 + 64 - cl = 0xC0 + i)
    mov [edi+DST-SRC], ah
    add al, 3
    inc edi
    loop .s
    not byte [CMPB+13]
    mov byte [DST+40], 0xCC         ; a short run for REPE SCASB
    mov byte [DST+41], 0xCC
    mov byte [DST+42], 0xCC
    ; 16-bit buffers
    mov esi, SRC
    mov edi, SRC16
    mov ecx, 64
    rep movsb
    mov esi, DST
    mov edi, DST16
    mov ecx, 64
    rep movsb
    mov esi, CMPB
    mov edi, CMPB16
    mov ecx, 64
    rep movsb
    popfd
    popad
    ret

; pushed EFLAGS on the stack above the return address; prints registers
report:
    PUTS " esi="
    PHEX32 esi
    PUTS " edi="
    PHEX32 edi
    PUTS " ecx="
    PHEX32 ecx
    PUTS " eax="
    PHEX32 eax
    PUTS " fl="
    push eax
    mov eax, [esp+8]
    and eax, 0x0CD5
    PHEX16 ax
    pop eax
    ret 4

dump:
    pushad
    PUTS " dst="
    mov esi, DST
    mov ecx, 40
.l: PHEX8 [esi]
    inc esi
    loop .l
    popad
    ret

dump16:
    pushad
    PUTS " dst16="
    mov esi, DST16
    mov ecx, 40
.l: PHEX8 [esi]
    inc esi
    loop .l
    popad
    ret

; segment SEGB: bytes 0..15 = 0xB0.., 0xFFF0..0xFFFF = 0xE0..; DS=ES=SEL_WRAP
wrap_setup:
    pushad
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov edi, SEGB
    mov ecx, 16
    mov al, 0xB0
.a: mov [edi], al
    inc al
    inc edi
    loop .a
    mov edi, SEGB + 0xFFF0
    mov ecx, 16
    mov al, 0xE0
.b: mov [edi], al
    inc al
    inc edi
    loop .b
    mov ax, SEL_WRAP
    mov ds, ax
    mov es, ax
    popad
    ret

wrap_dump:
    pushad
    push ds
    mov ax, SEL_DATA32
    mov ds, ax
    PUTS "  seg[fff0..ffff]="
    mov esi, SEGB + 0xFFF0
    mov ecx, 16
.a: PHEX8 [esi]
    inc esi
    loop .a
    PUTS " seg[0..f]="
    mov esi, SEGB
    mov ecx, 16
.b: PHEX8 [esi]
    inc esi
    loop .b
    PNL
    pop ds
    popad
    ret

%include "lib/end.inc"
