/*
 * Native side of the i386 differential tests.
 *
 * Build: gcc -m32 -static -O1 -fno-pie -no-pie -o harness harness.c
 * (native-runner.ts does this on demand and caches the binary.)
 *
 * The program runs small pieces of i386 code ("cases") natively at CPL 3 and
 * reports the machine state afterwards, so the emulator can be compared with
 * the host CPU.
 *
 * Fixed address-space layout (every region is surrounded by PROT_NONE guard
 * pages, so a stray access faults instead of touching the harness):
 *   0x10000000 .. 0x10000FFF  data buffer (RW), contents given per case
 *   0x20000000 .. 0x20000FFF  code page (RWX): case code, then the epilogue
 *   0x30000000 .. 0x3000FFFF  stack region (RW), zero except the window
 *   0x3000EE00 .. 0x3000F0FF  stack window (768 bytes), given and reported
 *   initial ESP is whatever the case says (normally 0x3000F000)
 *
 * Stream format, all integers little-endian u32:
 *
 *   stdin : magic 0x31464458 ("XDF1"), then records until EOF or a code_len
 *           of 0xFFFFFFFF:
 *             code_len                      (<= 3840)
 *             eax ecx edx ebx esp ebp esi edi
 *             eflags                        (only CF PF AF ZF SF OF DF used)
 *             data[4096]                    initial data buffer
 *             stack[768]                    initial stack window
 *             code[code_len]
 *
 *   stdout: magic 0x31464458, then one fixed-size record (4924 bytes) per case:
 *             status        0 = completed, 1 = fault, 2 = timeout (watchdog)
 *             signo         signal that reported the fault (0 if none)
 *             vector        x86 exception vector (ucontext REG_TRAPNO)
 *             error_code    exception error code (ucontext REG_ERR)
 *             fault_eip     EIP of the fault (trap-class: next instruction)
 *             cr2           faulting linear address (vector 14, else 0)
 *             eax ecx edx ebx esp ebp esi edi
 *             eflags        raw EFLAGS (IF and bit 1 are set by the host)
 *             data[4096]    final data buffer
 *             stack[768]    final stack window
 *           For a fault the registers and EFLAGS are those at the fault.
 *
 * End of a case: the harness appends "jmp dword [abs32]" (FF 25 abs32) right
 * after the case code; abs32 holds the address of h_return.  A case therefore
 * completes when EIP reaches CODE_BASE + code_len with every register intact.
 * The jump neither reads nor writes flags, registers or the stack.
 *
 * Faults: SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP handlers run on an alternate
 * stack (the case stack stays untouched), record REG_TRAPNO, REG_ERR,
 * REG_EIP, CR2 and the GPRs/EFLAGS of the ucontext, then rewrite the context
 * so that sigreturn resumes in the harness (h_resume) on the harness stack:
 * a siglongjmp without per-case signal-mask bookkeeping. A SIGALRM watchdog
 * aborts a case still running after a full 1 s timer period (status 2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define MAGIC 0x31464458u
#define DATA_BASE 0x10000000u
#define DATA_SIZE 4096u
#define CODE_BASE 0x20000000u
#define CODE_SIZE 4096u
#define CODE_MAX 3840u
#define STACK_BASE 0x30000000u
#define STACK_SIZE 0x10000u
#define STACK_WIN_BASE 0x3000EE00u
#define STACK_WIN_SIZE 768u
#define PAGE 4096u
/* User-settable arithmetic flags plus DF: CF PF AF ZF SF DF OF. */
#define EFLAGS_SETTABLE 0x0CD5u
/* Bit 1 is always 1; IF is always 1 for user code. */
#define EFLAGS_FIXED 0x0202u

/* Register file order used everywhere: eax ecx edx ebx esp ebp esi edi eflags. */
uint32_t h_in[9];
uint32_t h_out[9];
uint32_t h_saved_esp;
uint32_t h_code_ptr = CODE_BASE;
uint32_t h_return_ptr; /* = &h_return, read by the appended epilogue */

extern int h_enter(void);
extern char h_return[];
extern char h_resume[];

/*
 * h_enter: save callee-saved registers and ESP, load EFLAGS (via POPF on the
 * harness stack, so the case stack is never written), load the GPRs with MOV
 * (which leaves flags alone), switch ESP last and jump to the case.
 * h_return: store the GPRs, switch back to the harness stack, then capture
 * EFLAGS with PUSHF and reset EFLAGS to a clean value for C code.
 * h_resume: fault path; the signal handler resumes here with ESP = saved ESP
 * and EAX = status.
 */
