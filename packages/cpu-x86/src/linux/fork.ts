/**
 * fork, vfork and clone for a runner that has one CPU and no scheduler: the
 * child runs first, to completion, and the parent resumes afterwards. At the
 * fork the parent's whole context is saved (registers, its memory pages,
 * descriptor table, signal state, cwd...); the child continues on the same
 * machine with fork() returning 0; when the child exits (or is killed), its
 * memory is dropped, the parent's is put back, fork() returns the child's pid
 * in the parent, and the child waits as a zombie for wait4().
 *
 * This runs what shells do with fork (pipelines, command substitution,
 * external commands) as long as no process has to wait for a later sibling or
 * for its parent: pipes grow without bound, so a writer finishes before its
 * reader starts. Threads (CLONE_VM without CLONE_VFORK) are not supported.
 */
import { DS, EAX, ES, FS, GS } from '../constants.js';
import type { X87Snapshot } from '../fpu/x87-state.js';
import type { AddressSpaceSnapshot } from './address-space.js';
import type { FdTable } from './file-description.js';
import {
  ECHILD, EINVAL, ENOSYS, Errno, GDT_ENTRY_TLS_ENTRIES, GDT_ENTRY_TLS_MIN, SIGCHLD,
} from './linux-abi.js';
import type { LinuxProcess } from './linux-process.js';
import { setHostUmask } from './host-umask.js';
import type { SignalState } from './signals.js';
import { NO_RESULT } from './syscall-types.js';

const CLONE_VM = 0x100, CLONE_VFORK = 0x4000, CLONE_THREAD = 0x10000, CLONE_PARENT_SETTID = 0x100000;
const CLONE_CHILD_SETTID = 0x1000000, CLONE_SETTLS = 0x80000;

/** Everything of the parent that the child may change. */
export interface SavedContext {
  pid: number;
  ppid: number;
  regs: Int32Array;
  /** The x87 state: the child runs on the same CPU first, so the parent's must come back. */
  fpu: X87Snapshot;
  selectors: number[];
  eip: number;
  eflags: number;
  esp: number;
  tls: [number, number][];
  memory: AddressSpaceSnapshot;
  brkStart: number;
  brk: number;
  tidAddress: number;
  cwd: Buffer;
  umask: number;
  exePath: Buffer;
  comm: string;
  signals: SignalState;
  fds: FdTable;
  children: Zombie[];
  /** Where to write the child's pid in the parent (CLONE_PARENT_SETTID), or 0. */
  parentTidPtr: number;
}

/** A child that has finished and waits to be reaped. */
export interface Zombie {
  pid: number;
  /** wait status: exit code << 8, or the signal number (| 0x80 with a core dump). */
  status: number;
}

let nextPid = 0;

export function fork(p: LinuxProcess, flags: number, parentTidPtr: number, childTidPtr: number): number {
  if ((flags & CLONE_THREAD) !== 0 || ((flags & CLONE_VM) !== 0 && (flags & CLONE_VFORK) === 0)) {
    throw new Errno(ENOSYS); // threads: one CPU, no scheduler
  }
  if ((flags & CLONE_SETTLS) !== 0) throw new Errno(EINVAL);
  if (p.parents.length >= 64) throw new Errno(11); // EAGAIN: too deep
  const m = p.machine;
  const c = p.cpu;
  const saved: SavedContext = {
    pid: p.pid,
    ppid: p.ppid,
    regs: c.reg32.slice(),
    fpu: c.fpu.snapshot(),
    selectors: [c.segSel[DS], c.segSel[ES], c.segSel[FS], c.segSel[GS]],
    eip: m.eip,
    eflags: m.eflags,
    esp: m.esp,
    tls: Array.from({ length: GDT_ENTRY_TLS_ENTRIES }, (_, i) => m.gdtEntry(GDT_ENTRY_TLS_MIN + i)),
    memory: p.as.snapshot(),
    brkStart: p.brkStart,
    brk: p.brk,
    tidAddress: p.tidAddress,
    cwd: p.cwd,
    umask: p.umask,
    exePath: p.exePath,
    comm: p.comm,
    signals: p.signals,
    fds: p.fds,
    children: p.children,
    parentTidPtr: (flags & CLONE_PARENT_SETTID) !== 0 ? parentTidPtr : 0,
  };
  p.parents.push(saved);
  if (nextPid === 0) nextPid = p.pid + 1;
  const pid = nextPid++;
  p.ppid = p.pid;
  p.pid = pid;
  p.fds = p.fds.clone();
  p.signals = p.signals.clone();
  p.children = [];
  if ((flags & CLONE_CHILD_SETTID) !== 0 && childTidPtr !== 0) p.as.write32(childTidPtr, pid);
  if ((flags & CLONE_PARENT_SETTID) !== 0 && parentTidPtr !== 0) p.as.write32(parentTidPtr, pid);
  c.reg32[EAX] = 0;
  return NO_RESULT;
}

