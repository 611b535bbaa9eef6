; fpu.asm -- x87: FLD/FST/FSTP in every format (incl. denormals, infinities, NaNs, overflow on
; narrowing), FILD/FIST/FISTP, FBLD/FBSTP, FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in every encoding
; (m32, m64, st(i) both directions, pop forms, integer forms), FSQRT, FSCALE, FXTRACT,
; FPREM/FPREM1, FRNDINT under each rounding mode, precision control, FABS/FCHS/constants,
; FCOM/FUCOM/FCOMI/FUCOMI (+pop forms)/FICOM/FTST/FXAM, FLDCW/FSTCW/FSTSW, FSTENV/FLDENV,
; FSAVE/FRSTOR, FINCSTP/FDECSTP/FFREE/FXCH, masked exceptions (IE DE ZE OE UE PE, stack
; overflow/underflow) in the status word, unmasked exceptions (#MF with CR0.NE=1, at the next
; waiting instruction), #NM (CR0.EM, CR0.TS with and without MP), and FSIN/FCOS/FSINCOS/FPTAN/
; FPATAN/F2XM1/FYL2X/FYL2XP1.  FXSAVE/FXRSTOR are in fxsr.asm (they need a P6 with FXSR).
;
; Values are printed as 80-bit images "sexp:mantissa" (sign+exponent 16 bits, significand 64
; bits) or as memory images of the stored format; "sw" is the FPU status word.
; Transcendental results are printed with the significand rounded to 32 bits ("sexp:mant32~")
; and their status word is masked with 7d1f (C1 and PE dropped): implementations differ in
; the last bits of these functions.
%include "lib/lib.inc"

T80     equ 0x20000         ; scratch for stores
M32     equ 0x20010
M64     equ 0x20018
M16     equ 0x20020
ENV     equ 0x20100         ; FSTENV / FSAVE images
SW      equ 0x20030
CW      equ 0x20034
V_SAVE  equ 0x20038

%macro TRY 2+
    PUTS %1, ": "
    RECOVER %%f
    %2
    mov dword [ss:RECOVER_EIP], 0
    PUTS "ok", 10
%%f:
%endmacro

%macro T 1+         ; start a test: name, FPU reset (FNINIT, default control word)
    PUTS %1, ": "
    call fpreset
%endmacro
%macro R 0          ; print ST0 (popped) and the status word taken before the pop
    call res
%endmacro
%macro RR 0         ; transcendental: rounded significand, masked status word
    call resr
%endmacro
%macro RCW 1        ; load a control word
    mov word [CW], %1
    fldcw [CW]
%endmacro

bits 16
main:
    ENTER_PM32 pm_main

bits 32
pm_main:
    PUTS "fpu: protected mode", 10
    mov eax, cr0
    and eax, ~0x0C                  ; EM=0 TS=0
    or eax, 0x22                    ; MP=1 NE=1
    mov cr0, eax
    fninit
    fnstcw [CW]
    fnstsw [SW]
    PUTS "fninit: cw="
    PHEX16 [CW]
    PUTS " sw="
    PHEX16 [SW]
    fnstenv [ENV]
    PUTS " tw="
    PHEX16 [ENV+8]
    PNL

    call loads_stores
    call integers
    call bcd
    call arith
    call misc_ops
    call compares
    call env_tests
    call exceptions
    call transcendental
    DONE

; ---------------------------------------------------------------------------------------
fpreset:
    fninit
    ret

; ST0 -> popped and printed, status word before the pop
res:
    fnstsw [SW]
    fstp tword [T80]
    PUTS "-> "
    call p80
    PUTS " sw="
    PHEX16 [SW]
    PNL
    ret

resr:
    fnstsw [SW]
    fstp tword [T80]
    PUTS "-> "
    call p80r
    PUTS " sw&7d1f="
    push eax
    mov ax, [SW]
    and ax, 0x7D1F
    PHEX16 ax
    pop eax
    PNL
    ret

p80:                                ; the 80-bit value at T80
    PHEX16 [T80+8]
    PUTS ":"
    PHEX32 [T80+4]
    PHEX32 [T80]
    ret

p80r:                               ; ... with the significand rounded to 32 bits
    pushad
    mov eax, [T80+4]
    mov edx, [T80]
    movzx ebx, word [T80+8]
    add edx, 0x80000000
    adc eax, 0
    jnc .ok
    mov eax, 0x80000000
    inc ebx
.ok:
    PHEX16 bx
    PUTS ":"
    PHEX32 eax
    PUTS "~"
    popad
    ret

psw:
    fnstsw [SW]
    PUTS " sw="
    PHEX16 [SW]
    ret

