; fault.asm -- a divide error inside a hot loop: ECX reaches 0 at the last iteration, so
; DIV faults in a block that ran (compiled) many times before. The handler records what it
; sees: the faulting EIP, and registers that instructions before the DIV changed (EDI)
; and that instructions after it would have changed (EBP).
%include "common.inc"

start:
    SET_GATE 0, divide_error
    LOAD_IDT
    mov ecx, 500
    xor edi, edi
    xor ebp, ebp
    mov ebx, 1000000
.loop:
    dec ecx
    inc edi                 ; before the fault: committed
    mov eax, ebx
    xor edx, edx
.fault_here:
    div ecx                 ; #DE when ECX = 0
    inc ebp                 ; after the fault: not executed in the faulting iteration
    add ebx, eax
    jmp .loop

divide_error:
    mov eax, [esp]          ; EIP pushed for the fault
    mov [RESULT + 0], eax
    mov [RESULT + 4], edi
    mov [RESULT + 8], ebp
    mov [RESULT + 12], ecx
    mov dword [RESULT + 16], start.fault_here
    cli
    hlt

IDT_PTR