/** The running child is done: back to its parent, with fork() returning the child's pid. */
export function finishChild(p: LinuxProcess, status: number): void {
  const saved = p.parents.pop();
  if (saved === undefined) throw new Error('finishChild without a parent');
  const m = p.machine;
  const c = p.cpu;
  const child: Zombie = { pid: p.pid, status };
  p.fds.closeAll();
  p.as.restore(saved.memory);
  saved.tls.forEach(([lo, hi], i) => m.setGdtEntry(GDT_ENTRY_TLS_MIN + i, lo, hi));
  p.pid = saved.pid;
  p.ppid = saved.ppid;
  p.brkStart = saved.brkStart;
  p.brk = saved.brk;
  p.tidAddress = saved.tidAddress;
  p.cwd = saved.cwd;
  p.umask = saved.umask;
  setHostUmask(saved.umask);
  p.exePath = saved.exePath;
  p.comm = saved.comm;
  p.signals = saved.signals;
  p.fds = saved.fds;
  p.children = saved.children;
  p.children.push(child);
  c.reg32.set(saved.regs);
  c.fpu.restore(saved.fpu);
  [DS, ES, FS, GS].forEach((s, i) => m.loadDataSegment(s, saved.selectors[i]));
  m.setUserFrame(saved.eip, saved.esp, saved.eflags);
  c.reg32[EAX] = child.pid;
  if (saved.parentTidPtr !== 0) {
    try {
      p.as.write32(saved.parentTidPtr, child.pid);
    } catch {
      // the parent's pointer went bad: nothing to write
    }
  }
  p.signals.post({ signo: SIGCHLD, code: (status & 0x7f) === 0 ? 1 : 2, pid: child.pid, uid: process.getuid?.() ?? 0 });
}

const WNOHANG = 1;

/** wait4/waitpid: reaps a finished child of the current process. */
export function wait4(p: LinuxProcess, pid: number, statusAddr: number, options: number, rusage: number): number {
  const idx = p.children.findIndex((z) => pid === -1 || pid === 0 || z.pid === pid || (pid < -1 && true));
  if (idx < 0) {
    if (p.children.length === 0 || pid > 0) throw new Errno(ECHILD);
    if ((options & WNOHANG) !== 0) return 0;
    throw new Errno(ECHILD);
  }
  const z = p.children[idx];
  p.children.splice(idx, 1);
  if (statusAddr !== 0) p.as.write32(statusAddr, z.status);
  if (rusage !== 0) p.as.zero(rusage, 72);
  return z.pid;
}

/** waitid(idtype, id, infop, options): P_ALL = 0, P_PID = 1. */
export function waitid(p: LinuxProcess, idtype: number, id: number, infop: number, options: number): number {
  const pid = idtype === 0 ? -1 : id;
  const idx = p.children.findIndex((z) => pid === -1 || z.pid === pid);
  if (idx < 0) {
    if ((options & WNOHANG) !== 0 && p.children.length > 0) return 0;
    throw new Errno(ECHILD);
  }
  const z = p.children[idx];
  p.children.splice(idx, 1);
  if (infop !== 0) {
    p.as.zero(infop, 128);
    p.as.write32(infop, SIGCHLD);
    const exited = (z.status & 0x7f) === 0;
    p.as.write32(infop + 8, exited ? 1 : 2); // CLD_EXITED / CLD_KILLED
    p.as.write32(infop + 12, z.pid);
    p.as.write32(infop + 20, exited ? (z.status >> 8) & 0xff : z.status & 0x7f);
  }
  return 0;
}
