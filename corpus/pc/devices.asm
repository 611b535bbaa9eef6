; devices.asm -- a bare-metal ROM that exercises the pc board's devices and prints its
; results through COM1 (the 16550A at 0x3F8), not port 0xE9:
;   UART FIFO and loopback; PIC initialisation and timer interrupts taken with HLT from the
;   8254 (channel 0, mode 2, 100 Hz); channel 2 one-shot seen on port 0x61; read-back
;   status; the RTC date (run with -rtc base=2026-01-01T00:00:00) and its update-ended
;   interrupt on IRQ8 through the cascade; the CMOS memory-size bytes (run with -m 32); the
;   keyboard controller's self test and A20 through the 8042 and port 0x92.
; It ends by printing DONE and pulsing the reset line (0xFE to port 0x64): with -no-reboot
; the run ends there with status 0.
; Printed values do not depend on timing, so the same output comes from Bochs and QEMU
; (corpus/pc/README.md).
%include "lib/lib.inc"

TICKS       equ SCRATCH + 0x00   ; dw: timer interrupts taken
ISR_SEEN    equ SCRATCH + 0x02   ; db: master ISR read inside the first timer handler
RTC_C       equ SCRATCH + 0x04   ; db: RTC register C read by the IRQ8 handler
SAVE        equ SCRATCH + 0x06

%macro SPUTS 1+
    call uputs
    db %1, 0
%endmacro

%macro SHEX8 1
    push ax
    mov al, %1
    call uhex8
    pop ax
%endmacro

%macro CMOS 1
    mov al, %1
    out 0x70, al
    in al, 0x71
%endmacro

; waits until the 8042 can take a byte
%macro KBC_WAIT_IN 0
%%w: in al, 0x64
    test al, 2
    jnz %%w
%endmacro
%macro KBC_WAIT_OUT 0
%%w: in al, 0x64
    test al, 1
    jz %%w
%endmacro

bits 16
main:
    ; COM1: 115200 baud (divisor 1), 8N1, FIFOs on with trigger 14, DTR+RTS
    mov dx, 0x3FB
    mov al, 0x80
    out dx, al
    mov dx, 0x3F8
    mov al, 1
    out dx, al
    mov dx, 0x3F9
    xor al, al
    out dx, al
    mov dx, 0x3FB
    mov al, 0x03
    out dx, al
    mov dx, 0x3FA
    mov al, 0xC7
    out dx, al
    mov dx, 0x3FC
    mov al, 0x03
    out dx, al
    SPUTS "trapeze pc device test", 10

    mov dx, 0x3FA
    in al, dx
    SPUTS "uart iir "
    SHEX8 al
    SPUTS 10
    mov dx, 0x3FB
    in al, dx
    SPUTS "uart lcr "
    SHEX8 al
    SPUTS 10
    mov dx, 0x3FF
    mov al, 0xA5
    out dx, al
    in al, dx
    SPUTS "uart scratch "
    SHEX8 al
    SPUTS 10

    ; loopback: OUT2 -> DCD, RTS -> CTS; a byte sent comes back
    mov dx, 0x3FC
    mov al, 0x1A
    out dx, al
    mov dx, 0x3FE
    in al, dx
    and al, 0xF0
    mov bl, al
    mov dx, 0x3F8
    mov al, 0x5A
    out dx, al
    mov dx, 0x3FD
