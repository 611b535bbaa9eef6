; stop_port.asm -- a device stops the run from inside a hot loop: the loop writes its counter
; to port 0xE4 at every iteration, and the test's device asks the CPU to stop (as the PC's
; keyboard controller does for a reset under -no-reboot) when it sees 1000. The run must end
; right after that OUT, whichever engine ran it: a compiled trace leaves with end_block set
; and the run loop must see it.
%include "common.inc"

start:
    mov ecx, 5000
    xor esi, esi
.loop:
    add esi, ecx
    mov eax, ecx
    out 0xE4, eax
    dec ecx
    jnz .loop
    mov [RESULT + 0], esi
    cli
    hlt