; ---------------------------------------------------------------------------------------
; FLD m80 then FST m32 / FST m64 / FSTP m80, each with its own status word
%macro LS 2         ; name, 80-bit constant label
    PUTS %1, ": "
    call fpreset
    fld tword [%2]
    fnclex
    fst dword [M32]
    PUTS "m32="
    PHEX32 [M32]
    call psw
    fnclex
    fst qword [M64]
    PUTS " m64="
    PHEX32 [M64+4]
    PHEX32 [M64]
    call psw
    fnclex
    fstp tword [T80]
    PUTS " m80="
    call p80
    call psw
    PNL
%endmacro

loads_stores:
    PUTS "-- FLD m80, FST m32/m64, FSTP m80", 10
    LS "1.0", x_one
    LS "-2.5", x_m2_5
    LS "1/3", x_third
    LS "1e300", x_1e300
    LS "1e-40", x_1e_40
    LS "1e-320", x_1e_320
    LS "1e4000", x_1e4000
    LS "80-bit denormal", x_den80
    LS "+0", x_pzero
    LS "-0", x_mzero
    LS "+inf", x_pinf
    LS "-inf", x_minf
    LS "qnan", x_qnan
    LS "snan", x_snan
    LS "2^-149", x_2m149
    LS "1+2^-24", x_1p24
    LS "1+2^-23+2^-24", x_1p23p24
    PUTS "-- FLD m32/m64", 10
    T "fld m32 1.5"
    fld dword [f_1_5]
    R
    T "fld m32 denormal"
    fld dword [f_den]
    R
    T "fld m32 snan"
    fld dword [f_snan]
    R
    T "fld m32 -inf"
    fld dword [f_minf]
    R
    T "fld m64 0.1"
    fld qword [d_0_1]
    R
    T "fld m64 denormal"
    fld qword [d_den]
    R
    T "fld m64 qnan"
    fld qword [d_qnan]
    R
    PUTS "-- FLD/FST/FSTP ST(i), FXCH", 10
    T "fld st1"
    fld1
    fldpi
    fld st1
    R
    R
    R
    T "fst st2"
    fldz
    fld1
    fldpi
    fst st2
    R
    R
    R
    T "fstp st1"
    fld1
    fldpi
    fstp st1
    R
    T "fxch st2"
    fldz
    fld1
    fldpi
    fxch st2
    R
    R
    R
    T "fxch with empty st1"
    fld1
    fxch st1
    R
    R
    ret

; ---------------------------------------------------------------------------------------
%macro FISTT 2      ; name, control word  (FIST m16, FIST m32, FISTP m64 of ST0 = T80)
    PUTS %1, ": "
    call fpreset
    RCW %2
    fld tword [T80]
    fnclex
    mov dword [M16], 0x55555555
    fist word [M16]
    PUTS "m16="
    PHEX16 [M16]
    call psw
    fnclex
    fist dword [M32]
    PUTS " m32="
    PHEX32 [M32]
    call psw
    fnclex
    fistp qword [M64]
    PUTS " m64="
    PHEX32 [M64+4]
    PHEX32 [M64]
    call psw
    PNL
%endmacro
%macro FIST_V 2     ; name, 80-bit constant: under the four rounding modes
    mov esi, %2
    mov edi, T80
    movsd
    movsd
    movsw
    FISTT {%1, " rn"}, 0x037F
    FISTT {%1, " rd"}, 0x077F
    FISTT {%1, " ru"}, 0x0B7F
    FISTT {%1, " rz"}, 0x0F7F
%endmacro

integers:
    PUTS "-- FILD", 10
    T "fild m16 -32768"
    fild word [i16_min]
    R
    T "fild m16 12345"
    fild word [i16_12345]
    R
    T "fild m32 -1"
    fild dword [i32_m1]
    R
    T "fild m32 0x7fffffff"
    fild dword [i32_max]
    R
    T "fild m64 0x8000000000000000"
    fild qword [i64_min]
    R
    T "fild m64 0x123456789abcdef0"
    fild qword [i64_big]
    R
    T "fild m64 0"
    fild qword [i64_zero]
    R
    PUTS "-- FIST/FISTP", 10
    FIST_V "2.5", x_2_5
    FIST_V "-2.5", x_m2_5
    FIST_V "3.7", x_3_7
    FIST_V "-0.5", x_m0_5
    FIST_V "32767.5", x_32767_5
    FIST_V "-32768.5", x_m32768_5
    FIST_V "2^31", x_2p31
    FIST_V "-2^31", x_m2p31
    FIST_V "2^63", x_2p63
    FIST_V "qnan", x_qnan
    FIST_V "-inf", x_minf
    ret

; ---------------------------------------------------------------------------------------
bcd:
    PUTS "-- FBLD/FBSTP", 10
    T "fbld 123456789012345678"
    fbld [bcd_pos]
    R
    T "fbld -99"
    fbld [bcd_m99]
    R
    T "fbld -0"
    fbld [bcd_mzero]
