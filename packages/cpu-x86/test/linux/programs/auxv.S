# Prints argc, the argv strings, and AT_PAGESZ / AT_PLATFORM / AT_RANDOM presence from the auxv.
	.globl _start
	.text
_start:
	movl %esp, %ebp
	movl (%ebp), %eax           # argc
	addl $'0', %eax
	movb %al, digit
	movl $digit, %ecx
	movl $2, %edx
	call write
	leal 4(%ebp), %esi          # argv
1:	movl (%esi), %ecx
	testl %ecx, %ecx
	jz 2f
	call puts
	addl $4, %esi
	jmp 1b
2:	addl $4, %esi               # skip NULL: envp
3:	movl (%esi), %eax
	addl $4, %esi
	testl %eax, %eax
	jnz 3b
4:	movl (%esi), %eax           # auxv pairs
	movl 4(%esi), %ecx
	addl $8, %esi
	testl %eax, %eax
	jz 9f
	cmpl $6, %eax               # AT_PAGESZ
	jne 5f
	cmpl $4096, %ecx
	jne 4b
	movl $pg, %ecx
	call puts
	jmp 4b
5:	cmpl $15, %eax              # AT_PLATFORM
	jne 6f
	call puts
	jmp 4b
6:	cmpl $25, %eax              # AT_RANDOM
	jne 4b
	movl $rnd, %ecx
	call puts
	jmp 4b
9:	movl $1, %eax
	xorl %ebx, %ebx
	int $0x80

puts:                               # ecx = string
	movl %ecx, %edi
	xorl %edx, %edx
1:	cmpb $0, (%edi,%edx)
	je 2f
	incl %edx
	jmp 1b
2:	call write
	movl $nl, %ecx
	movl $1, %edx
write:                              # write(1, ecx, edx)
	movl $4, %eax
	movl $1, %ebx
	int $0x80
	ret

	.data
digit:	.ascii "?\n"
nl:	.ascii "\n"
pg:	.asciz "AT_PAGESZ 4096"
rnd:	.asciz "AT_RANDOM"
