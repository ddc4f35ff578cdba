# Position-independent: runs as a static PIE (ET_DYN without PT_INTERP) at any load address.
	.globl _start
	.text
_start:
	call 1f
1:	popl %ecx
	addl $(msg - 1b), %ecx
	movl $4, %eax
	movl $1, %ebx
	movl $len, %edx
	int $0x80
	movl $252, %eax             # exit_group
	movl $5, %ebx
	int $0x80
msg:	.ascii "hello from a static PIE\n"
	len = . - msg