%macro BST 1        ; 80-bit constant label: FBSTP, print the 10 bytes
    fld tword [%1]
    fnclex
    mov dword [T80+8], 0x55555555
    fbstp [T80]
    %defstr BSN %1
    PUTS "fbstp ", BSN, " "
    PHEX16 [T80+8]
    PHEX32 [T80+4]
    PHEX32 [T80]
    call psw
    PNL
%endmacro
    R
    call fpreset
    BST x_1234_5
    BST x_m2_5
    BST x_1e17
    BST x_1e18
    BST x_qnan
    BST x_mzero
    BST x_0_4
    RCW 0x0B7F
    BST x_0_4
    ret

; ---------------------------------------------------------------------------------------
%macro AR 2         ; one arithmetic operation in every encoding: a = 10, b = 4 (or 3)
    %defstr ARN %1
    %defstr ARI %2
    T ARN, " st0,m32"
    fld tword [x_10]
    %1 dword [f_4]
    R
    T ARN, " st0,m64"
    fld tword [x_10]
    %1 qword [d_3]
    R
    T ARN, " st0,st1"
    fld tword [x_3]
    fld tword [x_10]
    %1 st0, st1
    R
    R
    T ARN, " st1,st0"
    fld tword [x_10]
    fld tword [x_3]
    %1 st1, st0
    R
    R
    T ARN, "p st1,st0"
    fld tword [x_10]
    fld tword [x_3]
    %1p st1, st0
    R
    T ARI, " m16"
    fld tword [x_10]
    %2 word [i16_m3]
    R
    T ARI, " m32"
    fld tword [x_10]
    %2 dword [i32_7]
    R
%endmacro

arith:
    PUTS "-- arithmetic", 10
    AR fadd, fiadd
    AR fsub, fisub
    AR fsubr, fisubr
    AR fmul, fimul
    AR fdiv, fidiv
    AR fdivr, fidivr
    T "fadd 1+1e-30"
    fld1
    fadd qword [d_1e_30]
    R
    T "fsub 1-1"
    fld1
    fld1
    fsubp st1, st0
    R
    T "fsub 1-1 rd"
    RCW 0x077F
    fld1
    fld1
    fsubp st1, st0
    R
    T "fadd -0+-0"
    fld tword [x_mzero]
    fadd qword [d_mzero]
    R
    T "fadd +0+-0"
    fldz
    fadd qword [d_mzero]
    R
    T "fmul 0*-3"
    fldz
    fmul qword [d_m3]
    R
    T "fdiv 1/3 rn"
    fld1
    fdiv qword [d_3]
    R
    T "fdiv 1/3 rd"
    RCW 0x077F
    fld1
    fdiv qword [d_3]
    R
    T "fdiv 1/3 ru"
    RCW 0x0B7F
    fld1
    fdiv qword [d_3]
    R
    T "fdiv 1/3 rz"
    RCW 0x0F7F
    fld1
    fdiv qword [d_3]
    R
    T "fdiv 1/3 pc=24"
    RCW 0x007F
    fld1
    fdiv qword [d_3]
    R
    T "fdiv 1/3 pc=53"
    RCW 0x027F
    fld1
    fdiv qword [d_3]
    R
    T "fdiv -2/3 pc=24 ru"
    RCW 0x087F
    fld tword [x_m2]
    fdiv qword [d_3]
    R
    T "fadd inf+1"
    fld tword [x_pinf]
    fadd qword [d_3]
    R
    T "fadd qnan+1"
    fld tword [x_qnan]
    fadd qword [d_3]
    R
    T "fadd 1+snan(m64)"
    fld1
    fadd qword [d_snan]
    R
    T "fadd two nans"
    fld tword [x_qnan]
    fld tword [x_qnan2]
    faddp st1, st0
    R
    ret

; ---------------------------------------------------------------------------------------
%macro RND 2        ; name, control word: FRNDINT of six values
    PUTS "frndint ", %1, ":"
    call fpreset
    RCW %2
    mov esi, rnd_vals
    mov ecx, 6
%%l:
    fld tword [esi]
    frndint
    fnstsw [SW]
    fstp tword [T80]
    PSP
    call p80
    PUTS "/"
    PHEX16 [SW]
    add esi, 10
    loop %%l
    PNL
%endmacro

