; bitops.asm -- BT/BTS/BTR/BTC (register and memory destinations, register and immediate
; bit offsets, large and negative offsets into memory), BSF/BSR (incl. a zero source),
; BSWAP, SETcc/CMOVcc/Jcc over all 32 combinations of CF PF ZF SF OF, XADD, CMPXCHG,
; CMPXCHG8B, MOVZX/MOVSX, CBW/CWDE/CWD/CDQ; 32-bit protected mode.
;
; Flag masks (SDM): BT*: CF, ZF kept (41; OF SF AF PF undefined).  BSF/BSR: ZF (40; the
; rest undefined; the destination is undefined for a zero source and is then not printed).
; XADD, CMPXCHG: all six (8d5).  CMPXCHG8B: ZF, the others kept (8d5).  Others: no flags.
%include "lib/lib.inc"

BCENTER equ 0x300000        ; memory bit-string base for the BT* memory forms
V_MASK  equ TMP0+0x00
V_FL    equ TMP0+0x04
V_CNT   equ TMP0+0x08
MEM     equ 0x20000

; print "name" then registers, flags (pushed) masked by V_MASK
%macro SHOW 1
    pushfd
    PUTS %1
    call show_regs
%endmacro

; ---- BT* with a register destination: BTR op, size, value, offset, flags-in
%macro BTR 5
    mov dword [V_MASK], 0x41
    %defstr OPN %1%2
    PUTS OPN, " reg "
    mov eax, %3
    mov ecx, %4
    PHEXN %2, eax
    PUTS " off="
    PHEX32 ecx
    push dword %5
    popfd
%if %2 == 16
    %1 ax, cx
%else
    %1 eax, ecx
%endif
    pushfd
    pop edx
    and edx, 0x41
    PUTS " -> "
    PHEXN %2, eax
    PUTS " fl="
    PHEX16 dx
    ; the same with an immediate offset
    mov ebx, %3
    push dword %5
    popfd
%if %2 == 16
    %1 bx, (%4) & 0xFF
%else
    %1 ebx, (%4) & 0xFF
%endif
    pushfd
    pop edi
    and edi, 0x41
    cmp ebx, eax
    jne %%bad
    cmp edi, edx
    je %%ok
%%bad:
    PUTS " MISMATCH(imm) "
    PHEX32 ebx
    PUTS "/"
    PHEX16 di
%%ok:
    PNL
%endmacro

; ---- BT* with a memory destination and a register offset: BTM op, size, offset, flags-in
%macro BTM 4
    %defstr OPN %1%2
    PUTS OPN, " [c] off="
    mov ecx, %3
    PHEX32 ecx
    ; the unit addressed: c + (offset sar log2(size)) * size/8
    mov ebx, ecx
%if %2 == 16
    movsx ebx, bx
    sar ebx, 4
    lea ebx, [BCENTER + ebx*2]
    mov word [ebx], 0xC3A5
%else
    sar ebx, 5
    lea ebx, [BCENTER + ebx*4]
    mov dword [ebx], 0x5A5AC3C3
%endif
    push dword %4
    popfd
%if %2 == 16
    %1 word [BCENTER], cx
%else
    %1 dword [BCENTER], ecx
%endif
    pushfd
    pop edx
    and edx, 0x41
    PUTS " -> fl="
    PHEX16 dx
    PUTS " ["
    PHEX32 ebx
    PUTS "]="
%if %2 == 16
    PHEX16 [ebx]
%else
    PHEX32 [ebx]
%endif
    PNL
%endmacro

; ---- BT* with a memory destination and an immediate offset: BTI op, size, imm
%macro BTI 3
    %defstr OPN %1%2
    PUTS OPN, " [c] imm="
    PHEX8 %3
    mov dword [BCENTER], 0x5A5AC3C3
    mov dword [BCENTER+4], 0x12345678
    push dword 0x0002
    popfd
%if %2 == 16
    %1 word [BCENTER], %3
%else
    %1 dword [BCENTER], %3
%endif
    pushfd
    pop edx
    and edx, 0x41
    PUTS " -> fl="
    PHEX16 dx
    PUTS " [c]="
    PHEX32 [BCENTER]
    PUTS " [c+4]="
    PHEX32 [BCENTER+4]
    PNL
%endmacro

