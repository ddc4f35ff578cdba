/**
 * Signals as the i386 kernel implements them for one process: dispositions
 * (rt_sigaction), the blocked mask, pending signals with their siginfo, the
 * alternate stack, and delivery: on the way back to ring 3 the kernel writes a
 * signal frame on the user stack (arch/x86/kernel/signal.c layout, both the
 * old `sigframe` and the `rt_sigframe`), points EIP at the handler, and the
 * handler returns through a trampoline into sigreturn/rt_sigreturn, which
 * restores the saved context.
 */
import type { X87Snapshot } from '../fpu/x87-state.js';
import { DS, EAX, EBP, EBX, ECX, EDI, EDX, ES, ESI, FS, GS } from '../constants.js';
import type { AddressSpace } from './address-space.js';
import {
  Errno, NSIG, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTORER, SA_SIGINFO, SIG_DFL, SIG_IGN, SIGABRT, SIGBUS,
  SIGCHLD, SIGCONT, SIGFPE, SIGILL, SIGKILL, SIGQUIT, SIGSEGV, SIGSTOP, SIGSYS, SIGTRAP, SIGTSTP, SIGTTIN, SIGTTOU,
  SIGURG, SIGWINCH, SIGXCPU, SIGXFSZ, SS_DISABLE, SS_ONSTACK, USER_DS,
} from './linux-abi.js';
import type { UserMachine } from './user-machine.js';

export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  mask: bigint;
}

/** What the kernel records about one pending signal (the fields of siginfo the runner fills). */
export interface SigInfo {
  signo: number;
  code: number;
  errno?: number;
  /** si_addr for faults. */
  addr?: number;
  pid?: number;
  uid?: number;
  /** For the sigcontext of a fault: vector, error code, CR2. */
  trapno?: number;
  err?: number;
  cr2?: number;
}

export const SIGNAL_NAMES = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN',
  'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

export function signalName(sig: number): string {
  return SIGNAL_NAMES[sig] ?? `SIGRT${sig - 32}`;
}

export function sigBit(sig: number): bigint {
  return 1n << BigInt(sig - 1);
}

/** Signals that can be neither caught, blocked nor ignored. */
export const UNBLOCKABLE = sigBit(SIGKILL) | sigBit(SIGSTOP);