misc_ops:
    PUTS "-- fsqrt fscale fxtract fprem fprem1 frndint fabs fchs constants", 10
    T "fsqrt 4"
    fld tword [x_4]
    fsqrt
    R
    T "fsqrt 2"
    fld tword [x_2]
    fsqrt
    R
    T "fsqrt -1"
    fld tword [x_m1]
    fsqrt
    R
    T "fsqrt -0"
    fld tword [x_mzero]
    fsqrt
    R
    T "fsqrt +inf"
    fld tword [x_pinf]
    fsqrt
    R
    T "fsqrt denormal"
    fld tword [x_den80]
    fsqrt
    R
    T "fscale 1.5*2^3"
    fld tword [x_3]
    fld tword [x_1_5]
    fscale
    R
    R
    T "fscale 1.5*2^-2.7"
    fld tword [x_m2_7]
    fld tword [x_1_5]
    fscale
    R
    R
    T "fscale 1*2^20000"
    fld tword [x_20000]
    fld1
    fscale
    R
    R
    T "fscale 1*2^-20000"
    fld tword [x_m20000]
    fld1
    fscale
    R
    R
    T "fxtract 12"
    fld tword [x_12]
    fxtract
    R
    R
    T "fxtract -0.375"
    fld tword [x_m0_375]
    fxtract
    R
    R
    T "fxtract 0"
    fldz
    fxtract
    R
    R
    T "fxtract inf"
    fld tword [x_pinf]
    fxtract
    R
    R
    T "fprem 10 mod 3"
    fld tword [x_3]
    fld tword [x_10]
    fprem
    R
    R
    T "fprem -10 mod 3"
    fld tword [x_3]
    fld tword [x_m10]
    fprem
    R
    R
    T "fprem1 10 rem 3"
    fld tword [x_3]
    fld tword [x_10]
    fprem1
    R
    R
    T "fprem1 11 rem 3"
    fld tword [x_3]
    fld tword [x_11]
    fprem1
    R
    R
    T "fprem 1e300 mod 3 (partial)"
    fld tword [x_3]
    fld tword [x_1e300]
    fprem
    R
    R
    T "fprem 23 mod 3.5"
    fld tword [x_3_5]
    fld tword [x_23]
    fprem
    R
    R
    T "fprem x mod 0"
    fldz
    fld tword [x_10]
    fprem
    R
    R
    T "fprem inf mod 3"
    fld tword [x_3]
    fld tword [x_pinf]
    fprem
    R
    R
    RND "rn", 0x037F
    RND "rd", 0x077F
    RND "ru", 0x0B7F
    RND "rz", 0x0F7F
    T "fabs -2.5"
    fld tword [x_m2_5]
    fabs
    R
    T "fchs 0"
    fldz
    fchs
    R
    T "fabs qnan(neg)"
    fld tword [x_nqnan]
    fabs
    R
    T "fld1"
    fld1
    R
    T "fldl2t"
    fldl2t
    R
    T "fldl2e"
    fldl2e
    R
    T "fldpi"
    fldpi
    R
    T "fldlg2"
    fldlg2
    R
    T "fldln2"
    fldln2
    R
    T "fldz"
    fldz
    R
    ret

; ---------------------------------------------------------------------------------------
; comparisons of st0 = a, st1 = b: status C3 C2 C0 (and C1), FCOMI EFLAGS
%macro CMPT 3       ; name, a, b
    PUTS "cmp ", %1, ":"
    call fpreset
    fld tword [%3]
    fld tword [%2]
    fcom st1
    fnstsw [SW]
    PUTS " fcom="
    PHEX16 [SW]
    fnclex
    fucom st1
    fnstsw [SW]
    PUTS " fucom="
    PHEX16 [SW]
    fnclex
    push dword 0x08D7
    popfd
    fcomi st0, st1
    pushfd
    pop eax
    and eax, 0x8D5
    fnstsw [SW]
    PUTS " fcomi="
    PHEX16 ax
    PUTS "/"
    PHEX16 [SW]
    fnclex
    push dword 0x0002
    popfd
    fucomi st0, st1
    pushfd
    pop eax
    and eax, 0x8D5
    fnstsw [SW]
    PUTS " fucomi="
    PHEX16 ax
    PUTS "/"
    PHEX16 [SW]
    PNL
%endmacro
%macro XAM 2        ; name, 80-bit constant (or 0: empty register)
    call fpreset
%ifidn %2, 0
    fld1
    ffree st0
%else
    fld tword [%2]
%endif
    fxam
    fnstsw [SW]
    PUTS " ", %1, "="
    PHEX16 [SW]
%endmacro
%macro TST 2
    call fpreset
    fld tword [%2]
    ftst
    fnstsw [SW]
    PUTS " ", %1, "="
    PHEX16 [SW]
%endmacro