; ---- BSF/BSR: BS op, size, source, flags-in
%macro BS 4
    %defstr OPN %1%2
    PUTS OPN, " "
    mov ebx, %3
    PHEXN %2, ebx
    mov eax, 0xEEEEEEEE
    mov [MEM], ebx
    push dword %4
    popfd
%if %2 == 16
    %1 ax, bx
%else
    %1 eax, ebx
%endif
    pushfd
    pop edx
    and edx, 0x40
    PUTS " -> fl="
    PHEX16 dx
    test edx, edx
    jnz %%z
    PUTS " dst="
    PHEXN %2, eax
%%z:
    ; memory source form
    mov ecx, 0xEEEEEEEE
    push dword %4
    popfd
%if %2 == 16
    %1 cx, [MEM]
%else
    %1 ecx, [MEM]
%endif
    pushfd
    pop edi
    and edi, 0x40
    cmp edi, edx
    jne %%bad
    test edx, edx
    jnz %%ok
    cmp ecx, eax
    je %%ok
%%bad:
    PUTS " MISMATCH(mem) "
    PHEX32 ecx
%%ok:
    PNL
%endmacro

%macro BSWAPR 1
    mov %1, 0x11223344
    bswap %1
    %defstr OPN %1
    PUTS "bswap ", OPN, " -> "
    PHEX32 %1
    PNL
%endmacro

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "bitops: protected mode, 32-bit code", 10
    mov dword [V_MASK], 0x41

    ; BT* register destination
%macro BTRSET 1
    BTR %1, 32, 0x5A5AC3C3, 0, 0x0002
    BTR %1, 32, 0x5A5AC3C3, 1, 0x08D7
    BTR %1, 32, 0x5A5AC3C3, 30, 0x0002
    BTR %1, 32, 0x5A5AC3C3, 31, 0x08D7
    BTR %1, 32, 0x5A5AC3C3, 32, 0x0002
    BTR %1, 32, 0x5A5AC3C3, 33, 0x0002
    BTR %1, 32, 0x5A5AC3C3, 0x3E, 0x0002
    BTR %1, 32, 0x5A5AC3C3, -1, 0x08D7
    BTR %1, 16, 0xC3A5, 0, 0x0002
    BTR %1, 16, 0xC3A5, 2, 0x0002
    BTR %1, 16, 0xC3A5, 15, 0x08D7
    BTR %1, 16, 0xC3A5, 16, 0x0002
    BTR %1, 16, 0xC3A5, 0x11, 0x08D7
    BTR %1, 16, 0xC3A5, -2, 0x0002
%endmacro
    BTRSET bt
    BTRSET bts
    BTRSET btr
    BTRSET btc

    ; BT* memory destination, register offset (may address far from the operand)
%macro BTMSET 1
    BTM %1, 32, 0, 0x0002
    BTM %1, 32, 6, 0x08D7
    BTM %1, 32, 31, 0x0002
    BTM %1, 32, 32, 0x0002
    BTM %1, 32, 100, 0x08D7
    BTM %1, 32, 1000, 0x0002
    BTM %1, 32, -1, 0x0002
    BTM %1, 32, -32, 0x08D7
    BTM %1, 32, -33, 0x0002
    BTM %1, 32, -1000, 0x0002
    BTM %1, 32, 0x7FFF, 0x0002
    BTM %1, 32, 0x1000000, 0x0002
    BTM %1, 32, -0x1000000, 0x08D7
    BTM %1, 16, 0, 0x0002
    BTM %1, 16, 15, 0x0002
    BTM %1, 16, 16, 0x08D7
    BTM %1, 16, 100, 0x0002
    BTM %1, 16, -1, 0x0002
    BTM %1, 16, -17, 0x08D7
    BTM %1, 16, 0x7FFF, 0x0002
    BTM %1, 16, 0x8000, 0x0002         ; cx = 8000h = -32768
    BTM %1, 16, 0x12340005, 0x0002      ; only CX counts
%endmacro
    BTMSET bt
    BTMSET bts
    BTMSET btr
    BTMSET btc

    ; BT* memory destination, immediate offset (taken modulo the operand size)
%macro BTISET 1
    BTI %1, 32, 0
    BTI %1, 32, 7
    BTI %1, 32, 31
    BTI %1, 32, 33
    BTI %1, 32, 0xFF
    BTI %1, 16, 3
    BTI %1, 16, 15
    BTI %1, 16, 17
