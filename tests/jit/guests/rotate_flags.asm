; rotate_flags.asm -- the flags of rotates in a hot loop, read after leaves and trace exits.
; A rotate keeps SF ZF AF PF and sets CF and OF, so it materialises the flags into the lazy
; flags' `eager` field (set_eager); the next ALU instruction records its own op, and in
; compiled code leaves `eager` unspecified (flags.h, set_lazy; llvm_backend.cpp,
; resolve_unspecified_values) so that the rotate's flags are not computed for nothing. The
; loop reads the flags (LAHF: SF ZF AF PF CF; SETO) right after a rotate, after a load that
; straddles two pages (the trace leaves there: the rotate's flags go to the interpreter as
; arguments), after an ALU op that follows a rotate and such a load, and on another page,
; reached by a jump that ends the trace (its flags written back to memory). An unspecified
; value that leaked to where op says the flags are eager, or a rotate's write-back left out,
; changes the sums.
%include "common.inc"

start:
    xor ebx, ebx              ; the LAHF bytes, summed with weights
    xor ebp, ebp              ; the SETO bits
    mov esi, 0x6A09E667
    mov edi, 0xBB67AE85
    mov ecx, 4000
    mov dword [DATA + 0xFFE], 0x3C6EF372
.loop:
    add esi, edi              ; lazy: ADD
    ror esi, 6                ; eager: the ADD's SZAP, the rotate's CF and OF
    lahf
    seto al
    movzx edx, ah
    add ebx, edx
    movzx eax, al
    add ebp, eax
    rol edi, 11               ; eager: the ADD's SZAP again
    mov edx, [DATA + 0xFFE]   ; the trace leaves here, the flags eager
    lahf
    movzx eax, ah
    lea ebx, [ebx + eax * 2]
    jmp .logic                ; (a new block, so that each straddling access leaves)
.logic:
    ror edx, 25
    xor edx, esi              ; lazy: a logic op after a rotate
    mov eax, [DATA + 0xFFE]   ; leaves: op is the XOR's, eager unspecified
    setc al                   ; (a logic op: CF clear)
    sets ah
    movzx eax, ax
    add ebx, eax
    jmp .store
.store:
    ror edx, 3                ; eager, from the ADD's SZAP
    mov [DATA + 0xFFE], edx   ; a straddling store: leaves
    rol esi, 1
    jmp far_block             ; on another page: the trace ends here
.back:
    add edi, 0x9E3779B9
    dec ecx
    jnz .loop
    mov [RESULT + 0], ebx
    mov [RESULT + 4], ebp
    mov [RESULT + 8], esi
    mov [RESULT + 12], edi
    mov eax, [DATA + 0xFFE]
    mov [RESULT + 16], eax
    cli
    hlt

    times 0x1000 - ($ - $$) db 0x90
far_block:                    ; reads the flags the ROL left (written back at the trace exit)
    lahf
    seto al
    movzx edx, ah
    shl edx, 1
    movzx eax, al
    or edx, eax
    lea ebx, [ebx + edx * 4]
    jmp start.back