compares:
    PUTS "-- comparisons (fcom/fucom: sw; fcomi/fucomi: eflags&8d5/sw)", 10
    CMPT "1 ? 2", x_one, x_2
    CMPT "2 ? 1", x_2, x_one
    CMPT "2 ? 2", x_2, x_2
    CMPT "+0 ? -0", x_pzero, x_mzero
    CMPT "1 ? qnan", x_one, x_qnan
    CMPT "snan ? 1", x_snan, x_one
    CMPT "-inf ? +inf", x_minf, x_pinf
    CMPT "den ? 0", x_den80, x_pzero
    T "fcomp/fcompp/fucompp tops"
    fld1
    fld1
    fld1
    fld1
    fcomp st1
    fnstsw [SW]
    PHEX16 [SW]
    fcompp
    fnstsw [SW]
    PSP
    PHEX16 [SW]
    fucompp
    fnstsw [SW]
    PSP
    PHEX16 [SW]
    PNL
    T "fcomip/fucomip"
    fld1
    fld1
    fld1
    fcomip st0, st1
    pushfd
    fucomip st0, st1
    pushfd
    fnstsw [SW]
    pop eax
    pop ebx
    and eax, 0x8D5
    and ebx, 0x8D5
    PHEX16 bx
    PSP
    PHEX16 ax
    PSP
    PHEX16 [SW]
    PNL
    T "fcom m32 / m64 / ficom m16 / m32"
    fld tword [x_3]
    fcom dword [f_4]
    fnstsw [SW]
    PHEX16 [SW]
    fcom qword [d_3]
    fnstsw [SW]
    PSP
    PHEX16 [SW]
    ficom word [i16_m3]
    fnstsw [SW]
    PSP
    PHEX16 [SW]
    ficom dword [i32_7]
    fnstsw [SW]
    PSP
    PHEX16 [SW]
    ficomp dword [i32_7]
    fnstsw [SW]
    PSP
    PHEX16 [SW]
    PNL
    PUTS "ftst:"
    TST "1", x_one
    TST "-2.5", x_m2_5
    TST "-0", x_mzero
    TST "qnan", x_qnan
    TST "den", x_den80
    PNL
    PUTS "fxam:"
    XAM "+1", x_one
    XAM "-2.5", x_m2_5
    XAM "+0", x_pzero
    XAM "-0", x_mzero
    XAM "+inf", x_pinf
    XAM "-inf", x_minf
    XAM "qnan", x_qnan
    XAM "-qnan", x_nqnan
    XAM "den", x_den80
    XAM "empty", 0
    PNL
    ret

; ---------------------------------------------------------------------------------------
; print the 28-byte environment at ENV: FCW FSW FTW FIP FCS(+FOP) FDP FDS; the reserved
; upper halves of FCW/FSW/FTW/FDS and bits 27-31 of the FCS dword are not printed
penv:
    push eax
    PUTS " cw="
    PHEX16 [ENV]
    PUTS " sw="
    PHEX16 [ENV+4]
    PUTS " tw="
    PHEX16 [ENV+8]
    PUTS " fip="
    PHEX32 [ENV+12]
    PUTS " fcs="
    PHEX16 [ENV+16]
    PUTS " fop="
    mov ax, [ENV+18]
    and ax, 0x07FF
    PHEX16 ax
    PUTS " fdp="
    PHEX32 [ENV+20]
    PUTS " fds="
    PHEX16 [ENV+24]
    pop eax
    ret
penv_nodp:                          ; the same without the data pointer
    push eax
    PUTS " cw="
    PHEX16 [ENV]
    PUTS " sw="
    PHEX16 [ENV+4]
    PUTS " tw="
    PHEX16 [ENV+8]
    PUTS " fip="
    PHEX32 [ENV+12]
    PUTS " fcs="
    PHEX16 [ENV+16]
    PUTS " fop="
    mov ax, [ENV+18]
    and ax, 0x07FF
    PHEX16 ax
    pop eax
    ret

env_tests:
    PUTS "-- control/status/environment", 10
    call fpreset
    RCW 0x0A7B                      ; RC=up, PC=53, ZE unmasked
    fnstcw [CW]
    mov ax, 0x5555
    fnstsw ax
    PUTS "fnstcw="
    PHEX16 [CW]
    PUTS " fnstsw ax="
    PHEX16 ax
    RCW 0x037F
    fld1
    fldpi
    fldz
    fld tword [x_qnan]
    fld tword [x_den80]
    fincstp
    fincstp
    fdecstp
    fstsw ax
    PUTS " after fincstp x2, fdecstp: sw="
    PHEX16 ax
    PNL
    mov edi, ENV
    mov ecx, 108/4
    mov eax, 0xEEEEEEEE
    rep stosd
    fadd st0, st1
    fnclex
    fld1
    fadd dword [f_4]                ; FIP/FCS/FOP and FDP/FDS