%endmacro
    BTISET bt
    BTISET bts
    BTISET btr
    BTISET btc

    ; BSF / BSR
%macro BSSET 1
    BS %1, 32, 0, 0x0002
    BS %1, 32, 0, 0x08D7
    BS %1, 32, 1, 0x08D7
    BS %1, 32, 0x80000000, 0x0002
    BS %1, 32, 0x00010000, 0x0002
    BS %1, 32, 0xFFFFFFFF, 0x0002
    BS %1, 32, 0x00F00100, 0x0002
    BS %1, 16, 0xFFFF0000, 0x0002
    BS %1, 16, 0x8000, 0x0002
    BS %1, 16, 0x0001, 0x08D7
    BS %1, 16, 0x0180, 0x0002
%endmacro
    BSSET bsf
    BSSET bsr

    BSWAPR eax
    BSWAPR ecx
    BSWAPR edx
    BSWAPR ebx
    BSWAPR esi
    BSWAPR edi
    BSWAPR ebp
    mov [TMP0+0x10], esp
    mov esp, 0x44332211
    bswap esp
    mov eax, esp
    mov esp, [TMP0+0x10]
    PUTS "bswap esp -> "
    PHEX32 eax
    PNL

    call conditions
    call xadd_cmpxchg
    call movx
    DONE

; ---------------------------------------------------------------------------------------
; SETcc / CMOVcc / Jcc: one line per combination of CF PF ZF SF OF, columns in the order
; o no b nb z nz be nbe s ns p np l nl le nle
%macro CC_ALL 1     ; %1 = macro taking the condition code suffix
    %1 o
    %1 no
    %1 b
    %1 nb
    %1 z
    %1 nz
    %1 be
    %1 nbe
    %1 s
    %1 ns
    %1 p
    %1 np
    %1 l
    %1 nl
    %1 le
    %1 nle
%endmacro
%macro SETCC_ONE 1
    push dword [V_FL]
    popfd
    set%1 al
    add al, '0'
    out 0xE9, al
%endmacro
%macro SETCCM_ONE 1     ; memory and AH destinations must agree with AL
    push dword [V_FL]
    popfd
    mov byte [MEM], 0x55
    mov eax, 0xFFFF
    set%1 byte [MEM]
    set%1 ah
    set%1 al
    cmp al, [MEM]
    jne %%bad
    cmp al, ah
    je %%ok
%%bad:
    PUTS "!"
%%ok:
%endmacro
%macro CMOV_ONE 1
    push dword [V_FL]
    popfd
    mov eax, '0'
    mov ebx, '1'
    cmov%1 eax, ebx
    out 0xE9, al
%endmacro
%macro CMOVM_ONE 1
    mov dword [MEM], '1'
    mov word [MEM+4], '1'
    push dword [V_FL]
    popfd
    mov eax, 0x3030
    cmov%1 eax, [MEM]
    mov ecx, 0x5555
    mov cx, '0'
    cmov%1 cx, [MEM+4]
    cmp cl, al
    je %%ok
    PUTS "!"
%%ok:
    out 0xE9, al
%endmacro
%macro JCC_ONE 1
    push dword [V_FL]
    popfd
    mov al, '1'
    j%1 short %%t
    mov al, '0'
%%t:
    out 0xE9, al
%endmacro
%macro JCCN_ONE 1
    push dword [V_FL]
    popfd
    mov al, '1'
    j%1 near %%t
    mov al, '0'
    times 130 nop
%%t:
    out 0xE9, al
%endmacro

conditions:
    PUTS "conditions: o no b nb z nz be nbe s ns p np l nl le nle", 10
    xor esi, esi
.l:
    ; esi bits 0..4 -> CF PF ZF SF OF
    mov eax, 0x0002
    test esi, 1
    jz .1
    or eax, 0x001
.1: test esi, 2
    jz .2
    or eax, 0x004
.2: test esi, 4
    jz .3
    or eax, 0x040
.3: test esi, 8
    jz .4
    or eax, 0x080
.4: test esi, 16
    jz .5
    or eax, 0x800
.5: mov [V_FL], eax
    PUTS "fl="
    PHEX16 ax
    PUTS " setcc="
    CC_ALL SETCC_ONE
    PUTS " setm="
    CC_ALL SETCCM_ONE
    PUTS " cmov="
    CC_ALL CMOV_ONE
    PUTS " cmovm="
    CC_ALL CMOVM_ONE
    PUTS " jcc8="
    CC_ALL JCC_ONE
    PUTS " jcc32="
    CC_ALL JCCN_ONE
    PNL
    inc esi
    cmp esi, 32
    jb .l
    ret

