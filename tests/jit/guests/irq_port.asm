; irq_port.asm -- an external interrupt that the guest's own port write raises in the middle
; of a hot loop (a device whose register write asserts INTR at once, as an EOI to the PIC can
; when another request is pending). The write does not end the block: the interrupt is due at
; the block's end, so a compiled trace must leave at its next block boundary. The handler
; counts the interrupts and sums the EIPs they hit.
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
    out 0xE0, al            ; the test device raises INTR on some of these
    rol eax, 3
    xor eax, 0x1234
    dec ecx
    jnz .loop
    cli
    mov [RESULT + 0], eax
    mov [RESULT + 4], ebp
    mov [RESULT + 8], esi
    hlt

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