const IGNORED_BY_DEFAULT = new Set([SIGCHLD, SIGURG, SIGWINCH, SIGCONT]);
/** Job-control stops: a lone process has no one to continue it, so they are ignored (documented). */
const STOP_SIGNALS = new Set([SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);
const CORE_SIGNALS = new Set([SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS]);

/** Default action of a signal: 'ignore' or 'terminate' (with or without core). */
export function defaultAction(sig: number): 'ignore' | 'terminate' | 'core' {
  if (IGNORED_BY_DEFAULT.has(sig) || STOP_SIGNALS.has(sig)) return 'ignore';
  return CORE_SIGNALS.has(sig) ? 'core' : 'terminate';
}

export class SignalState {
  actions: SigAction[] = [];
  blocked = 0n;
  pending = 0n;
  readonly info: (SigInfo | undefined)[] = [];
  altSp = 0;
  altSize = 0;
  altFlags = SS_DISABLE;
  /**
   * x87 states saved at signal delivery, restored by sigreturn: the handler
   * starts with a clean FPU and the interrupted code gets its own back. Kept
   * here rather than in the frame's fpstate (which reads as "none"); a
   * handler that leaves by longjmp never returns, so the stack is bounded.
   */
  readonly fpuSaved: X87Snapshot[] = [];

  constructor() {
    for (let s = 0; s <= NSIG; s++) this.actions.push({ handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n });
  }

  /** fork: the child inherits dispositions, mask and alternate stack, but no pending signals. */
  clone(): SignalState {
    const s = new SignalState();
    s.actions = this.actions.map((a) => ({ ...a }));
    s.blocked = this.blocked;
    s.altSp = this.altSp;
    s.altSize = this.altSize;
    s.altFlags = this.altFlags;
    s.fpuSaved.push(...this.fpuSaved);
    return s;
  }

  /** execve: caught signals revert to default; ignored stay ignored; the mask and pending set survive. */
  resetForExec(): void {
    for (const a of this.actions) {
      if (a.handler !== SIG_IGN) a.handler = SIG_DFL;
      a.flags = 0;
      a.restorer = 0;
      a.mask = 0n;
    }
    this.altSp = 0;
    this.altSize = 0;
    this.altFlags = SS_DISABLE;
  }

  /** Queues a signal (standard signals do not queue twice). Ignored signals are dropped at once. */
  post(info: SigInfo): void {
    const a = this.actions[info.signo];
    if (info.signo !== SIGKILL && (a.handler === SIG_IGN || (a.handler === SIG_DFL && defaultAction(info.signo) === 'ignore'))) {
      return;
    }
    const bit = sigBit(info.signo);
    if ((this.pending & bit) !== 0n) return;
    this.pending |= bit;
    this.info[info.signo] = info;
  }

  /** A synchronous fault signal (force_sig_fault): if blocked or ignored it reverts to the default. */
  force(info: SigInfo): void {
    const bit = sigBit(info.signo);
    const a = this.actions[info.signo];
    if ((this.blocked & bit) !== 0n || a.handler === SIG_IGN) {
      a.handler = SIG_DFL;
      this.blocked &= ~bit;
    }
    this.pending |= bit;
    this.info[info.signo] = info;
  }

  /** The next deliverable signal (lowest number first; synchronous faults are posted last-in so come first). */
  nextDeliverable(): number {
    const ready = this.pending & ~this.blocked;
    if (ready === 0n) return 0;
    for (const s of [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS]) if ((ready & sigBit(s)) !== 0n) return s;
    for (let s = 1; s <= NSIG; s++) if ((ready & sigBit(s)) !== 0n) return s;
    return 0;
  }

  take(sig: number): SigInfo {
    this.pending &= ~sigBit(sig);
    const info = this.info[sig] ?? { signo: sig, code: 0 };
    this.info[sig] = undefined;
    return info;
  }

  onAltStack(sp: number): boolean {
    return this.altFlags !== SS_DISABLE && (sp >>> 0) > this.altSp && (sp >>> 0) - this.altSp <= this.altSize;
  }
}

// ---------------------------------------------------------------------------
// Frames (arch/x86/include/asm/sigframe.h, uapi/asm/sigcontext.h, ucontext.h)
// ---------------------------------------------------------------------------

/** struct sigcontext_32 offsets. */
const SC = {
  gs: 0, fs: 4, es: 8, ds: 12, edi: 16, esi: 20, ebp: 24, esp: 28, ebx: 32, edx: 36, ecx: 40, eax: 44,
  trapno: 48, err: 52, eip: 56, cs: 60, eflags: 64, espAtSignal: 68, ss: 72, fpstate: 76, oldmask: 80, cr2: 84,
} as const;
const SIGCONTEXT_SIZE = 88;
/** Signal handlers nested deeper than this lose the oldest saved x87 state. */
const MAX_NESTED_FPU_SAVES = 64;

/** struct _fpstate_32. */
const FPSTATE_SIZE = 624;
/** struct sigframe_ia32: pretcode, sig, sc, fpstate_unused, extramask, retcode. */
const OLD_FRAME = { sig: 4, sc: 8, extramask: 8 + SIGCONTEXT_SIZE + FPSTATE_SIZE, retcode: 12 + SIGCONTEXT_SIZE + FPSTATE_SIZE };
const OLD_FRAME_SIZE = OLD_FRAME.retcode + 8;
/** struct rt_sigframe_ia32: pretcode, sig, pinfo, puc, info (128), uc (ucontext_ia32), retcode. */
const RT_FRAME = { sig: 4, pinfo: 8, puc: 12, info: 16, uc: 144, retcode: 144 + 116 };
const RT_FRAME_SIZE = RT_FRAME.retcode + 8;
/** struct ucontext_ia32 offsets. */
const UC = { flags: 0, link: 4, ssSp: 8, ssFlags: 12, ssSize: 16, mcontext: 20, sigmask: 108 } as const;

/** EFLAGS bits sigreturn takes from the saved context (FIX_EFLAGS). */
const FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;

/** popl %eax; movl $__NR_sigreturn, %eax; int $0x80 */
const RETCODE_OLD = [0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80];
/** movl $__NR_rt_sigreturn, %eax; int $0x80; (pad) */
const RETCODE_RT = [0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0];

/**
 * Builds the signal frame for `info` on the user stack and aims the IRET
 * frame at the handler. Throws Errno(EFAULT) when the stack is unusable.
 */
export function setupFrame(m: UserMachine, as: AddressSpace, st: SignalState, act: SigAction, info: SigInfo): void {
  const c = m.cpu;
  const userEsp = m.esp;
  let sp = userEsp >>> 0;
  if ((act.flags & SA_ONSTACK) !== 0 && st.altFlags !== SS_DISABLE && !st.onAltStack(sp)) {
    sp = (st.altSp + st.altSize) >>> 0;
  }
  sp = (sp - FPSTATE_SIZE) & ~63;
  const fpstate = sp >>> 0;
  const rt = (act.flags & SA_SIGINFO) !== 0;
  sp -= rt ? RT_FRAME_SIZE : OLD_FRAME_SIZE;
  sp = (((sp + 4) & ~15) - 4) >>> 0;
  const frame = sp;
  const sc = frame + (rt ? RT_FRAME.uc + UC.mcontext : OLD_FRAME.sc);

  as.zero(fpstate, FPSTATE_SIZE);
  // The x87 state is kept by the runner (SignalState.fpuSaved); fpstate = 0 in the frame.
  if (st.fpuSaved.length >= MAX_NESTED_FPU_SAVES) st.fpuSaved.shift();
  st.fpuSaved.push(c.fpu.snapshot());
  c.fpu.init();
  const sel = c.segSel;
  as.write32(sc + SC.gs, sel[GS]);
  as.write32(sc + SC.fs, sel[FS]);
  as.write32(sc + SC.es, sel[ES]);
  as.write32(sc + SC.ds, sel[DS]);
  const r = c.reg32;
  as.write32(sc + SC.edi, r[EDI]);
  as.write32(sc + SC.esi, r[ESI]);
  as.write32(sc + SC.ebp, r[EBP]);
  as.write32(sc + SC.esp, userEsp);
  as.write32(sc + SC.ebx, r[EBX]);
  as.write32(sc + SC.edx, r[EDX]);
  as.write32(sc + SC.ecx, r[ECX]);
  as.write32(sc + SC.eax, r[EAX]);
  as.write32(sc + SC.trapno, info.trapno ?? 0);
  as.write32(sc + SC.err, info.err ?? 0);
  as.write32(sc + SC.eip, m.eip);
  as.write32(sc + SC.cs, m.cs);
  as.write32(sc + SC.eflags, m.eflags);
  as.write32(sc + SC.espAtSignal, userEsp);
  as.write32(sc + SC.ss, m.ss);
  as.write32(sc + SC.fpstate, 0);
  as.write32(sc + SC.oldmask, Number(st.blocked & 0xffffffffn));
  as.write32(sc + SC.cr2, info.cr2 ?? 0);

  const restorer = (act.flags & SA_RESTORER) !== 0 ? act.restorer : frame + (rt ? RT_FRAME.retcode : OLD_FRAME.retcode);
  as.write32(frame, restorer);
  if (rt) {
    as.write32(frame + RT_FRAME.sig, info.signo);
    as.write32(frame + RT_FRAME.pinfo, frame + RT_FRAME.info);
    as.write32(frame + RT_FRAME.puc, frame + RT_FRAME.uc);
    writeSigInfo(as, frame + RT_FRAME.info, info);
    const uc = frame + RT_FRAME.uc;
    as.write32(uc + UC.flags, 0);
    as.write32(uc + UC.link, 0);
    as.write32(uc + UC.ssSp, st.altSp);
    as.write32(uc + UC.ssFlags, st.altFlags === SS_DISABLE ? SS_DISABLE : st.onAltStack(userEsp) ? SS_ONSTACK : 0);
    as.write32(uc + UC.ssSize, st.altSize);
    as.write64(uc + UC.sigmask, st.blocked);
    as.writeBytes(frame + RT_FRAME.retcode, Uint8Array.from(RETCODE_RT));
  } else {
    as.write32(frame + OLD_FRAME.sig, info.signo);
    as.write32(frame + OLD_FRAME.extramask, Number((st.blocked >> 32n) & 0xffffffffn));
    as.writeBytes(frame + OLD_FRAME.retcode, Uint8Array.from(RETCODE_OLD));
  }

  // Registers at handler entry (setup_rt_frame / __setup_frame).
  r[EAX] = info.signo;
  r[EDX] = rt ? frame + RT_FRAME.info : 0;
  r[ECX] = rt ? frame + RT_FRAME.uc : 0;
  m.loadDataSegment(DS, USER_DS);
  m.loadDataSegment(ES, USER_DS);
  m.setUserFrame(act.handler, frame, m.eflags & ~(0x400 | 0x10000 | 0x100));

  if ((act.flags & SA_NODEFER) === 0) st.blocked |= sigBit(info.signo);
  st.blocked = (st.blocked | act.mask) & ~UNBLOCKABLE;
  if ((act.flags & SA_RESETHAND) !== 0) act.handler = SIG_DFL;
}

function writeSigInfo(as: AddressSpace, at: number, info: SigInfo): void {
  as.zero(at, 128);
  as.write32(at, info.signo);
  as.write32(at + 4, info.errno ?? 0);
  as.write32(at + 8, info.code);
  if (info.addr !== undefined) {
    as.write32(at + 12, info.addr);
  } else if (info.pid !== undefined) {
    as.write32(at + 12, info.pid);
    as.write32(at + 16, info.uid ?? 0);
  }
}

/**
 * sigreturn / rt_sigreturn: restores the context saved by setupFrame. `esp`
 * is the user ESP at the system call. Returns false when the frame is bad
 * (the caller then kills the process with SIGSEGV, as the kernel does).
 */
export function restoreFrame(m: UserMachine, as: AddressSpace, st: SignalState, esp: number, rt: boolean): boolean {
  const c = m.cpu;
  try {
    let sc: number;
    if (rt) {
      const frame = (esp - 4) >>> 0;
      const uc = frame + RT_FRAME.uc;
      st.blocked = as.read64(uc + UC.sigmask) & ~UNBLOCKABLE;
      const ssSp = as.read32(uc + UC.ssSp) >>> 0;
      const ssFlags = as.read32(uc + UC.ssFlags);
      const ssSize = as.read32(uc + UC.ssSize) >>> 0;
      // restore_altstack: as sigaltstack() would, ignoring errors.
      if (!st.onAltStack(m.esp)) {
        if ((ssFlags & SS_DISABLE) !== 0) {
          st.altFlags = SS_DISABLE;
          st.altSp = st.altSize = 0;
        } else if (ssSize >= 2048) {
          st.altSp = ssSp;
          st.altSize = ssSize;
          st.altFlags = 0;
        }
      }
      sc = uc + UC.mcontext;
    } else {
      const frame = (esp - 8) >>> 0;
      sc = frame + OLD_FRAME.sc;
      const lo = BigInt(as.read32(sc + SC.oldmask) >>> 0);
      const hi = BigInt(as.read32(frame + OLD_FRAME.extramask) >>> 0);
      st.blocked = ((hi << 32n) | lo) & ~UNBLOCKABLE;
    }
    const r = c.reg32;
    const v = (off: number): number => as.read32(sc + off);
    const gs = v(SC.gs) & 0xffff, fs = v(SC.fs) & 0xffff, es = v(SC.es) & 0xffff, ds = v(SC.ds) & 0xffff;
    r[EDI] = v(SC.edi);
    r[ESI] = v(SC.esi);
    r[EBP] = v(SC.ebp);
    r[EBX] = v(SC.ebx);
    r[EDX] = v(SC.edx);
    r[ECX] = v(SC.ecx);
    r[EAX] = v(SC.eax);
    const eip = v(SC.eip);
    const eflags = (m.eflags & ~FIX_EFLAGS) | (v(SC.eflags) & FIX_EFLAGS);
    const userEsp = v(SC.esp);
    let ok = m.loadDataSegment(GS, gs);
    ok = m.loadDataSegment(FS, fs) && ok;
    ok = m.loadDataSegment(ES, es) && ok;
    ok = m.loadDataSegment(DS, ds) && ok;
    m.setUserFrame(eip, userEsp, eflags);
    const fpu = st.fpuSaved.pop();
    if (fpu !== undefined) c.fpu.restore(fpu);
    return ok;
  } catch (e) {
    if (e instanceof Errno) return false;
    throw e;
  }
}

/** Signals a CPU exception raises in user mode (arch/x86/kernel/traps.c). */
export function signalForException(vector: number, errorCode: number, cr2: number, eip: number): SigInfo {
  const base = { trapno: vector, err: errorCode < 0 ? 0 : errorCode };
  switch (vector) {
    case 0:
      return { ...base, signo: SIGFPE, code: 1 /* FPE_INTDIV */, addr: eip };
    case 1:
      return { ...base, signo: SIGTRAP, code: 2 /* TRAP_TRACE */, addr: eip };
    case 3:
      return { ...base, signo: SIGTRAP, code: 0x80 /* SI_KERNEL */ };
    case 4:
      return { ...base, signo: SIGSEGV, code: 0x80 };
    case 5:
      return { ...base, signo: SIGSEGV, code: 0x80 };
    case 6:
      return { ...base, signo: SIGILL, code: 2 /* ILL_ILLOPN */, addr: eip };
    case 7:
      return { ...base, signo: SIGFPE, code: 0x80 };
    case 9:
      return { ...base, signo: SIGFPE, code: 0x80 };
    case 10:
    case 11:
    case 12:
    case 13:
      return { ...base, signo: SIGSEGV, code: 0x80 /* SI_KERNEL */, addr: 0 };
    case 16:
      return { ...base, signo: SIGFPE, code: 7 /* FPE_FLTINV, refined by the FPU status if known */, addr: eip };
    case 17:
      return { ...base, signo: SIGBUS, code: 1 /* BUS_ADRALN */, addr: cr2 };
    case 19:
      return { ...base, signo: SIGFPE, code: 7, addr: eip };
    default:
      return { ...base, signo: SIGSEGV, code: 0x80 };
  }
}
