# write(1, msg, len); exit(7)
	.globl _start
	.text
_start:
	movl $4, %eax
	movl $1, %ebx
	movl $msg, %ecx
	movl $len, %edx
	int $0x80
	movl $1, %eax
	movl $7, %ebx
	int $0x80
	.data
msg:	.ascii "hello from i386\n"
	len = . - msg
