# Installs an SA_SIGINFO handler for SIGSEGV (no SA_RESTORER: the kernel's trampoline returns),
# faults, and the handler checks si_signo/si_code/si_addr, skips the faulting 2-byte
# instruction through uc_mcontext.eip, and returns; then a second handler without SA_SIGINFO
# (old-style frame, sigreturn) handles SIGUSR1 sent with kill(getpid()).
	.globl _start
	.text
_start:
	# rt_sigaction(SIGSEGV, &act, 0, 8)
	movl $174, %eax
	movl $11, %ebx
	movl $act, %ecx
	xorl %edx, %edx
	movl $8, %esi
	int $0x80
	testl %eax, %eax
	jnz fail
	movl $0x1234, %ebp
	movl $0xdead000, %ebx
	movl (%ebx), %eax           # faults; the handler skips these 2 bytes
	cmpl $0x1234, %ebp          # registers survive the signal
	jne fail
	cmpl $1, handled
	jne fail
	# old-style handler for SIGUSR1 (flags 0)
	movl $174, %eax
	movl $10, %ebx
	movl $act2, %ecx
	xorl %edx, %edx
	movl $8, %esi
	int $0x80
	movl $20, %eax
	int $0x80
	movl %eax, %ebx
	movl $10, %ecx
	movl $37, %eax              # kill(getpid(), SIGUSR1)
	int $0x80
	cmpl $0, %eax               # the syscall's return value survives sigreturn
	jne fail
	cmpl $10, usr1
	jne fail
	movl $4, %eax
	movl $1, %ebx
	movl $ok, %ecx
	movl $oklen, %edx
	int $0x80
	movl $1, %eax
	xorl %ebx, %ebx
	int $0x80
fail:
	movl $1, %eax
	movl $1, %ebx
	int $0x80

handler:                            # (sig, info, uc)
	movl 4(%esp), %eax
	cmpl $11, %eax
	jne fail
	movl 8(%esp), %eax          # siginfo
	cmpl $11, (%eax)            # si_signo
	jne fail
	cmpl $1, 8(%eax)            # si_code = SEGV_MAPERR
	jne fail
	cmpl $0xdead000, 12(%eax)   # si_addr
	jne fail
	movl 12(%esp), %eax         # ucontext
	addl $2, 20+56(%eax)        # uc_mcontext.eip += 2
	movl $1, handled
	ret

handler2:                           # old style: (sig) only
	movl 4(%esp), %eax
	movl %eax, usr1
	ret

	.data
act:	.long handler, 0x4, 0, 0, 0     # SA_SIGINFO
act2:	.long handler2, 0, 0, 0, 0
handled: .long 0
usr1:	.long 0
ok:	.ascii "signals ok\n"
	oklen = . - ok
