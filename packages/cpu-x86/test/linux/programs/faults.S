# argv[1][0] picks a fault: s = #PF (SIGSEGV), t = int3 (SIGTRAP), u = ud2 (SIGILL),
# d = divide by zero (SIGFPE), a = abort via tgkill (SIGABRT), g = #GP from a privileged
# instruction (SIGSEGV), w = write to a read-only page (SIGSEGV)
	.globl _start
	.text
_start:
	movl 8(%esp), %eax          # argv[1]
	movzbl (%eax), %eax
	cmpb $'s', %al
	je 1f
	cmpb $'t', %al
	je 2f
	cmpb $'u', %al
	je 3f
	cmpb $'d', %al
	je 4f
	cmpb $'a', %al
	je 5f
	cmpb $'g', %al
	je 6f
	cmpb $'w', %al
	je 7f
	movl $1, %eax
	movl $3, %ebx
	int $0x80
1:	movl $0, %ebx
	movl (%ebx), %eax
2:	int3
3:	ud2
4:	xorl %ecx, %ecx
	movl $1, %eax
	cltd
	divl %ecx
5:	movl $20, %eax              # getpid
	int $0x80
	movl %eax, %ebx
	movl %eax, %ecx
	movl $6, %edx               # SIGABRT
	movl $270, %eax             # tgkill
	int $0x80
	jmp 5b
6:	hlt
7:	movl $_start, %ebx
	movl %eax, (%ebx)
