; entry_flags.asm -- a looping trace entered at a block that reads the flags it is entered
; with. The inner loop is gzip's longest_match in small: a CMP, a branch, then a block that
; starts with a DEC of a memory counter, which keeps CF. The outer code jumps into the loop at
; that block, with flags left by a different kind of instruction each time (ADD, SUB, SHL,
; IMUL, SAHF, AND), so the DEC's kept carry is the outer code's on the first pass and the
; CMP's after. A trace with this loop makes the flags canonical where it is entered at the DEC
; (TraceRuntime::canonical_flags) and compiles the DEC's carry without the cases of ops that
; cannot reach it (prune_switch_cases); a wrong canonical form, or a case dropped that can
; occur, changes the carries SETC records.
%include "common.inc"

start:
    xor ebx, ebx              ; the sum of the carries SETC saw, weighted
    mov edi, 0x9E3779B9
    mov ecx, 6000
.outer:
    add edi, 0x7F4A7C15
    mov dword [DATA + 4], 4   ; the inner loop's counter
    mov dword [DATA + 8], edi
    mov eax, ecx
    xor edx, edx
    mov esi, 6
    div esi                   ; EDX = ECX mod 6: which flags the loop is entered with
    mov eax, edi
    cmp edx, 1
    jb .add
    je .sub
    cmp edx, 3
    jb .shl
    je .imul
    cmp edx, 4
    je .sahf
    and eax, 0x0F0F0F0F       ; a logic op: CF clear
    jmp .dec
.add:
    add eax, eax              ; CF = bit 31 of EDI
    jmp .dec
.sub:
    sub eax, 0x80000000       ; CF = EDI below 2^31
    jmp .dec
.shl:
    shl eax, 7                ; CF = bit 25 of EDI
    jmp .dec
.imul:
    imul eax, eax             ; CF = the product overflowed
    jmp .dec
.sahf:
    mov ah, cl
    sahf                      ; CF = bit 0 of ECX
    jmp .dec
.head:
    mov eax, [DATA + 8]
    add eax, 0x3C6EF372
    mov [DATA + 8], eax
    cmp eax, 0x60000000       ; CF = below
    jae .skip
.dec:
    dec dword [DATA + 4]      ; keeps CF
    setc dl
    movzx edx, dl
    lea ebx, [ebx + edx * 2]
    jnz .head
    jmp .next
.skip:
    inc ebx                   ; (INC keeps CF too)
    setc dl
    movzx edx, dl
    lea ebx, [ebx + edx * 4]
    dec dword [DATA + 4]
    jnz .head
.next:
    dec ecx
    jnz .outer
    mov [RESULT + 0], ebx
    mov [RESULT + 4], edi
    cli
    hlt
