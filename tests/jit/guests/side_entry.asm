; side_entry.asm -- a loop whose trace is formed at one block (.head, the busiest) and entered
; from outside at another (.mid), as busybox gzip's longest_match is: the trace compiles the
; blocks between a side entry and its entry block a second time (peel_plan in
; binary_translate/llvm_backend.cpp), so that the loop inside has one header; entered at
; .mid, the copy runs until the loop comes round to .head, then the original.
%include "common.inc"

start:
    mov ecx, 3000           ; calls
    xor eax, eax
    xor ebx, ebx
    xor esi, esi
.call:
    mov edx, 12
    jmp .mid                ; into the loop's middle: a side entry of the trace
.head:                      ; 12 runs a call: the trace's entry block
    add ebx, eax
    rol ebx, 3
    dec edx
    test edx, 3
    jnz .head
.tail:                      ; 3 runs a call
    add esi, ebx
    test edx, edx
    jnz .mid
    dec ecx                 ; once a call: cold, not in the trace
    jnz .call
    mov [RESULT + 0], eax
    mov [RESULT + 4], ebx
    mov [RESULT + 8], esi
    mov [RESULT + 12], ecx
    cli
    hlt
.mid:                       ; 3 runs a call, one of them from .call
    imul eax, eax, 5
    add eax, edx
    jmp .head
