/* ptrace.h: the register frame on the kernel stack (Linux i386 struct pt_regs order, with the
 * vector in orig_eax's place until the system call path overwrites it). */
#ifndef PTRACE_H
#define PTRACE_H
#include <stdint.h>
struct pt_regs {
    uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
    uint32_t ds, es, fs, gs;
    uint32_t vector;
    uint32_t error_code;
    uint32_t eip, cs, eflags;
    uint32_t esp, ss;   /* only when the frame came from ring 3 */
};
#define user_mode(r) (((r)->cs & 3) == 3)
#endif