.rx:
    in al, dx
    test al, 1
    jz .rx
    mov dx, 0x3F8
    in al, dx
    mov bh, al
    mov dx, 0x3FD
    in al, dx
    and al, 0x01
    mov cl, al
    mov dx, 0x3FC
    mov al, 0x03
    out dx, al
    SPUTS "uart loopback msr "
    SHEX8 bl
    SPUTS " data "
    SHEX8 bh
    SPUTS " dr after read "
    SHEX8 cl
    SPUTS 10

    ; PIC: master at 0x20, slave at 0x28, cascade on IR2, 8086 mode
    mov al, 0x11
    out 0x20, al
    out 0xA0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xA1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01
    out 0x21, al
    out 0xA1, al
    mov al, 0xFF
    out 0xA1, al
    mov al, 0xFE            ; IRQ0 only
    out 0x21, al
    in al, 0x21
    SPUTS "pic imr "
    SHEX8 al
    SPUTS 10
    mov word [0x20*4], ROFF(irq0_handler)
    mov word [0x20*4+2], 0xF000
    mov word [0x28*4], ROFF(irq8_handler)
    mov word [0x28*4+2], 0xF000
    mov word [TICKS], 0
    mov byte [ISR_SEEN], 0xEE

    ; PIT channel 0: mode 2, LSB then MSB, 11932 = 100 Hz
    mov al, 0x34
    out 0x43, al
    mov al, 0x9C
    out 0x40, al
    mov al, 0x2E
    out 0x40, al
    sti
.tick:
    hlt
    cmp word [TICKS], 10
    jb .tick
    cli
    SPUTS "timer interrupts taken with hlt: at least 10", 10
    SPUTS "pic isr in the timer handler "
    SHEX8 [ISR_SEEN]
    SPUTS 10
    ; read-back status of channel 0 (OUT masked: it is low for one clock in 11932)
    mov al, 0xE2
    out 0x43, al
    in al, 0x40
    and al, 0x7F
    SPUTS "pit ch0 status "
    SHEX8 al
    SPUTS 10
    mov al, 0xFF            ; mask the timer again
    out 0x21, al

    ; PIT channel 2: mode 0 one-shot, gate on through port 0x61, OUT2 on bit 5
    in al, 0x61
    and al, 0xFC
    out 0x61, al
    mov al, 0xB0
    out 0x43, al
    mov al, 0x00
    out 0x42, al
    mov al, 0x10
    out 0x42, al
    in al, 0x61
    or al, 0x01
    out 0x61, al
    in al, 0x61
    and al, 0x21
    SPUTS "port 61 after gate on "
    SHEX8 al
    SPUTS 10
.out2:
    in al, 0x61
    test al, 0x20
    jz .out2
    SPUTS "pit ch2 out2 went high", 10
    mov al, 0xE8            ; status of channel 2
    out 0x43, al
    in al, 0x42
    SPUTS "pit ch2 status "
    SHEX8 al
    SPUTS 10
    in al, 0x61
    and al, 0xFC
    out 0x61, al

    ; RTC: wait for no update in progress, then read the date
.uip:
    CMOS 0x0A
    test al, 0x80
    jnz .uip
    SPUTS "rtc "
    CMOS 0x32
    SHEX8 al
    CMOS 0x09
    SHEX8 al
    SPUTS "-"
    CMOS 0x08
    SHEX8 al
    SPUTS "-"
    CMOS 0x07
    SHEX8 al
    SPUTS " "
    CMOS 0x04
    SHEX8 al
    SPUTS ":"
    CMOS 0x02
    SHEX8 al
    SPUTS 10
    CMOS 0x0D
    SPUTS "rtc register d "
    SHEX8 al
    SPUTS 10

    ; RTC update-ended interrupt: IRQ8 through the slave, cascade on master IR2
    mov byte [RTC_C], 0
    CMOS 0x0C               ; clear pending flags
    mov al, 0x0B
    out 0x70, al
    in al, 0x71
    and al, 0x07            ; keep the data format
    or al, 0x10             ; UIE
    mov ah, al
    mov al, 0x0B
    out 0x70, al
    mov al, ah
    out 0x71, al
    mov al, 0xFE
    out 0xA1, al
    mov al, 0xFB
    out 0x21, al
    sti
