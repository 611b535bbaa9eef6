; irq_port.asm -- irq.asm with an external interrupt that the guest's own port write raises
; in the middle of its hot loop (a device whose register write asserts INTR at once, as an
; EOI to the PIC can when another request is pending). The write does not end the block:
; the interrupt is due at the block's end, so a compiled trace must leave at its next block
; boundary (X86Cpu::chain_limit_).
%define IRQ_FROM_PORT
%include "irq.asm"
