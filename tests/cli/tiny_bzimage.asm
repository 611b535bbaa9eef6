; A minimal bzImage header for the command-line tests (docs/linux-boot.md): boot protocol
; 2.06, four setup sectors, loaded high at 1 MB, a command line of at most 16 bytes, and
; KERNEL_BYTES of protected-mode kernel (HLTs). With -DTRUNCATED the header claims 1 MB of
; protected-mode kernel that the file does not have.
%ifndef KERNEL_BYTES
%define KERNEL_BYTES 512
%endif
bits 16
org 0
times 0x1F1 db 0
db 4                         ; 0x1F1 setup_sects
dw 0                         ; 0x1F2 root_flags
%ifdef TRUNCATED
dd 0x10000                   ; 0x1F4 syssize: 1 MB in paragraphs
%else
dd KERNEL_BYTES / 16         ; 0x1F4 syssize
%endif
dw 0, 0xFFFF, 0              ; 0x1F8 ram_size, vid_mode, root_dev
dw 0xAA55                    ; 0x1FE boot_flag
db 0xEB, 0x3A                ; 0x200 jmp: the header ends at 0x23C
db "HdrS"                    ; 0x202
dw 0x0206                    ; 0x206 version
times 0x211 - ($ - $$) db 0
db 0x01                      ; 0x211 loadflags: LOADED_HIGH
times 0x214 - ($ - $$) db 0
dd 0x100000                  ; 0x214 code32_start
times 0x22C - ($ - $$) db 0
dd 0x37FFFFFF                ; 0x22C initrd_addr_max
dd 0x100000                  ; 0x230 kernel_alignment
db 0                         ; 0x234 relocatable_kernel
times 0x238 - ($ - $$) db 0
dd 16                        ; 0x238 cmdline_size
times 5 * 512 - ($ - $$) db 0
times KERNEL_BYTES db 0xF4