.rtcwait:
    hlt
    cmp byte [RTC_C], 0
    je .rtcwait
    cli
    SPUTS "rtc irq8 register c "
    mov al, [RTC_C]
    and al, 0xB0            ; IRQF UF AF (PF depends on the rate)
    SHEX8 al
    SPUTS 10
    mov al, 0x0B
    out 0x70, al
    in al, 0x71
    and al, 0xEF
    mov ah, al
    mov al, 0x0B
    out 0x70, al
    mov al, ah
    out 0x71, al
    mov al, 0xFF
    out 0xA1, al
    out 0x21, al

    ; CMOS memory size (run with -m 32)
    SPUTS "cmos base kb "
    CMOS 0x16
    SHEX8 al
    CMOS 0x15
    SHEX8 al
    SPUTS " ext kb "
    CMOS 0x18
    SHEX8 al
    CMOS 0x17
    SHEX8 al
    SPUTS " "
    CMOS 0x31
    SHEX8 al
    CMOS 0x30
    SHEX8 al
    SPUTS 10

    ; keyboard controller self test
    KBC_WAIT_IN
    mov al, 0xAA
    out 0x64, al
    KBC_WAIT_OUT
    in al, 0x60
    SPUTS "kbc self test "
    SHEX8 al
    SPUTS 10

    ; A20: 0000:0600 and FFFF:0610 are the same byte when A20 is off
    SPUTS "a20 at reset: "
    call a20_report
    KBC_WAIT_IN
    mov al, 0xD1
    out 0x64, al
    KBC_WAIT_IN
    mov al, 0xDD
    out 0x60, al
    KBC_WAIT_IN
    SPUTS "kbc a20 off: "
    call a20_report
    mov al, 0xD1
    out 0x64, al
    KBC_WAIT_IN
    mov al, 0xDF
    out 0x60, al
    KBC_WAIT_IN
    SPUTS "kbc a20 on: "
    call a20_report
    in al, 0x92
    and al, 0xFC
    out 0x92, al
    SPUTS "port 92 a20 off: "
    call a20_report
    in al, 0x92
    or al, 0x02
    and al, 0xFE
    out 0x92, al
    SPUTS "port 92 a20 on: "
    call a20_report

    SPUTS "DONE", 10
    ; reset through the keyboard controller (ends the run under -no-reboot)
    KBC_WAIT_IN
    mov al, 0xFE
    out 0x64, al
    cli
.h: hlt
    jmp .h

; prints "wraps" or "no wrap"
a20_report:
    push ds
    push ax
    xor ax, ax
    mov ds, ax
    mov byte [0x600], 0x11
    mov ax, 0xFFFF
    mov ds, ax
    mov byte [0x610], 0x22
    xor ax, ax
    mov ds, ax
    cmp byte [0x600], 0x22
    pop ax
    pop ds
    je .wraps
    SPUTS "no wrap", 10
    ret
.wraps:
    SPUTS "wraps", 10
    ret

irq0_handler:
    push ax
    cmp byte [cs:0], 0      ; (no-op read through CS; keeps the handler position-free)
    cmp word [TICKS], 0
    jne .eoi
    mov al, 0x0B            ; OCW3: read ISR
    out 0x20, al
    in al, 0x20
    mov [ISR_SEEN], al
    mov al, 0x0A            ; back to IRR
    out 0x20, al
.eoi:
    inc word [TICKS]
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

irq8_handler:
    push ax
    mov al, 0x0C
    out 0x70, al
    in al, 0x71
    or al, 0x01             ; nonzero even if the flags were clear
    mov [RTC_C], al
    mov al, 0x20
    out 0xA0, al
    out 0x20, al
    pop ax
    iret

; UART output: polls THRE, then writes
uputc:
    push dx
    push ax
    mov dx, 0x3FD
.w:
    in al, dx
    test al, 0x20
    jz .w
    pop ax
    mov dx, 0x3F8
    out dx, al
    pop dx
    ret

; prints the zero-terminated string that follows the call
uputs:
    push bp
    mov bp, sp
    push ax
    push si
    mov si, [bp+2]
.l:
    mov al, [cs:si]
    inc si
    test al, al
    jz .e
    call uputc
    jmp .l
.e:
    mov [bp+2], si
    pop si
    pop ax
    pop bp
    ret

uhex8:
    push ax
    shr al, 4
    call .nib
    pop ax
    push ax
    and al, 0x0F
    call .nib
    pop ax
    ret
.nib:
    add al, '0'
    cmp al, '9'
    jbe .p
    add al, 'a' - '0' - 10
.p:
    call uputc
    ret

%include "lib/end.inc"