fenv_ins:
    fnstenv [ENV]
    PUTS "fnstenv:"
    call penv
    fnstcw [CW]
    PUTS " then cw="
    PHEX16 [CW]
    PNL
    PUTS "  (fadd at "
    PHEX32 fenv_ins - 6
    PUTS ", operand "
    PHEX32 f_4
    PUTS ")", 10
    fnclex
    RCW 0x0372                      ; some exceptions unmasked, none pending
    fnstenv [ENV+0x40]
    fnstcw [CW]
    PUTS "fnstenv with cw=0372 stores "
    PHEX16 [ENV+0x40]
    PUTS ", then masks all: cw="
    PHEX16 [CW]
    PNL
    ; modify the image, FLDENV, check
    mov word [ENV+0], 0x0C7F        ; RC=zero
    mov word [ENV+4], 0x3800        ; TOP=7, no flags
    mov word [ENV+8], 0x3FFF        ; ST(7)... tags: register 7 valid, others empty
    fldenv [ENV]
    fnstenv [ENV]
    PUTS "fldenv/fnstenv:"
    call penv
    PNL
    ; FSAVE / FRSTOR
    call fpreset
    fld tword [x_m2_5]
    fldz
    fld tword [x_pinf]
    fld tword [x_one]
    mov edi, ENV
    mov ecx, 108/4
    mov eax, 0xEEEEEEEE
    rep stosd
    fnsave [ENV]
    PUTS "fnsave:"
    call penv
    PNL
    PUTS "  regs:"
    mov esi, ENV + 28
    mov ecx, 8
.r: PSP
    PHEX16 [esi+8]
    PUTS ":"
    PHEX32 [esi+4]
    PHEX32 [esi]
    add esi, 10
    loop .r
    PNL
    fnstcw [CW]
    fnstsw [SW]
    fnstenv [ENV+0x80]
    PUTS "  after fnsave: cw="
    PHEX16 [CW]
    PUTS " sw="
    PHEX16 [SW]
    PUTS " tw="
    PHEX16 [ENV+0x88]
    PNL
    frstor [ENV]
    PUTS "frstor:"
    call psw
    PUTS " "
    R
    PUTS "  "
    R
    PUTS "  "
    R
    PUTS "  "
    R
    PUTS "ffree st1: "
    call fpreset
    fld1
    fldpi
    ffree st1
    fnstenv [ENV]
    PUTS "tw="
    PHEX16 [ENV+8]
    PNL
    ret

; ---------------------------------------------------------------------------------------
exceptions:
    PUTS "-- masked exceptions", 10
    T "0/0"
    fldz
    fdiv dword [f_zero]
    R
    T "inf-inf"
    fld tword [x_pinf]
    fld tword [x_pinf]
    fsubp st1, st0
    R
    T "inf*0"
    fld tword [x_pinf]
    fmul dword [f_zero]
    R
    T "1/0"
    fld1
    fdiv dword [f_zero]
    R
    T "-1/0"
    fld tword [x_m1]
    fdiv dword [f_zero]
    R
    T "denormal+1"
    fld1
    fadd dword [f_den]
    R
    T "2^12289*2^12289"
    fld tword [x_big]
    fld tword [x_big]
    fmulp st1, st0
    R
    T "2^-12287*2^-12287"
    fld tword [x_tiny]
    fld tword [x_tiny]
    fmulp st1, st0
    R
    T "2^-12287*2^-4100 (exact denormal)"
    fld tword [x_tiny]
    fld tword [x_2m4100]
    fmulp st1, st0
    R
    T "2^-12287*2^-4100/3 (inexact denormal)"
    fld tword [x_tiny]
    fld tword [x_2m4100]
    fmulp st1, st0
    fdiv qword [d_3]
    R
    T "tiny denormal/4"
    fld tword [x_tinyden]
    fdiv dword [f_4]
    R
    T "1.33*2^-16381/4, UE unmasked"
    RCW 0x036F
    fld tword [x_small]
    fdiv dword [f_4]                ; underflow: pending, result exponent-biased
    call psw
    RECOVER ue_done
    fwait
ue_done:
    fnclex
    PUTS " "
    R
    T "fst m32 of 1e300"
    fld tword [x_1e300]
    fst dword [M32]
    PUTS "m32="
    PHEX32 [M32]
    PSP
    R
    T "fst m64 of 1e-320 (underflow)"
    fld tword [x_1e_320]
    fst qword [M64]
    PUTS "m64="
    PHEX32 [M64+4]
    PHEX32 [M64]
    PSP
    R
    T "stack overflow"
    fld1
    fld1
    fld1
    fld1
    fld1
    fld1
    fld1
    fld1
    fldpi
    R
    T "stack underflow (fstp empty)"
    mov dword [M64], 0x55555555
    mov dword [M64+4], 0x55555555
    fstp qword [M64]
    PUTS "m64="
    PHEX32 [M64+4]
    PHEX32 [M64]
    call psw
    PNL
    T "fadd st0,st3 (empty)"
    fld1
    fadd st0, st3
    R

    PUTS "-- unmasked exceptions (#MF, CR0.NE=1)", 10
    call fpreset
    RCW 0x037B                      ; ZE unmasked
    fld1
    fldz
    fdivp st1, st0                  ; raises ZE: pending, no trap yet
    fnstsw [SW]
    PUTS "after fdiv: sw="
    PHEX16 [SW]
    PNL
    RECOVER mf_done
mf_ins:
    fwait
