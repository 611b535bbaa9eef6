; misc.asm -- PUSHA/POPA, PUSH/POP ESP and [ESP]-relative POP, ENTER/LEAVE with nesting
; levels (32- and 16-bit operand size), XLAT, LAHF/SAHF, CMC/CLC/STC, BOUND (#BR), INTO,
; INT3 / INT 3, LOOP/LOOPE/LOOPNE/JCXZ/JECXZ with address-size prefixes, 16-bit code in
; protected mode (far calls between 32- and 16-bit code), operand-size prefixes,
; LDS/LES/LFS/LGS/LSS, XCHG, moffs MOVs, indirect and far indirect CALL/JMP, RET imm16,
; LOCK on a non-lockable instruction and UD2 (#UD), ARPL, SGDT/SIDT/SLDT/STR/SMSW,
; the 0F 1F NOP, and self-modifying code (a store that rewrites the very next instruction,
; a REP MOVSB over following code, a loop that patches its own body), in real mode and in
; 32-bit protected mode.  CPUID is executed but not printed (models differ).
%include "lib/lib.inc"

V_SAVE  equ TMP0+0x00
V_A     equ TMP0+0x04
V_B     equ TMP0+0x08
STK     equ 0x60000         ; scratch stack top for the PUSHA/ENTER tests
MEM     equ 0x20000
SMC     equ 0x30000         ; RAM copy of the self-modifying code (PM)
SMC16   equ 0x9000          ; real mode: 0000:9000

; dump dwords from ESP-relative address: DUMPMEM addr, count (dwords)
%macro DUMPMEM 2
    push esi
    push ecx
    mov esi, %1
    mov ecx, %2
%%l:
    PSP
    PHEX32 [esi]
    add esi, 4
    loop %%l
    pop ecx
    pop esi
%endmacro

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
    PUTS "misc: real mode", 10
    ; PUSHA / POPA
    mov ax, 0x1111
    mov cx, 0x2222
    mov dx, 0x3333
    mov bx, 0x4444
    mov bp, 0x5555
    mov si, 0x6666
    mov di, 0x7777
    mov [V_SAVE], sp
    pusha
    mov bx, sp
    PUTS "pusha: sp delta="
    mov ax, [V_SAVE]
    sub ax, sp
    PHEX16 ax
    PUTS " frame:"
    mov cx, 8
.pa:
    PSP
    PHEX16 [bx]
    add bx, 2
    loop .pa
    mov word [bx-10], 0xDEAD        ; the saved SP slot is skipped by POPA
    popa
    PUTS " popa: ax="
    PHEX16 ax
    PUTS " bx="
    PHEX16 bx
    PUTS " sp ok="
    cmp sp, [V_SAVE]
    sete al
    PHEX8 al
    PNL
    ; ENTER / LEAVE (16-bit)
    mov [V_SAVE], sp
    mov bp, 0x7F00
    mov word [0x7EFE], 0xAA01
    mov word [0x7EFC], 0xAA02
    mov word [0x7EFA], 0xAA03
    mov di, 0x7DE0
    mov cx, 16
    mov ax, 0xEEEE
    rep stosw
    mov sp, 0x7E00
    enter 6, 3
    mov [V_A], bp
    mov [V_B], sp
    mov sp, [V_SAVE]
    PUTS "enter 6,3: bp="
    PHEX16 [V_A]
    PUTS " sp="
    PHEX16 [V_B]
    PUTS " stack:"
    mov bx, [V_B]
    mov cx, 7
.en:
    PSP
    PHEX16 [bx]
    add bx, 2
    loop .en
    mov bp, [V_A]
    mov sp, [V_B]
    leave
    mov [V_A], bp
    mov [V_B], sp
    mov sp, [V_SAVE]
    PUTS " leave: bp="
    PHEX16 [V_A]
    PUTS " sp="
    PHEX16 [V_B]
    PNL
    ; LOOP / JCXZ
    mov ecx, 0x12340003
    xor ax, ax
.l1:
    inc ax
    loop .l1
    PUTS "loop (cx): n="
    PHEX16 ax
    PUTS " ecx="
    PHEX32 ecx
    mov ecx, 0x00010002
    xor ax, ax
.l2:
    inc ax
    a32 loop .l2
    PUTS " a32 loop (ecx): n="
    PHEX16 ax
    PUTS " ecx="
    PHEX32 ecx
    mov ecx, 0x00010000
    mov al, 0
    jcxz .j1
    mov al, 1
.j1:
    PUTS " jcxz(cx=0)="
    PHEX8 al
    mov al, 0
    a32 jcxz .j2                    ; jecxz
    mov al, 1
.j2:
    PUTS " jecxz(ecx=10000)="
    PHEX8 al
    PNL
    ; XLAT
    mov bx, RA(xlat_tab)
    mov al, 5
    cs xlatb
    PUTS "xlat: "
    PHEX8 al
    PNL
    ; INT3 / INTO / BOUND via the IVT
    RECOVER_SAME
    int3
    push word 0x0802                ; OF=1
    popf
    RECOVER_SAME
    into
    mov word [MEM16], 10
    mov word [MEM16+2], 20
    mov ax, 25
    RECOVER .b1
    bound ax, [MEM16]
.b1:
    mov ax, 15
    bound ax, [MEM16]
    PUTS "bound 15 in [10,20]: ok", 10
    ; LDS / LES / LSS
    mov dword [MEM16], 0x12345678
    mov word [MEM16+4], 0x0040
    lds si, [MEM16]
    mov ax, ds
    xor dx, dx
    mov ds, dx
    PUTS "lds: si="
    PHEX16 si
    PUTS " ds="
    PHEX16 ax
    les edi, [MEM16]
    PUTS " les edi: edi="
    PHEX32 edi
    PUTS " es="
    PHEX16 es
    xor ax, ax
    mov es, ax
    PNL
    ; self-modifying code in RAM (0000:9000)
    mov si, RA(smc16_code)
    mov di, SMC16
    mov cx, smc16_end - smc16_code
    cs rep movsb
    call 0x0000:SMC16
    PUTS "smc (real mode): al="
    PHEX8 al
    PUTS " bl="
    PHEX8 bl
    PNL
    ENTER_PM32 pm_main

MEM16   equ 0x8000

; copied to 0000:9000: "mov byte [next+1], 42h; next: mov al, 0" must load 42h; then a
; store turns the following "inc bl" (FE C3) into "dec bl" (FE CB)
smc16_code:
    mov bl, 0x10
    mov byte [SMC16 + (.next - smc16_code) + 1], 0x42
.next:
    mov al, 0x00
    mov byte [SMC16 + (.inc - smc16_code) + 1], 0xCB
.inc:
    inc bl
    retf
smc16_end:

xlat_tab:
    db 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17

; ---------------------------------------------------------------------------------------
bits 32
pm_main:
    PUTS "misc: protected mode, 32-bit code", 10
    ; CPUID: executed, not printed
    xor eax, eax
    cpuid
    mov eax, 1
    cpuid

    ; PUSHAD / POPAD
    mov [V_SAVE], esp
    mov esp, STK
    mov eax, 0x11111111
    mov ecx, 0x22222222
    mov edx, 0x33333333
    mov ebx, 0x44444444
    mov ebp, 0x55555555
    mov esi, 0x66666666
    mov edi, 0x77777777
    pushad
    mov dword [esp+12], 0xDEADBEEF      ; ESP slot: ignored by POPAD
    mov dword [esp+16], 0x44440000      ; EBX slot
    popad
    mov [V_A], esp
    mov [V_B], ebx
    mov esp, [V_SAVE]
    PUTS "pushad:"
    DUMPMEM STK-32, 8
    PUTS " popad: esp="
    PHEX32 [V_A]
    PUTS " ebx="
    PHEX32 [V_B]
    PNL
    mov esp, STK
    pushaw
    mov [V_A], esp
    mov esp, [V_SAVE]
    PUTS "o16 pusha: esp="
    PHEX32 [V_A]
    PUTS " words:"
    DUMPMEM STK-16, 4
    PNL

    ; PUSH ESP / POP ESP / POP [ESP+n]
    mov esp, STK
    push esp
    mov eax, [esp]
    mov ebx, esp
    mov esp, STK
    mov dword [STK-4], 0x11111111
    mov dword [STK-8], 0x22222222
    sub esp, 8
    pop dword [esp]                     ; address computed after the increment
    mov ecx, esp
    mov edx, [STK-4]
    mov esp, STK - 8
    mov dword [STK-8], 0x00061234
    pop esp
    mov esi, esp
    mov esp, [V_SAVE]
    PUTS "push esp: pushed="
    PHEX32 eax
    PUTS " esp="
    PHEX32 ebx
    PUTS " pop [esp]: esp="
    PHEX32 ecx
    PUTS " [stk-4]="
    PHEX32 edx
    PUTS " pop esp: esp="
    PHEX32 esi
    PNL
    mov esp, STK
    push word 0x1234
    push dword 0x5678
    mov eax, esp
    mov esp, STK
    mov dword [STK-4], 0xFFFFFFFF
    push ds
    mov ebx, esp
    mov ecx, [STK-4]
    mov esp, [V_SAVE]
    PUTS "push word: esp="
    PHEX32 eax
    PUTS " push ds: esp="
    PHEX32 ebx
    PUTS " low word="
    PHEX16 cx
    PNL

    ; ENTER / LEAVE (32-bit and 16-bit operand size on a 32-bit stack)
%macro ENTERT 3     ; name, alloc, level
    mov edi, STK - 0x100
    mov ecx, (0x100 + 0xEC) / 4
    mov eax, 0xEEEEEEEE
    rep stosd
    mov esp, STK
    mov ebp, STK + 0x100
    mov dword [STK+0x100-4], 0xAAAA0001
    mov dword [STK+0x100-8], 0xAAAA0002
    mov dword [STK+0x100-12], 0xAAAA0003
    mov dword [STK+0x100-16], 0xAAAA0004
    mov dword [STK+0x100-20], 0xAAAA0005
    %1 %2, %3
    mov [V_A], ebp
    mov [V_B], esp
    mov esp, [V_SAVE]
    %defstr ENN %1 %2 %3
    PUTS ENN, ": ebp="
    PHEX32 [V_A]
    PUTS " esp="
    PHEX32 [V_B]
    PUTS " stack:"
    mov esi, [V_B]
%%d:
    cmp esi, STK
    jae %%e
    PSP
    PHEX32 [esi]
    add esi, 4
    jmp %%d
%%e:
    PNL
%endmacro
    ENTERT enter, 8, 0
    ENTERT enter, 8, 1
    ENTERT enter, 4, 2
    ENTERT enter, 0, 5
    ENTERT enter, 0x10, 33          ; level taken mod 32
    ENTERT o16 enter, 6, 3
    mov esp, STK - 0x20
    mov ebp, STK - 0x10
    mov dword [STK-0x10], 0x12345678
    leave
    mov eax, esp
    mov ebx, ebp
    mov esp, STK - 0x20
    mov word [STK-0x10], 0x5678
    mov word [STK-0x10+2], 0x1234
    mov ebp, STK - 0x10
    db 0x66, 0xC9                   ; o16 leave: ESP <- EBP, BP <- pop16
    mov ecx, esp
    mov edx, ebp
    mov esp, [V_SAVE]
    PUTS "leave: esp="
    PHEX32 eax
    PUTS " ebp="
    PHEX32 ebx
    PUTS " o16 leave: esp="
    PHEX32 ecx
    PUTS " ebp="
    PHEX32 edx
    PNL

    ; LAHF / SAHF / CMC / CLC / STC
    push dword 0x08D7
    popfd
    lahf
    mov bl, ah
    push dword 0x0802
    popfd
    lahf
    mov bh, ah
    mov ah, 0xFF
    sahf
    pushfd
    pop ecx
    mov ah, 0x00
    sahf
    pushfd
    pop edx
    PUTS "lahf: "
    PHEX8 bl
    PSP
    PHEX8 bh
    PUTS " sahf ff: "
    PHEX16 cx
    PUTS " sahf 00: "
    PHEX16 dx
    clc
    cmc
    pushfd
    pop eax
    stc
    cmc
    pushfd
    pop ebx
    PUTS " clc;cmc: "
    PHEX16 ax
    PUTS " stc;cmc: "
    PHEX16 bx
    PNL

    ; XLAT
    mov ebx, xlat_tab
    mov eax, 0xFFFFFF03
    xlatb
    PUTS "xlat: eax="
    PHEX32 eax
    mov ebx, 0x12348000
    mov byte [0x8002], 0x99
    mov eax, 2
    a16 xlatb                       ; DS:[BX+AL], BX only
    PUTS " a16 xlat: al="
    PHEX8 al
    PNL

    ; LOOP family with address size
    mov ecx, 0x12340003
    xor eax, eax
.l1:
    inc eax
    a16 loop .l1
    PUTS "a16 loop: n="
    PHEX32 eax
    PUTS " ecx="
    PHEX32 ecx
    mov ecx, 5
    mov esi, MEM
    mov dword [MEM], 0
    mov dword [MEM+4], 0
    mov byte [MEM+2], 1
    xor eax, eax
.l2:
    inc eax
    cmp byte [esi], 0
    lea esi, [esi+1]
    loope .l2
    PUTS " loope: n="
    PHEX32 eax
    PUTS " ecx="
    PHEX32 ecx
    mov ecx, 5
    mov esi, MEM
    mov dword [MEM], 0x01010101
    mov byte [MEM+3], 0
    xor eax, eax
.l3:
    inc eax
    cmp byte [esi], 0
    lea esi, [esi+1]
    loopne .l3
    PUTS " loopne: n="
    PHEX32 eax
    PUTS " ecx="
    PHEX32 ecx
    mov ecx, 0x10000
    mov al, 0
    a16 jcxz .j1
    mov al, 1
.j1:
    mov ah, 0
    jecxz .j2
    mov ah, 1
.j2:
    PUTS " a16 jcxz="
    PHEX8 al
    PUTS " jecxz="
    PHEX8 ah
    mov ecx, 0
    xor eax, eax
.l4:
    inc eax
    cmp eax, 0x10003
    je .l4x
    a16 loop .l4                    ; CX=0: 65536 iterations
.l4x:
    PUTS " a16 loop cx=0: n="
    PHEX32 eax
    PNL

    ; BOUND / INTO / INT3
    mov dword [MEM], -10
    mov dword [MEM+4], 20
    mov eax, -10
    bound eax, [MEM]
    mov eax, 20
    bound eax, [MEM]
    PUTS "bound -10 and 20 in [-10,20]: ok", 10
    mov eax, 21
    PUTS "bound 21: "
    RECOVER bound_done
bound_insn:
    bound eax, [MEM]
bound_done:
    PUTS "  (bound at "
    PHEX32 bound_insn
    PUTS ")", 10
    mov eax, -11
    PUTS "bound -11: "
    RECOVER bound_done2
    bound eax, [MEM]
bound_done2:
    mov word [MEM], 0x8000
    mov word [MEM+2], 0x7FFF
    mov ax, 0xFFFF
    o16 bound ax, [MEM]
    PUTS "o16 bound ffff in [8000,7fff]: ok", 10
    push dword 0x0002
    popfd
    into
    PUTS "into (OF=0): nothing", 10
    push dword 0x0802
    popfd
    PUTS "into (OF=1): "
    RECOVER_SAME
into_insn:
    into
    PUTS "  (into at "
    PHEX32 into_insn
    PUTS ")", 10
    PUTS "int3: "
    RECOVER_SAME
    int3
    PUTS "int 3: "
    RECOVER_SAME
    int 3

    ; #UD
    TRY "ud2", ud2
    TRY "lock nop", db 0xF0, 0x90
    TRY "lock add eax,ebx", db 0xF0, 0x01, 0xD8
    mov dword [MEM], 1
    TRY "lock add [mem],eax", lock add [MEM], eax
    TRY "0f 1f 00 (nop dword [eax])", db 0x0F, 0x1F, 0x00
    TRY "mov cs,ax", db 0x8E, 0xC8

    ; LDS family
    mov dword [MEM], 0x9ABCDEF0
    mov word [MEM+4], SEL_DATA32
    mov word [MEM+8], 0x1234
    mov word [MEM+10], SEL_DATA32
    lds esi, [MEM]
    les edi, [MEM]
    lfs eax, [MEM]
    lgs ebx, [MEM]
    lgs cx, [MEM+8]
    mov [V_SAVE], esp
    lss esp, [MEM]
    mov edx, esp
    mov bp, SEL_DATA32
    mov ss, bp
    mov esp, [V_SAVE]
    PUTS "lds esi="
    PHEX32 esi
    PUTS " les edi="
    PHEX32 edi
    PUTS " lfs eax="
    PHEX32 eax
    PUTS " lgs ebx="
    PHEX32 ebx
    PUTS " o16 lgs cx="
    PHEX32 ecx
    PUTS " lss esp="
    PHEX32 edx
    PNL

    ; XCHG, moffs
    mov eax, 0x11111111
    mov dword [MEM], 0x22222222
    xchg [MEM], eax
    mov ebx, 0x33334444
    mov ecx, 0x55556666
    xchg bx, cx
    xchg bh, cl
    PUTS "xchg: eax="
    PHEX32 eax
    PUTS " [mem]="
    PHEX32 [MEM]
    PUTS " ebx="
    PHEX32 ebx
    PUTS " ecx="
    PHEX32 ecx
    mov dword [MEM+0x10], 0xCAFEF00D
    mov eax, [MEM+0x10]             ; A1 moffs32
    mov byte [MEM+0x14], 0x77
    mov al, [MEM+0x14]              ; A0
    mov [MEM+0x18], eax             ; A3
    PUTS " moffs: eax="
    PHEX32 eax
    PUTS " [mem+18]="
    PHEX32 [MEM+0x18]
    PNL

    ; indirect and far indirect transfers, RET imm16
    mov dword [MEM], .t1
    call [MEM]
    mov eax, .t2
    call eax
    mov dword [MEM], .t3
    mov word [MEM+4], SEL_CODE32
    call far [MEM]
    mov dword [MEM], .t4
    jmp far [MEM]
.t1:
    PUTS "call [mem] "
    ret
.t2:
    PUTS "call eax "
    ret
.t3:
    PUTS "call far [mem] "
    retf
.t4:
    PUTS "jmp far [mem] "
    mov [V_SAVE], esp
    push dword 1
    push dword 2
    call .t5
    mov eax, [V_SAVE]
    sub eax, esp
    PUTS "ret 8: esp delta="
    PHEX32 eax
    PNL
    jmp .t6
.t5:
    ret 8
.t6:

    ; ARPL, SGDT/SIDT/SLDT/STR/SMSW
    mov ax, 0x0011
    mov bx, 0x0023
    arpl ax, bx
    pushfd
    pop ecx
    and ecx, 0x40
    mov dx, 0x0013
    mov bx, 0x0001
    arpl dx, bx
    pushfd
    pop ebx
    and ebx, 0x40
    PUTS "arpl: "
    PHEX16 ax
    PUTS " zf="
    PHEX8 cl
    PSP
    PHEX16 dx
    PUTS " zf="
    PHEX8 bl
    sgdt [MEM]
    sidt [MEM+8]
    PUTS " sgdt="
    PHEX16 [MEM]
    PUTS ":"
    PHEX32 [MEM+2]
    PUTS " sidt="
    PHEX16 [MEM+8]
    PUTS ":"
    PHEX32 [MEM+10]
    sldt ax
    PUTS " sldt="
    PHEX16 ax
    str ax
    PUTS " str="
    PHEX16 ax
    smsw ax
    and ax, 0x000F                  ; PE MP EM TS
    PUTS " smsw&f="
    PHEX16 ax
    PNL

    ; 16-bit code in protected mode (SS: a 16-bit data segment, SP below 64 KB)
    mov [V_SAVE], esp
    mov ax, SEL_DATA16
    mov ss, ax
    mov esp, 0x7000
    call SEL_CODE16:ROFF(code16)
    mov bp, SEL_DATA32
    mov ss, bp
    mov esp, [V_SAVE]
    PUTS "back in 32-bit code: eax="
    PHEX32 eax
    PNL

    ; operand-size prefixes on instructions whose size matters
    mov eax, 0x12345678
    mov dword [MEM], 0xFFFFFFFF
    mov [MEM], ax                   ; 66: 16-bit store
    mov dword [MEM+4], 0xFFFFFF80
    movsx ax, byte [MEM+4]          ; 66 0f be: eax high half kept
    mov ebx, 0xAAAAAAAA
    mov bx, 0x1234                  ; 66 b8+r
    PUTS "o16 store: "
    PHEX32 [MEM]
    PUTS " o16 movsx: "
    PHEX32 eax
    PUTS " o16 mov bx: "
    PHEX32 ebx
    mov ecx, 0x11111111
    inc cx
    PUTS " o16 inc cx: "
    PHEX32 ecx
    PNL

    ; LEA and addressing modes
    mov eax, 0x1000
    mov ecx, 0x0100
    mov edx, 0x0010
    mov ebx, 0x0001
    mov esi, 0x20000
    mov edi, 0x30000
    mov ebp, 0x40000
    PUTS "lea32:"
%macro LEA32 1+
    push eax
    lea eax, %1
    PSP
    PHEX32 eax
    pop eax
%endmacro
    LEA32 [eax]
    LEA32 [ecx+0x7F]
    LEA32 [edx-0x80]
    LEA32 [ebx+0x12345678]
    LEA32 [esi+edi]
    LEA32 [esi+edi*2]
    LEA32 [esi+edi*4+0x10]
    LEA32 [ecx*8+0x100]
    LEA32 [ebp]
    LEA32 [ebp+ecx*2-4]
    LEA32 [0x55AA55AA]
    LEA32 [eax+eax*8]
    LEA32 [eax-1]
    push eax
    db 0x8D, 0x04, 0x63             ; lea eax, [ebx + (no index)*2]
    PSP
    PHEX32 eax
    pop eax
    push eax
    mov eax, esp
    lea eax, [esp]
    sub eax, esp
    PSP
    PHEX32 eax
    pop eax
    PNL
    PUTS "lea16:"
    mov ebx, 0xAAAA8000
    mov esi, 0xBBBB9000
    mov edi, 0xCCCC0123
    mov ebp, 0xDDDD0456
%macro LEA16 1+
    push eax
    mov eax, 0xEEEEEEEE
    lea eax, %1
    PSP
    PHEX32 eax
    mov eax, 0xEEEEEEEE
    lea ax, %1
    PUTS "/"
    PHEX32 eax
    pop eax
%endmacro
    LEA16 [bx+si]
    LEA16 [bx+di+0x10]
    LEA16 [bp+si-2]
    LEA16 [bp+di+0x1234]
    LEA16 [si]
    LEA16 [di+0x7F]
    LEA16 [bp]
    LEA16 [bx]
    LEA16 [0x8765]
    PNL
    mov dword [MEM+2], 0x44332211
    SETDESC SEL_FREE, MEM, 0xFFFF, ACC_DATA0, 0x0
    mov ax, SEL_FREE
    mov es, ax
    mov ebx, 0x5555FFFF
    mov esi, 0x00000003
    a16 mov eax, [es:bx+si]         ; offset (ffff+3) & ffff = 2
    PUTS "a16 [bx+si] wraps: eax="
    PHEX32 eax
    PNL
    mov ax, SEL_DATA32
    mov es, ax

    ; self-modifying code (copied to RAM at SMC)
    mov esi, smc_code
    mov edi, SMC
    mov ecx, smc_end - smc_code
    rep movsb
    call SMC
    PUTS "smc: al="
    PHEX8 al
    PUTS " bl="
    PHEX8 bl
    PUTS " cl="
    PHEX8 ah
    PUTS " dl="
    PHEX8 dl
    PUTS " loop sum="
    PHEX32 esi
    PNL
    DONE

; ---------------------------------------------------------------------------------------
; runs at SMC (RAM); all addresses are SMC-relative
smc_code:
    mov bl, 0x10
    mov byte [SMC + (.n1 - smc_code) + 1], 0x42     ; patch the very next instruction
.n1:
    mov al, 0x00
    mov byte [SMC + (.n2 - smc_code) + 1], 0xCB     ; inc bl -> dec bl
.n2:
    inc bl
    ; REP MOVSB copying "mov cl, 77h" over the following "mov cl, 11h"
    mov esi, SMC + (.src - smc_code)
    mov edi, SMC + (.n3 - smc_code)
    mov ecx, 2
    rep movsb
.n3:
    mov cl, 0x11
    mov ah, cl
    ; a dword store that rewrites the next two instructions at once
    mov dword [SMC + (.n4 - smc_code)], 0x90903CB2  ; "mov dl, 3ch; nop; nop"
.n4:
    mov dl, 0x01
    inc dl
    ; a loop that patches its own immediate each iteration
    xor esi, esi
    mov ecx, 4
.lp:
    add esi, 0x01                   ; 83 C6 imm8
    .imm equ $ - 1
    inc byte [SMC + (.imm - smc_code)]
    loop .lp
    ret
.src:
    mov cl, 0x77
smc_end:

bits 16
; 16-bit code in protected mode: CS = SEL_CODE16 (base F0000), SS = SEL_DATA16
code16:
    PUTS "16-bit PM code: cs="
    PHEX16 cs
    PUTS " ss="
    PHEX16 ss
    PUTS " sp="
    PHEX16 sp
    mov eax, 0x0000FFFF
    inc ax                          ; 16-bit inc: eax = 0
    mov ebx, 0x12345678
    push ebx                        ; o32 push: 4 bytes
    pop ecx
    push bx
    pop dx
    PUTS " inc ax -> "
    PHEX32 eax
    PUTS " ecx="
    PHEX32 ecx
    PUTS " dx="
    PHEX16 dx
    PNL
    mov eax, 0xC0DE0016
    o32 retf

%include "lib/end.inc"
