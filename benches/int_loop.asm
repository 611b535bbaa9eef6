; int_loop.asm -- bare-metal integer loop for the interpreter benchmark (benches/run-int-loop.sh).
; 64 KB ROM, starts at F000:FFF0 in real mode, switches to flat 32-bit protected mode, runs a
; fixed amount of integer work (ALU, shifts, memory loads/stores, a call/ret, a
; data-dependent branch), prints a checksum on port 0xE9 and halts with cli; hlt.
; The same ROM runs under Bochs for the ratio.
bits 16
org 0
%ifndef ITER
%define ITER 2000000
%endif

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    ; copy the GDT descriptor to RAM-independent ROM address: lgdt reads through CS
    o32 lgdt [cs:gdt_ptr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(0xF0000 + pm32)

bits 32
pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x90000
    mov ecx, ITER
    xor eax, eax
    mov ebx, 0x12345678
    mov esi, 0x10000
    xor edx, edx
.loop:
    add eax, ebx
    rol ebx, 3
    xor ebx, ecx
    mov [esi + edx*4], eax
    inc edx
    and edx, 0x3ff
    mov edi, [esi + edx*4]
    add eax, edi
    test eax, 1
    jz .even
    call helper
.even:
    sub ebx, eax
    shr edi, 1
    adc eax, edi
    dec ecx
    jnz .loop
    ; print the checksum in hex
    mov ecx, 8
.hex:
    rol eax, 4
    mov edx, eax
    and edx, 0xf
    mov dl, [0xF0000 + hexdigits + edx]
    push eax
    mov al, dl
    out 0xe9, al
    pop eax
    dec ecx
    jnz .hex
    mov al, 10
    out 0xe9, al
    cli
    hlt

helper:
    lea eax, [eax + ebx*2 + 7]
    ret

hexdigits: db "0123456789abcdef"

align 8
gdt:
    dq 0
    dq 0x00CF9B000000FFFF   ; 0x08 flat code
    dq 0x00CF93000000FFFF   ; 0x10 flat data
gdt_ptr:
    dw gdt_end - gdt - 1
    dd 0xF0000 + gdt
gdt_end:

times 0xFFF0 - ($ - $$) db 0
bits 16
    jmp 0xF000:start
times 0x10000 - ($ - $$) db 0
