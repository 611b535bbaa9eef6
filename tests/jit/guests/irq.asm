; irq.asm -- external interrupts (a test source that fires every N instructions) arriving in a
; long hot loop; the handler counts them and records where they hit.
%include "common.inc"

start:
    SET_GATE 0x20, handler
    LOAD_IDT
    xor ebp, ebp            ; interrupts taken
    xor esi, esi            ; sum of interrupted EIPs
    mov ecx, 20000
    xor eax, eax
    sti
.loop:
    add eax, ecx
%ifdef IRQ_FROM_PORT
    out 0xE0, al            ; the test device raises INTR on some of these (irq_port.asm)
%endif
    rol eax, 3
    xor eax, 0x1234
    dec ecx
    jnz .loop
    cli
    mov [RESULT + 0], eax
    mov [RESULT + 4], ebp
    mov [RESULT + 8], esi
    hlt

; (returns without IRET: flags untouched by LEA, restored by POPFD, which sets IF again)
handler:
    lea ebp, [ebp + 1]
    push eax
    mov eax, [esp + 4]      ; EIP of the interrupted instruction
    lea esi, [esi + eax]
    mov [ret_eip], eax
    pop eax
    lea esp, [esp + 8]      ; EIP, CS
    popfd
    jmp [ret_eip]

ret_eip: dd 0

IDT_PTR
