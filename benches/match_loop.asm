; match_loop.asm -- the Linux workload's hottest loop as a bare-metal guest (benches/jit-match-loop.sh).
; The gzip half of benches/linux-cpu.sh's workload spends a third of the workload's time
; (perf, bench=24) in deflate's longest_match walking a hash chain: busybox 1.35.0's static
; i386 build runs it at 0x8191b73-0x8191c75, 13 guest instructions an iteration when the
; candidate's byte at best_len differs (almost always), seven of them memory accesses
; through ESP, one a read-modify-write (DEC of the chain counter, which keeps CF, so it
; reads the flags of the CMP before it). The loop below is that code, called once per
; search as gzip calls longest_match, over a 64 KB window of pseudo-random bytes and a
; 32 K-entry prev[] table of pseudo-random links, 128 links a search. 64 KB ROM, entered at
; F000:FFF0 in real mode (flat32_rom.inc); runs ITER searches, prints a checksum on port 0xE9
; and resets the machine through the keyboard controller (run with -no-reboot, trapeze and
; QEMU alike).
%ifndef ITER
%define ITER 1000000
%endif
%include "flat32_rom.inc"

WINDOW equ 0x100000                     ; 64 KB of bytes (and 258 more for the compares)
PREV equ 0x120000                       ; 32 K 16-bit links

FLAT32_ENTRY
    ; the window and prev[] from a linear congruential generator
    mov eax, 12345
    mov ecx, 0x10000 / 4 + 128
    mov edi, WINDOW
.fill_window:
    imul eax, eax, 1103515245
    add eax, 12345
    mov [edi], eax
    add edi, 4
    dec ecx
    jnz .fill_window
    mov ecx, 0x8000
    mov edi, PREV
.fill_prev:
    imul eax, eax, 1103515245
    add eax, 12345
    mov edx, eax
    shr edx, 16
    and edx, 0x7fff
    mov [edi], dx
    add edi, 2
    dec ecx
    jnz .fill_prev
    xor esi, esi                        ; checksum
    mov edi, ITER
.search:
    mov eax, edi
    imul eax, eax, 40503                ; the position searched from
    and eax, 0x7fff
    call longest_match
    add esi, eax
    rol esi, 1
    dec edi
    jnz .search
    mov eax, esi
    FLAT32_PRINT_EAX_AND_RESET

; EAX: the position (below 32 K). Returns in EAX the last link it reached plus 256 times the
; candidates whose first four bytes matched. The stack frame is busybox's: 0x4 the scan
; pointer, 0x8 the window, 0x14 prev[], 0x18 the chain counter, 0x26/0x27 the bytes at
; best_len and best_len - 1, 0x2c the limit.
longest_match:
    push ebp
    push edi
    push esi
    push ebx
    sub esp, 0x30
    xor ebx, ebx                        ; four-byte matches
    lea edx, [WINDOW + eax + 0x8000]
    mov [esp+0x4], edx
    mov dword [esp+0x8], WINDOW
    mov dword [esp+0x14], PREV
    mov dword [esp+0x18], 128
    mov dword [esp+0x2c], 0
    mov esi, 5                          ; best_len
    mov cl, [edx+esi-1]
    mov [esp+0x27], cl
    mov cl, [edx+esi]
    mov [esp+0x26], cl
    lea ebp, [eax + 0x4000]             ; cur_match
    and ebp, 0x7fff
    jmp .chain
.candidate:                             ; 0x8191b73
    mov eax, [esp+0x8]
    lea ecx, [eax+ebp]
    mov dl, [esp+0x26]
    cmp [ecx+esi], dl
    jne .chain
    mov dl, [esp+0x27]
    cmp [ecx+esi-1], dl
    jne .chain
    mov eax, [esp+0x4]
    mov dl, [eax]
    cmp [ecx], dl
    jne .chain
    mov dl, [eax+1]
    cmp [ecx+1], dl
    jne .chain
    inc ebx
.chain:                                 ; 0x8191c5b
    mov edx, ebp
    and edx, 0x7fff
    mov eax, [esp+0x14]
    movzx ebp, word [eax+edx*2]
    cmp [esp+0x2c], ebp
    jae .done
    dec dword [esp+0x18]
    jne .candidate
.done:
    mov eax, ebx
    shl eax, 8
    add eax, ebp
    add esp, 0x30
    pop ebx
    pop esi
    pop edi
    pop ebp
    ret

FLAT32_ROM_END
