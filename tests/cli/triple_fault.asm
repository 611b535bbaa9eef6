; A ROM that writes 0x42 to the unclaimed port 0xEB, then loads an IDT limit of 0 and
; divides by zero: #DE cannot be delivered (#GP), nor can the #GP (#DF), nor the #DF: shutdown.
bits 16
org 0
times 0xE000 db 0
start:
    mov al, 0x42
    out 0xEB, al
    o32 lidt [cs:idt0]
    xor ax, ax
    xor cx, cx
    div cx
    hlt
idt0: dw 0
      dd 0
times 0xFFF0 - ($ - $$) db 0
    jmp 0xF000:0xE000
times 0x10000 - ($ - $$) db 0
