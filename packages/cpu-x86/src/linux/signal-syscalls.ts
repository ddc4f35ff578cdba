/**
 * Signal system calls: dispositions, the blocked mask, the alternate stack,
 * the two sigreturns, and kill/tkill/tgkill, which can only reach the process
 * itself (there is no other).
 */
import {
  EINVAL, ENOMEM, EPERM, ESRCH, Errno, MINSIGSTKSZ, NSIG, SI_TKILL, SI_USER, SIG_BLOCK, SIG_SETMASK,
  SIG_UNBLOCK, SIGKILL, SIGSEGV, SIGSTOP, SS_DISABLE, SS_ONSTACK,
} from './linux-abi.js';
import type { LinuxProcess } from './linux-process.js';
import { restoreFrame, sigBit, UNBLOCKABLE } from './signals.js';
import { NO_RESULT, type SyscallGroup } from './syscall-types.js';

function checkSig(sig: number): void {
  if (sig < 1 || sig > NSIG) throw new Errno(EINVAL);
}

/** rt_sigaction: struct sigaction { handler, flags, restorer, mask (sigsetsize bytes) }. */
function rtSigaction(p: LinuxProcess, sig: number, act: number, oact: number, size: number): number {
  if (size !== 8) throw new Errno(EINVAL);
  checkSig(sig);
  const a = p.signals.actions[sig];
  if (act !== 0 && (sig === SIGKILL || sig === SIGSTOP)) throw new Errno(EINVAL);
  const old = { ...a };
  if (act !== 0) {
    const handler = p.as.read32(act) >>> 0;
    const flags = p.as.read32(act + 4);
    const restorer = p.as.read32(act + 8) >>> 0;
    const mask = BigInt.asUintN(64, p.as.read64(act + 12));
    a.handler = handler;
    a.flags = flags;
    a.restorer = restorer;
    a.mask = mask & ~UNBLOCKABLE;
    // Setting a signal to be ignored discards it if pending (POSIX).
    if (handler === 1) p.signals.pending &= ~sigBit(sig);
  }
  if (oact !== 0) {
    p.as.write32(oact, old.handler);
    p.as.write32(oact + 4, old.flags);
    p.as.write32(oact + 8, old.restorer);
    p.as.write64(oact + 12, old.mask);
  }
  return 0;
}

/** The old sigaction: struct old_sigaction { handler, mask (32 bits), flags, restorer }. */
function oldSigaction(p: LinuxProcess, sig: number, act: number, oact: number): number {
  checkSig(sig);
  const a = p.signals.actions[sig];
  const old = { ...a };
  if (act !== 0) {
    if (sig === SIGKILL || sig === SIGSTOP) throw new Errno(EINVAL);
    a.handler = p.as.read32(act) >>> 0;
    a.mask = BigInt(p.as.read32(act + 4) >>> 0) & ~UNBLOCKABLE;
    a.flags = p.as.read32(act + 8);
    a.restorer = p.as.read32(act + 12) >>> 0;
  }
  if (oact !== 0) {
    p.as.write32(oact, old.handler);
    p.as.write32(oact + 4, Number(old.mask & 0xffffffffn));
    p.as.write32(oact + 8, old.flags);
    p.as.write32(oact + 12, old.restorer);
  }
  return 0;
}

function sigprocmask(p: LinuxProcess, how: number, set: number, oset: number, wide: boolean): number {
  const st = p.signals;
  const old = st.blocked;
  if (set !== 0) {
    const m = wide ? BigInt.asUintN(64, p.as.read64(set)) : BigInt(p.as.read32(set) >>> 0);
    if (how === SIG_BLOCK) st.blocked |= m;
    else if (how === SIG_UNBLOCK) st.blocked &= ~m;
    else if (how === SIG_SETMASK) st.blocked = wide ? m : (st.blocked & ~0xffffffffn) | m;
    else throw new Errno(EINVAL);
    st.blocked &= ~UNBLOCKABLE;
  }
  if (oset !== 0) {
    if (wide) p.as.write64(oset, old);
    else p.as.write32(oset, Number(old & 0xffffffffn));
  }
  return 0;
}

