; leave_flags.asm -- the lazy flags across a leave inside a hot loop. A trace whose blocks
; loop keeps the flags in host registers and writes them back only where something may read
; them (TraceRequest::loops); a leave gets them as arguments of
; X86Cpu::leave_to_interpreter. Here an ADD sets CF, the dword load after it straddles two
; pages (the trace leaves before it: the interpreter does the rest of the block), and the ADC
; after the load adds that carry: a leave that left the flags memory last held (those of an
; instruction before the ADD) would add another carry.
%include "common.inc"

start:
    xor ebx, ebx              ; the carries the ADC added
    xor esi, esi
    mov edi, 0x9E3779B9
    mov ecx, 5000
.loop:
    add edi, 0x7F4A7C15       ; CF about half the time
    mov eax, [DATA + 0xFFE]   ; bytes 0x20FFE-0x21001: the trace leaves here
    adc ebx, 0                ; the ADD's carry
    add eax, edi
    mov [DATA + 0xFFE], eax
    mov edx, [DATA + 0x100]   ; one page: the fast path
    sbb edx, esi              ; the second ADD's borrow, then its own flags
    mov [DATA + 0x100], edx
    inc esi
    dec ecx
    jnz .loop
    mov [RESULT + 0], ebx
    mov [RESULT + 4], edi
    mov eax, [DATA + 0xFFE]
    mov [RESULT + 8], eax
    mov eax, [DATA + 0x100]
    mov [RESULT + 12], eax
    ; The flags whole from SAHF (the lazy flags' `eager` field, which most traces never
    ; write), read by SETC after a load that leaves.
    xor ebx, ebx
    mov ecx, 3000
.sahf_loop:
    mov ah, cl
    sahf                      ; CF = bit 0 of the counter
    mov eax, [DATA + 0xFFE]   ; the trace leaves here
    setc dl                   ; SAHF's carry
    movzx edx, dl
    add ebx, edx
    sub ecx, 1
    jnz .sahf_loop
    mov [RESULT + 16], ebx
    cli
    hlt