mf_done:
    fnstsw [SW]
    PUTS "  (fwait at "
    PHEX32 mf_ins
    PUTS ") sw="
    PHEX16 [SW]
    fnstenv [ENV]
    PUTS " env:"
    call penv_nodp
    PNL
    fnclex
    RCW 0x0377                      ; OE unmasked
    fld tword [x_1e300]
    mov dword [M32], 0x12345678
    fst dword [M32]                 ; OE on the store: memory not written
    PUTS "fst m32 1e300, OE unmasked: m32="
    PHEX32 [M32]
    call psw
    PNL
    RECOVER .m2
    fld1                            ; the next FP instruction traps
.m2:
    fnclex
    RCW 0x037E                      ; IE unmasked
    fld tword [x_one]
    fld tword [x_snan]
    RECOVER .m3
    fadd st0, st1                   ; the previous FLD of an SNaN from m80 raises nothing
.m3:
    fnstsw [SW]
    PUTS "snan+1 (IE unmasked): sw="
    PHEX16 [SW]
    PNL
    RECOVER .m4
    fwait
.m4:
    fnclex
    fninit

    PUTS "-- #NM", 10
    mov ebx, cr0
    mov eax, ebx
    or eax, 0x04                    ; EM
    mov cr0, eax
    TRY "EM=1: fld1", fld1
    TRY "EM=1: fwait", fwait
    mov eax, ebx
    or eax, 0x08                    ; TS, MP=1
    mov cr0, eax
    TRY "TS=1 MP=1: fld1", fld1
    TRY "TS=1 MP=1: fwait", fwait
    and eax, ~0x02                  ; MP=0
    mov cr0, eax
    TRY "TS=1 MP=0: fwait", fwait
    TRY "TS=1 MP=0: fnstsw ax", fnstsw ax
    clts
    mov eax, cr0
    and eax, 0x0E
    PUTS "clts: cr0&e="
    PHEX8 al
    PNL
    mov cr0, ebx
    ret


; ---------------------------------------------------------------------------------------
transcendental:
    PUTS "-- transcendental (significand rounded to 32 bits)", 10
    T "fsin 0.5"
    fld tword [x_0_5]
    fsin
    RR
    T "fsin 0"
    fldz
    fsin
    RR
    T "fsin -1"
    fld tword [x_m1]
    fsin
    RR
    T "fcos 0.5"
    fld tword [x_0_5]
    fcos
    RR
    T "fcos 0"
    fldz
    fcos
    RR
    T "fsincos 1"
    fld1
    fsincos
    RR
    RR
    T "fptan 0.5"
    fld tword [x_0_5]
    fptan
    RR
    RR
    T "fpatan 1,1"
    fld1
    fld1
    fpatan
    RR
    T "fpatan 1,-1"
    fld tword [x_m1]
    fld1
    fpatan
    RR
    T "f2xm1 0.5"
    fld tword [x_0_5]
    f2xm1
    RR
    T "f2xm1 -0.5"
    fld tword [x_m0_5]
    f2xm1
    RR
    T "fyl2x 3*log2(8)"
    fld tword [x_3]
    fld tword [x_8]
    fyl2x
    RR
    T "fyl2x 1*log2(10)"
    fld1
    fld tword [x_10]
    fyl2x
    RR
    T "fyl2x log2(0)"
    fld1
    fldz
    fyl2x
    RR
    T "fyl2x log2(-1)"
    fld1
    fld tword [x_m1]
    fyl2x
    RR
    T "fyl2xp1 1*log2(1.25)"
    fld1
    fld tword [x_0_25]
    fyl2xp1
    RR
    T "fsin 2^63 (out of range)"
    fld tword [x_2p63]
    fsin
    RR
    T "fptan 2^64 (out of range)"
    fld tword [x_2p64]
    fptan
    RR
    T "fsin inf"
    fld tword [x_pinf]
    fsin
    RR
    ret

; ---------------------------------------------------------------------------------------
; constants
%macro X80 3        ; label, sign+exponent, significand (64 bits)
%1: dq %3
    dw %2