__asm__(
    ".text\n"
    ".globl h_enter\n"
    "h_enter:\n"
    "  pushl %ebp\n"
    "  pushl %ebx\n"
    "  pushl %esi\n"
    "  pushl %edi\n"
    "  movl %esp, h_saved_esp\n"
    "  pushl h_in+32\n"
    "  popfl\n"
    "  movl h_in+0, %eax\n"
    "  movl h_in+4, %ecx\n"
    "  movl h_in+8, %edx\n"
    "  movl h_in+12, %ebx\n"
    "  movl h_in+20, %ebp\n"
    "  movl h_in+24, %esi\n"
    "  movl h_in+28, %edi\n"
    "  movl h_in+16, %esp\n"
    "  jmp *h_code_ptr\n"
    ".globl h_return\n"
    "h_return:\n"
    "  movl %eax, h_out+0\n"
    "  movl %ecx, h_out+4\n"
    "  movl %edx, h_out+8\n"
    "  movl %ebx, h_out+12\n"
    "  movl %esp, h_out+16\n"
    "  movl %ebp, h_out+20\n"
    "  movl %esi, h_out+24\n"
    "  movl %edi, h_out+28\n"
    "  movl h_saved_esp, %esp\n"
    "  pushfl\n"
    "  popl h_out+32\n"
    "  pushl $0x202\n"
    "  popfl\n"
    "  xorl %eax, %eax\n"
    ".globl h_resume\n"
    "h_resume:\n"
    "  popl %edi\n"
    "  popl %esi\n"
    "  popl %ebx\n"
    "  popl %ebp\n"
    "  ret\n");

static volatile sig_atomic_t in_case;
static volatile uint32_t case_serial;
static uint32_t watchdog_serial;
static uint32_t f_signo, f_vector, f_err, f_eip, f_cr2;

static void die(const char *msg) {
  size_t n = strlen(msg);
  (void)!write(2, "harness: ", 9);
  (void)!write(2, msg, n);
  (void)!write(2, "\n", 1);
  _exit(3);
}

/* Copy the interrupted context into h_out and resume at h_resume. */
static void abort_case(ucontext_t *uc, uint32_t status) {
  greg_t *g = uc->uc_mcontext.gregs;
  h_out[0] = (uint32_t)g[REG_EAX];
  h_out[1] = (uint32_t)g[REG_ECX];
  h_out[2] = (uint32_t)g[REG_EDX];
  h_out[3] = (uint32_t)g[REG_EBX];
  h_out[4] = (uint32_t)g[REG_ESP];
  h_out[5] = (uint32_t)g[REG_EBP];
  h_out[6] = (uint32_t)g[REG_ESI];
  h_out[7] = (uint32_t)g[REG_EDI];
  h_out[8] = (uint32_t)g[REG_EFL];
  g[REG_EIP] = (greg_t)(uintptr_t)h_resume;
  g[REG_ESP] = (greg_t)h_saved_esp;
  g[REG_EAX] = (greg_t)status;
  g[REG_EFL] = (greg_t)EFLAGS_FIXED;
}

static int eip_in_case(uint32_t eip) { return eip - CODE_BASE < CODE_SIZE; }

static void on_fault(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  greg_t *g = uc->uc_mcontext.gregs;
  uint32_t eip = (uint32_t)g[REG_EIP];
  (void)si;
  /* Only case code may fault.  Its EIP is normally inside the code page, but
     a jump that truncates EIP (66 E9) faults elsewhere, so do not insist. */
  if (!in_case) die("unexpected signal outside a case");
  f_signo = (uint32_t)sig;
  f_vector = (uint32_t)g[REG_TRAPNO];
  f_err = (uint32_t)g[REG_ERR];
  f_eip = eip;
  /* Linux reports the thread's last CR2 with every signal; it only means
     something for a page fault (vector 14). */
  f_cr2 = f_vector == 14 ? (uint32_t)uc->uc_mcontext.cr2 : 0;
  in_case = 0;
  abort_case(uc, 1);
}

/* Watchdog: a case still running after a full timer period is aborted. */
static void on_alarm(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  uint32_t eip = (uint32_t)uc->uc_mcontext.gregs[REG_EIP];
  (void)sig;
  (void)si;
  if (!in_case || !eip_in_case(eip)) return;
  if (watchdog_serial != case_serial) {
    watchdog_serial = case_serial;
    return;
  }
  f_signo = SIGALRM;
  f_vector = 0xFFFFFFFFu;
  f_err = 0;
  f_eip = eip;
  f_cr2 = 0;
  in_case = 0;
  abort_case(uc, 2);
}

