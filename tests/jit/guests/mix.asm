; mix.asm -- a hot loop over many instruction forms (ALU, shifts, flags, 8/16-bit, mul/div,
; memory operands, string instructions, stack, calls, conditional moves, x87), for lockstep.
%include "common.inc"

start:
    fninit
    mov ecx, 300
    xor eax, eax
    mov ebx, 0x9E3779B9
    xor edx, edx
    xor ebp, ebp
.loop:
    push ecx
    add eax, ebx
    adc edx, 0
    sub ebx, ecx
    sbb ebp, 0
    xor eax, 0x5A5A1234
    rol eax, 7
    ror ebx, cl
    shl edx, 3
    sar ebp, 1
    shld eax, ebx, 5
    shrd ebx, eax, 3
    imul eax, eax, 31
    mov edi, eax
    neg edi
    not edi
    test edi, 0x80
    setnz cl
    movzx ecx, cl
    add eax, ecx
    cmp eax, ebx
    cmovb eax, ebx
    bswap edx
    bt eax, 5
    adc ebp, ebp
    add ax, bx
    xchg al, ah
    inc bl
    dec bh
    movsx edi, bx
    add ebp, edi
    push eax
    push edx
    mov eax, ebx
    xor edx, edx
    mov ecx, 12345
    div ecx
    add ebp, edx
    imul ecx
    add ebp, eax
    pop edx
    pop eax
    mov [DATA + 0], eax
    add [DATA + 4], ebx
    mov edi, [DATA + 4]
    xor [DATA + 8], edi
    lea edi, [eax + ebx * 2 + 7]
    sub [DATA + 12], di
    cld
    mov esi, DATA
    mov edi, DATA + 64
    mov ecx, 4
    rep movsd
    push eax
    mov edi, DATA + 128
    mov ecx, 3
    mov eax, ebp
    rep stosd
    mov esi, DATA + 64
    lodsd
    add ebp, eax
    pop eax
    pushfd
    pop edi
    and edi, 0x8d5
    add ebp, edi
    lahf
    mov [DATA + 16], ah
    fild dword [DATA + 0]
    fiadd dword [DATA + 4]
    fistp dword [DATA + 20]
    pop ecx
    test eax, 1
    jz .even
    call helper
.even:
    dec ecx
    jnz .loop
    mov [RESULT + 0], eax
    mov [RESULT + 4], ebx
    mov [RESULT + 8], edx
    mov [RESULT + 12], ebp
    cli
    hlt

helper:
    lea eax, [eax + ebx * 2 + 7]
    xor ebp, eax
    ret