%endmacro
    X80 x_one, 0x3FFF, 0x8000000000000000
    X80 x_2, 0x4000, 0x8000000000000000
    X80 x_3, 0x4000, 0xC000000000000000
    X80 x_4, 0x4001, 0x8000000000000000
    X80 x_8, 0x4002, 0x8000000000000000
    X80 x_10, 0x4002, 0xA000000000000000
    X80 x_m10, 0xC002, 0xA000000000000000
    X80 x_11, 0x4002, 0xB000000000000000
    X80 x_12, 0x4002, 0xC000000000000000
    X80 x_23, 0x4003, 0xB800000000000000
    X80 x_3_5, 0x4000, 0xE000000000000000
    X80 x_1_5, 0x3FFF, 0xC000000000000000
    X80 x_2_5, 0x4000, 0xA000000000000000
    X80 x_m2_5, 0xC000, 0xA000000000000000
    X80 x_3_7, 0x4000, 0xECCCCCCCCCCCCCCD
    X80 x_0_5, 0x3FFE, 0x8000000000000000
    X80 x_m0_5, 0xBFFE, 0x8000000000000000
    X80 x_0_25, 0x3FFD, 0x8000000000000000
    X80 x_0_4, 0x3FFD, 0xCCCCCCCCCCCCCCCD
    X80 x_m0_375, 0xBFFD, 0xC000000000000000
    X80 x_m1, 0xBFFF, 0x8000000000000000
    X80 x_m2, 0xC000, 0x8000000000000000
    X80 x_m2_7, 0xC000, 0xACCCCCCCCCCCCCCD
    X80 x_third, 0x3FFD, 0xAAAAAAAAAAAAAAAB
    X80 x_1e300, 0x43E3, 0xBF21E44003ACDD2D
    X80 x_1e_40, 0x3F7A, 0x8B61313BBABCE2C6
    X80 x_1e_320, 0x3BD7, 0xFD00B897478238D1
    X80 x_1e4000, 0x73E6, 0xD1BA8323FE558C61
    X80 x_big, 0x7000, 0x8000000000000000       ; 2^12289
    X80 x_tiny, 0x1000, 0x8000000000000000      ; 2^-12287
    X80 x_2m4100, 0x2FFB, 0x8000000000000000
    X80 x_small, 0x0002, 0xAAAAAAAAAAAAAAAB
    X80 x_tinyden, 0x0000, 0x000000000000000F   ; a tiny 80-bit denormal
    X80 x_den80, 0x0000, 0x4000000000000000
    X80 x_pzero, 0x0000, 0x0000000000000000
    X80 x_mzero, 0x8000, 0x0000000000000000
    X80 x_pinf, 0x7FFF, 0x8000000000000000
    X80 x_minf, 0xFFFF, 0x8000000000000000
    X80 x_qnan, 0x7FFF, 0xC000000000001234
    X80 x_qnan2, 0xFFFF, 0xC000000000005678
    X80 x_nqnan, 0xFFFF, 0xC000000000000001
    X80 x_snan, 0x7FFF, 0x8000000000004321
    X80 x_2m149, 0x3F6A, 0x8000000000000000
    X80 x_1p24, 0x3FFF, 0x8000008000000000
    X80 x_1p23p24, 0x3FFF, 0x8000018000000000
    X80 x_32767_5, 0x400D, 0xFFFF000000000000
    X80 x_m32768_5, 0xC00E, 0x8000800000000000
    X80 x_2p31, 0x401E, 0x8000000000000000
    X80 x_m2p31, 0xC01E, 0x8000000000000000
    X80 x_2p63, 0x403E, 0x8000000000000000
    X80 x_2p64, 0x403F, 0x8000000000000000
    X80 x_1234_5, 0x4009, 0x9A50000000000000
    X80 x_1e17, 0x4037, 0xB1A2BC2EC5000000
    X80 x_1e18, 0x403A, 0xDE0B6B3A76400000
    X80 x_20000, 0x400D, 0x9C40000000000000
    X80 x_m20000, 0xC00D, 0x9C40000000000000
rnd_vals:
    X80 r_2_5, 0x4000, 0xA000000000000000
    X80 r_m2_5, 0xC000, 0xA000000000000000
    X80 r_3_7, 0x4000, 0xECCCCCCCCCCCCCCD
    X80 r_m3_7, 0xC000, 0xECCCCCCCCCCCCCCD
    X80 r_0_5, 0x3FFE, 0x8000000000000000
    X80 r_m0_3, 0xBFFD, 0x999999999999999A
f_1_5:  dd 0x3FC00000
f_4:    dd 0x40800000
f_zero: dd 0
f_den:  dd 0x00012345
f_snan: dd 0x7F800123
f_minf: dd 0xFF800000
d_0_1:  dq 0x3FB999999999999A
d_3:    dq 0x4008000000000000
d_m3:   dq 0xC008000000000000
d_den:  dq 0x0000000012345678
d_qnan: dq 0x7FF8000000000ABC
d_snan: dq 0x7FF0000000000001
d_mzero: dq 0x8000000000000000
d_1e_30: dq 0x39B4484BFEEBC2A0
i16_min: dw 0x8000
i16_12345: dw 12345
i16_m3: dw -3
i32_m1: dd -1
i32_max: dd 0x7FFFFFFF
i32_7:  dd 7
i64_min: dq 0x8000000000000000
i64_big: dq 0x123456789ABCDEF0
i64_zero: dq 0
bcd_pos: dq 0x3456789012345678
         dw 0x0012
bcd_m99: dq 0x99
         dw 0x8000
bcd_mzero: dq 0
         dw 0x8000

%include "lib/end.inc"
