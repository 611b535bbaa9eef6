; A 64 KB BIOS image for machine_time_test.cpp: programs the PIC and the PIT (channel 0,
; mode 2, count 1193: 1 ms), takes 100 timer interrupts with HLT, then halts with IF=0.
bits 16
org 0
times 0xE000 db 0
start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov word [0x20*4], handler
    mov word [0x20*4+2], 0xF000
    mov word [0x500], 0
    mov al, 0x11
    out 0x20, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xFE
    out 0x21, al
    mov al, 0x34
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al
    sti
.wait:
    hlt
    cmp word [0x500], 100
    jb .wait
    cli
    hlt
handler:
    push ax
    inc word [0x500]
    mov al, 0x20
    out 0x20, al
    pop ax
    iret
times 0xFFF0 - ($ - $$) db 0
    jmp 0xF000:start
times 0x10000 - ($ - $$) db 0