; ---------------------------------------------------------------------------------------
show_regs:              ; [esp+4] = EFLAGS pushed by SHOW
    PUTS " -> eax="
    PHEX32 eax
    PUTS " ebx="
    PHEX32 ebx
    PUTS " ecx="
    PHEX32 ecx
    PUTS " edx="
    PHEX32 edx
    PUTS " m="
    PHEX32 [MEM]
    PUTS " m4="
    PHEX32 [MEM+4]
    PUTS " fl="
    push eax
    mov eax, [esp+8]
    and eax, [V_MASK]
    PHEX16 ax
    pop eax
    PNL
    ret 4

; XC name, eax, ebx, ecx, edx, [MEM], [MEM+4], flags-in, instruction
%macro XC 9
    mov eax, %2
    mov ebx, %3
    mov ecx, %4
    mov edx, %5
    mov dword [MEM], %6
    mov dword [MEM+4], %7
    push dword %8
    popfd
    %9
    SHOW %1
%endmacro

xadd_cmpxchg:
    mov dword [V_MASK], 0x8D5
    XC "xadd8 al,bl   ", 0x7F, 0x01, 0, 0, 0, 0, 0x0002, {xadd al, bl}
    XC "xadd8 ah,bh   ", 0x8000, 0xFF00, 0, 0, 0, 0, 0x08D7, {xadd ah, bh}
    XC "xadd8 [m],cl  ", 0, 0, 0xF0, 0, 0x1F, 0, 0x0002, {xadd [MEM], cl}
    XC "xadd16 ax,bx  ", 0x11118000, 0x2222FFFF, 0, 0, 0, 0, 0x0002, {xadd ax, bx}
    XC "xadd16 [m],dx ", 0, 0, 0, 0x7FFF, 0x12340001, 0, 0x0002, {xadd [MEM], dx}
    XC "xadd32 eax,ebx", 0x7FFFFFFF, 1, 0, 0, 0, 0, 0x0002, {xadd eax, ebx}
    XC "xadd32 [m],ecx", 0, 0, 0xFFFFFFFF, 0, 1, 0, 0x08D7, {xadd [MEM], ecx}
    XC "xadd32 eax,eax", 0x40000001, 0, 0, 0, 0, 0, 0x0002, {xadd eax, eax}
    XC "cmpxchg8 bl,cl eq ", 0x12, 0x12, 0x34, 0, 0, 0, 0x0002, {cmpxchg bl, cl}
    XC "cmpxchg8 bl,cl ne ", 0x13, 0x12, 0x34, 0, 0, 0, 0x08D7, {cmpxchg bl, cl}
    XC "cmpxchg8 [m],ch eq", 0x80, 0, 0x3300, 0, 0x80, 0, 0x0002, {cmpxchg [MEM], ch}
    XC "cmpxchg8 [m],ch ne", 0x7F, 0, 0x3300, 0, 0x80, 0, 0x0002, {cmpxchg [MEM], ch}
    XC "cmpxchg16 bx,cx eq", 0xAAAA1234, 0xBBBB1234, 0xCCCC5678, 0, 0, 0, 0x0002, {cmpxchg bx, cx}
    XC "cmpxchg16 bx,cx ne", 0xAAAA1235, 0xBBBB1234, 0xCCCC5678, 0, 0, 0, 0x0002, {cmpxchg bx, cx}
    XC "cmpxchg16 [m],cx ne", 0x8000, 0, 0x5678, 0, 0x7FFF, 0, 0x0002, {cmpxchg [MEM], cx}
    XC "cmpxchg32 ebx,ecx eq", 0x80000000, 0x80000000, 0x11111111, 0, 0, 0, 0x08D7, {cmpxchg ebx, ecx}
    XC "cmpxchg32 ebx,ecx ne", 0x7FFFFFFF, 0x80000000, 0x11111111, 0, 0, 0, 0x0002, {cmpxchg ebx, ecx}
    XC "cmpxchg32 [m],ecx eq", 5, 0, 0x99999999, 0, 5, 0, 0x0002, {cmpxchg [MEM], ecx}
    XC "cmpxchg32 [m],ecx ne", 6, 0, 0x99999999, 0, 5, 0, 0x0002, {cmpxchg [MEM], ecx}
    XC "cmpxchg32 eax,ebx  ", 0x12345678, 0xABCDEF01, 0, 0, 0, 0, 0x0002, {cmpxchg eax, ebx}
    XC "cmpxchg8b eq ", 0x11111111, 0x33333333, 0x44444444, 0x22222222, 0x11111111, 0x22222222, 0x0002, {cmpxchg8b [MEM]}
    XC "cmpxchg8b ne ", 0x11111111, 0x33333333, 0x44444444, 0x22222222, 0x11111111, 0x22222223, 0x08D7, {cmpxchg8b [MEM]}
    XC "cmpxchg8b ne2", 0x11111110, 0x33333333, 0x44444444, 0x22222222, 0x11111111, 0x22222222, 0x0002, {cmpxchg8b [MEM]}
    XC "cmpxchg8b eq ", 0, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0, 0, 0x08D7, {cmpxchg8b [MEM]}
    ret