function sigaltstack(p: LinuxProcess, ss: number, oss: number): number {
  const st = p.signals;
  const esp = p.machine.esp;
  if (oss !== 0) {
    p.as.write32(oss, st.altSp);
    p.as.write32(oss + 4, st.altFlags === SS_DISABLE ? SS_DISABLE : st.onAltStack(esp) ? SS_ONSTACK : 0);
    p.as.write32(oss + 8, st.altSize);
  }
  if (ss !== 0) {
    if (st.onAltStack(esp)) throw new Errno(EPERM);
    const sp = p.as.read32(ss) >>> 0;
    const flags = p.as.read32(ss + 4);
    const size = p.as.read32(ss + 8) >>> 0;
    if ((flags & ~(SS_DISABLE | (1 << 31))) !== 0) throw new Errno(EINVAL);
    if ((flags & SS_DISABLE) !== 0) {
      st.altFlags = SS_DISABLE;
      st.altSp = 0;
      st.altSize = 0;
    } else {
      if (size < MINSIGSTKSZ) throw new Errno(ENOMEM);
      st.altSp = sp;
      st.altSize = size;
      st.altFlags = 0;
    }
  }
  return 0;
}

function sigreturn(p: LinuxProcess, rt: boolean): number {
  if (!restoreFrame(p.machine, p.as, p.signals, p.machine.esp, rt)) {
    p.signals.force({ signo: SIGSEGV, code: 0x80 });
  }
  return NO_RESULT;
}

function killSelf(p: LinuxProcess, sig: number, code: number): number {
  if (sig === 0) return 0;
  checkSig(sig);
  p.signals.post({ signo: sig, code, pid: p.pid, uid: process.getuid?.() ?? 0 });
  return 0;
}

export const signalSyscalls: SyscallGroup = {
  rt_sigaction: (p, sig, act, oact, size) => rtSigaction(p, sig, act, oact, size),
  sigaction: (p, sig, act, oact) => oldSigaction(p, sig, act, oact),
  signal: (p, sig, handler) => {
    checkSig(sig);
    const a = p.signals.actions[sig];
    const old = a.handler;
    a.handler = handler >>> 0;
    a.flags = 0x80000000 | 0x40000000; // SA_RESETHAND | SA_NODEFER (System V semantics)
    a.mask = 0n;
    return old;
  },
  rt_sigprocmask: (p, how, set, oset, size) => {
    if (size !== 8) throw new Errno(EINVAL);
    return sigprocmask(p, how, set, oset, true);
  },
  sigprocmask: (p, how, set, oset) => sigprocmask(p, how, set, oset, false),
  rt_sigpending: (p, set) => {
    p.as.write64(set, p.signals.pending & p.signals.blocked);
    return 0;
  },
  sigpending: (p, set) => {
    p.as.write32(set, Number(p.signals.pending & p.signals.blocked & 0xffffffffn));
    return 0;
  },
  rt_sigsuspend: (p, mask) => {
    // Only a signal already pending can end the wait; the handler runs with the temporary mask.
    const m = BigInt.asUintN(64, p.as.read64(mask)) & ~UNBLOCKABLE;
    if ((p.signals.pending & ~m) === 0n) throw new Errno(4);
    p.signals.blocked = m;
    return -4; // EINTR
  },
  pause: () => -4,
  sigaltstack: (p, ss, oss) => sigaltstack(p, ss, oss),
  rt_sigreturn: (p) => sigreturn(p, true),
  sigreturn: (p) => sigreturn(p, false),
  kill: (p, pid, sig) => {
    if (pid !== p.pid && pid !== 0 && pid !== -1 && pid !== -p.pid) throw new Errno(ESRCH);
    return killSelf(p, sig, SI_USER);
  },
  tkill: (p, tid, sig) => {
    if (tid !== p.pid) throw new Errno(ESRCH);
    return killSelf(p, sig, SI_TKILL);
  },
  tgkill: (p, tgid, tid, sig) => {
    if (tgid !== p.pid || tid !== p.pid) throw new Errno(ESRCH);
    return killSelf(p, sig, SI_TKILL);
  },
  rt_sigqueueinfo: (p, pid, sig) => {
    if (pid !== p.pid) throw new Errno(ESRCH);
    return killSelf(p, sig, -1);
  },
  rt_sigtimedwait: () => -11, // EAGAIN: nothing else can send a signal
  rt_sigtimedwait_time64: () => -11,
};