static void map_region(uint32_t base, uint32_t size, int prot) {
  /* A guard page on each side catches accesses just outside the region. */
  void *lo = mmap((void *)(uintptr_t)(base - PAGE), PAGE, PROT_NONE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  void *p = mmap((void *)(uintptr_t)base, size, prot,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  void *hi = mmap((void *)(uintptr_t)(base + size), PAGE, PROT_NONE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (lo != (void *)(uintptr_t)(base - PAGE) || p != (void *)(uintptr_t)base ||
      hi != (void *)(uintptr_t)(base + size))
    die("cannot map the fixed regions");
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | flags;
  sigemptyset(&sa.sa_mask);
  /* Keep the watchdog from interrupting a fault handler and vice versa. */
  sigaddset(&sa.sa_mask, SIGALRM);
  if (sigaction(sig, &sa, NULL) != 0) die("sigaction failed");
}

static size_t read_full(void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(0, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  return got;
}

static unsigned char out_buf[1 << 20];
static size_t out_len;

static void flush_out(void) {
  size_t off = 0;
  while (off < out_len) {
    ssize_t w = write(1, out_buf + off, out_len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die("write failed");
    off += (size_t)w;
  }
  out_len = 0;
}

static void emit(const void *p, size_t n) {
  if (out_len + n > sizeof out_buf) flush_out();
  memcpy(out_buf + out_len, p, n);
  out_len += n;
}

static unsigned char alt_stack[65536];

int main(void) {
  uint32_t hdr[10];
  uint32_t magic;
  unsigned char *data = (unsigned char *)(uintptr_t)DATA_BASE;
  unsigned char *code = (unsigned char *)(uintptr_t)CODE_BASE;
  unsigned char *stack = (unsigned char *)(uintptr_t)STACK_BASE;
  unsigned char *win = (unsigned char *)(uintptr_t)STACK_WIN_BASE;
  stack_t ss;
  struct itimerval it;

  map_region(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE);
  map_region(CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
  map_region(STACK_BASE, STACK_SIZE, PROT_READ | PROT_WRITE);
  h_return_ptr = (uint32_t)(uintptr_t)h_return;

  /* Signal frames go to an alternate stack so the case stack is untouched. */
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof alt_stack;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, NULL) != 0) die("sigaltstack failed");
  install(SIGSEGV, on_fault, 0);
  install(SIGBUS, on_fault, 0);
  install(SIGFPE, on_fault, 0);
  install(SIGILL, on_fault, 0);
  install(SIGTRAP, on_fault, 0);
  install(SIGALRM, on_alarm, SA_RESTART);
  it.it_interval.tv_sec = 1;
  it.it_interval.tv_usec = 0;
  it.it_value = it.it_interval;
  if (setitimer(ITIMER_REAL, &it, NULL) != 0) die("setitimer failed");

  if (read_full(&magic, 4) != 4) return 0;
  if (magic != MAGIC) die("bad input magic");
  magic = MAGIC;
  emit(&magic, 4);

  for (;;) {
    uint32_t code_len, status, rec[15];
    if (read_full(hdr, sizeof hdr) != sizeof hdr) break;
    code_len = hdr[0];
    if (code_len == 0xFFFFFFFFu) break;
    if (code_len > CODE_MAX) die("code too long");
    if (read_full(data, DATA_SIZE) != DATA_SIZE) die("short data");
    memset(stack, 0, STACK_SIZE);
    if (read_full(win, STACK_WIN_SIZE) != STACK_WIN_SIZE) die("short stack");
    /* Fill the code page with int3 so running off the end traps visibly. */
    memset(code, 0xCC, CODE_SIZE);
    if (read_full(code, code_len) != code_len) die("short code");
    code[code_len] = 0xFF; /* jmp dword [h_return_ptr] */
    code[code_len + 1] = 0x25;
    {
      uint32_t a = (uint32_t)(uintptr_t)&h_return_ptr;
      memcpy(code + code_len + 2, &a, 4);
    }
    memcpy(h_in, hdr + 1, 8 * 4);
    h_in[8] = (hdr[9] & EFLAGS_SETTABLE) | EFLAGS_FIXED;
    f_signo = f_vector = f_err = f_eip = f_cr2 = 0;

    case_serial++;
    in_case = 1;
    status = (uint32_t)h_enter();
    in_case = 0;

    rec[0] = status;
    rec[1] = f_signo;
    rec[2] = f_vector;
    rec[3] = f_err;
    rec[4] = f_eip;
    rec[5] = f_cr2;
    memcpy(rec + 6, h_out, 9 * 4);
    emit(rec, sizeof rec);
    emit(data, DATA_SIZE);
    emit(win, STACK_WIN_SIZE);
  }
  flush_out();
  return 0;
}
