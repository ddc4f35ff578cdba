/* signal_frame.h: the Linux i386 user signal frames (arch/x86/include/asm/sigframe.h and
 * uapi/asm/sigcontext.h, ucontext.h, siginfo.h), with the x87 state after the frame ("fp state
 * follows here") in the `struct _fpstate_32` layout: the fnsave image, then status and magic
 * 0xffff (no FXSR data). */
#ifndef SIGNAL_FRAME_H
#define SIGNAL_FRAME_H
#include "kernel.h"
struct sigcontext {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t trapno, err, eip, cs, eflags, esp_at_signal, ss;
    uint32_t fpstate;   /* struct _fpstate * (the `fpu` member of the frame) */
    uint32_t oldmask, cr2;
};
_Static_assert(sizeof(struct sigcontext) == 88, "struct sigcontext is 88 bytes on i386");
struct siginfo {
    int32_t si_signo, si_errno, si_code;
    uint32_t fields[29];
};
_Static_assert(sizeof(struct siginfo) == 128, "siginfo_t is 128 bytes");
struct ucontext {
    uint32_t uc_flags, uc_link;
    uint32_t ss_sp;
    int32_t ss_flags;
    uint32_t ss_size;
    struct sigcontext mcontext;
    uint64_t sigmask;
};
_Static_assert(sizeof(struct ucontext) == 116, "struct ucontext is 116 bytes on i386");
struct fpstate {
    uint8_t fnsave[108];   /* cw, sw, tag, ipoff, cssel, dataoff, datasel, 8 x 10-byte st */
    uint16_t status;
    uint16_t magic;        /* 0xffff: only the fnsave part is there */
};
_Static_assert(sizeof(struct fpstate) == 112, "the fnsave part of struct _fpstate_32 is 112 bytes");
#define FPSTATE_MAGIC_NONE 0xffff
struct sigframe {
    uint32_t pretcode;
    int32_t sig;
    struct sigcontext sc;
    uint32_t extramask;
    uint8_t retcode[8];
    struct fpstate fpu;
};
struct rt_sigframe {
    uint32_t pretcode;
    int32_t sig;
    uint32_t pinfo, puc;
    struct siginfo info;
    struct ucontext uc;
    uint8_t retcode[8];
    struct fpstate fpu;
};
#endif
