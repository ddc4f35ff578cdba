# brk growth, anonymous mmap (touching pages), mprotect to read-only and a write that must
# fault with SEGV_ACCERR, munmap, and a TLS segment from set_thread_area read through %gs.
	.globl _start
	.text
_start:
	movl $45, %eax              # brk(0)
	xorl %ebx, %ebx
	int $0x80
	movl %eax, %esi
	leal 0x10000(%esi), %ebx
	movl $45, %eax              # brk(+64 KiB)
	int $0x80
	cmpl %ebx, %eax
	jne fail
	movl $0x55, 0xfffc(%esi)    # the new heap is usable
	# mmap2(0, 3 pages, RW, PRIVATE|ANON, -1, 0)
	movl $192, %eax
	xorl %ebx, %ebx
	movl $0x3000, %ecx
	movl $3, %edx
	movl $0x22, %esi
	movl $-1, %edi
	xorl %ebp, %ebp
	int $0x80
	cmpl $-4096, %eax
	ja fail
	movl %eax, %edi
	cmpl $0, 0x1000(%edi)       # fresh anonymous memory is zero
	jne fail
	movl $0x77, 0x2000(%edi)
	# set_thread_area({-1, base=edi+0x2000, limit=0xfffff, 32bit|pages|useable})
	movl $-1, desc
	leal 0x2000(%edi), %eax
	movl %eax, desc+4
	movl $243, %eax
	movl $desc, %ebx
	int $0x80
	testl %eax, %eax
	jnz fail
	movl desc, %eax
	shll $3, %eax
	orl $3, %eax
	movw %ax, %gs
	cmpl $0x77, %gs:0
	jne fail
	# mprotect(edi, 0x1000, PROT_READ) and a SIGSEGV handler that reports si_code
	movl $125, %eax
	movl %edi, %ebx
	movl $0x1000, %ecx
	movl $1, %edx
	int $0x80
	testl %eax, %eax
	jnz fail
	movl $174, %eax
	movl $11, %ebx
	movl $act, %ecx
	xorl %edx, %edx
	movl $8, %esi
	int $0x80
	movl $1, (%edi)             # SEGV_ACCERR -> handler exits with 40 + si_code
fail:
	movl $1, %eax
	movl $1, %ebx
	int $0x80
handler:
	movl 8(%esp), %eax
	movl 8(%eax), %ebx          # si_code
	addl $40, %ebx
	movl $1, %eax
	int $0x80

	.data
desc:	.long -1, 0, 0xfffff, 0x51
act:	.long handler, 0x4, 0, 0, 0
