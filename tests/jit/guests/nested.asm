; nested.asm -- an inner loop that gets hot long before the outer loop around it: its trace
; is compiled first (without the outer loop's blocks, which have run 15 times less often),
; and the outer loop's trace, formed later, leaves out the inner loop's block, which has
; code of its own by then (it jumps to that code instead of compiling the block again).
%include "common.inc"

start:
    mov ecx, 2000
    xor eax, eax
.outer:
    mov edx, 16             ; the outer block runs on into the inner loop's body once
.inner:
    add eax, edx
    imul eax, eax, 3
    dec edx
    jnz .inner
    dec ecx                 ; the tail, a block of its own (jumped to by .outer and .inner)
    jnz .outer
    mov [RESULT + 0], eax
    mov [RESULT + 4], ecx
    cli
    hlt