movx:
    mov dword [V_MASK], 0x8D5
    XC "movzx eax,bl  ", 0xFFFFFFFF, 0x1234567F, 0, 0, 0, 0, 0x08D7, {movzx eax, bl}
    XC "movzx eax,bh  ", 0xFFFFFFFF, 0x1234807F, 0, 0, 0, 0, 0x0002, {movzx eax, bh}
    XC "movzx eax,bx  ", 0xFFFFFFFF, 0x1234807F, 0, 0, 0, 0, 0x0002, {movzx eax, bx}
    XC "movzx ax,bl   ", 0xFFFFFFFF, 0x123480F0, 0, 0, 0, 0, 0x0002, {movzx ax, bl}
    XC "movzx ecx,b[m]", 0, 0, 0x55555555, 0, 0x9876FEDC, 0, 0x0002, {movzx ecx, byte [MEM]}
    XC "movzx ecx,w[m]", 0, 0, 0x55555555, 0, 0x9876FEDC, 0, 0x0002, {movzx ecx, word [MEM]}
    XC "movsx eax,bl  ", 0, 0x1234567F, 0, 0, 0, 0, 0x0002, {movsx eax, bl}
    XC "movsx eax,bl  ", 0, 0x12345680, 0, 0, 0, 0, 0x08D7, {movsx eax, bl}
    XC "movsx eax,bh  ", 0, 0x1234807F, 0, 0, 0, 0, 0x0002, {movsx eax, bh}
    XC "movsx eax,bx  ", 0, 0x12347FFF, 0, 0, 0, 0, 0x0002, {movsx eax, bx}
    XC "movsx eax,bx  ", 0, 0x12348000, 0, 0, 0, 0, 0x0002, {movsx eax, bx}
    XC "movsx ax,bl   ", 0xFFFF0000, 0x000000FF, 0, 0, 0, 0, 0x0002, {movsx ax, bl}
    XC "movsx ecx,b[m]", 0, 0, 0x55555555, 0, 0x9876FEDC, 0, 0x0002, {movsx ecx, byte [MEM]}
    XC "movsx ecx,w[m]", 0, 0, 0x55555555, 0, 0x9876FEDC, 0, 0x0002, {movsx ecx, word [MEM]}
    XC "movsx cx,b[m] ", 0, 0, 0x55555555, 0, 0x98767F80, 0, 0x0002, {movsx cx, byte [MEM]}
    XC "cbw  ", 0x1234567F, 0, 0, 0, 0, 0, 0x0002, cbw
    XC "cbw  ", 0x12345680, 0, 0, 0, 0, 0, 0x0002, cbw
    XC "cwde ", 0x12347FFF, 0, 0, 0, 0, 0, 0x0002, cwde
    XC "cwde ", 0x12348000, 0, 0, 0, 0, 0, 0x0002, cwde
    XC "cwd  ", 0x12347FFF, 0, 0, 0x55555555, 0, 0, 0x0002, cwd
    XC "cwd  ", 0x12348000, 0, 0, 0x55555555, 0, 0, 0x0002, cwd
    XC "cdq  ", 0x7FFFFFFF, 0, 0, 0x55555555, 0, 0, 0x0002, cdq
    XC "cdq  ", 0x80000000, 0, 0, 0x55555555, 0, 0, 0x0002, cdq
    ret

%include "lib/end.inc"
