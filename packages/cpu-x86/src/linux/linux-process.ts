/**
 * One Linux process on the emulated CPU: the machine (address space, GDT,
 * IDT, TSS), the program image, and the kernel state the system calls work
 * on (descriptors, signals, cwd, brk...). `run()` executes it to the end and
 * returns the exit status a shell would see.
 */
import * as fs from 'node:fs';
import { Cpu, StopReason } from '../cpu.js';
import { EAX, EBP, EBX, ECX, EDI, EDX, ESI, VEC_PF } from '../constants.js';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { CPUID_FEATURES_EDX } from '../ops/system.js';
import { AddressSpace, pageDown, pageUp } from './address-space.js';
import {
  AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_FLAGS, AT_GID, AT_HWCAP, AT_MINSIGSTKSZ, AT_PAGESZ, AT_PHDR,
  AT_PHENT, AT_PHNUM, AT_SECURE, AT_UID, buildInitialStack,
} from './auxv.js';
import { type GuestClock, HostClock } from './clock.js';
import { ElfError, type ElfImage, ET_DYN, loadExtent, parseElf, PF_R, PF_W, PF_X, phdrAddress, PT_LOAD } from './elf-loader.js';
import { FdTable, HostFile } from './file-description.js';
import { finishChild, type SavedContext, type Zombie } from './fork.js';
import { hostUmask } from './host-umask.js';
import { FrameAllocator, OutOfFrames } from './frame-allocator.js';
import {
  AT_FDCWD, EACCES, EFAULT, ENOENT, ENOSYS, ENOTDIR, ET_DYN_BASE, Errno, MAP_GROWSDOWN, MAP_PRIVATE, MMAP_BASE, O_RDWR,
  PROT_EXEC, PROT_READ, PROT_WRITE, SIG_DFL, SIG_IGN, SIGKILL, SIGPIPE, SIGSEGV, STACK_SIZE, TASK_SIZE,
} from './linux-abi.js';
import { SeededRandom } from './seeded-random.js';
import { defaultAction, type SigInfo, setupFrame, signalForException, signalName, SignalState } from './signals.js';
import { BrokenPipe } from './file-description.js';
import { SYSCALLS, NO_RESULT } from './syscalls.js';
import { formatCall, formatResult } from './strace.js';
import { SYSCALL_VECTOR, UserMachine } from './user-machine.js';

export interface LinuxProcessOptions {
  /** Host path of the i386 ELF program. */
  program: string;
  /** The program's argv, argv[0] included. */
  argv: string[];
  /** The environment as NAME=value strings. */
  env: string[];
  /** Emulated RAM in MiB (default 512). */
  memoryMiB?: number;
  /** Seed of AT_RANDOM and getrandom (default 0x5eed). */
  seed?: number;
  /** Clock factory (default: the host's clocks). */
  clock?: (cpu: Cpu) => GuestClock;
  /** Receives one line per system call (qemu's -strace). */
  strace?: (line: string) => void;
  /** Receives the runner's own diagnostics (default: stderr). */
  diagnostics?: (line: string) => void;
  /** Report signals that kill the program (off by default: a killed process prints nothing). */
  reportFatalSignals?: boolean;
  /** Instructions per run() slice. */
  slice?: number;
}

export { ET_DYN_BASE, MMAP_BASE, STACK_SIZE } from './linux-abi.js';
export const PLATFORM = 'i686';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');

export class LinuxProcess {
  readonly cpu: Cpu;
  readonly as: AddressSpace;
  readonly machine: UserMachine;
  fds = new FdTable();
  signals = new SignalState();
  readonly clock: GuestClock;
  readonly random: SeededRandom;
  pid = process.pid;
  ppid = process.ppid;
  /** Saved parents while a forked child runs (see fork.ts), innermost last. */
  readonly parents: SavedContext[] = [];
  /** Finished children of the current process, waiting for wait4. */
  children: Zombie[] = [];
  cwd: Buffer;
  umask = hostUmask();
  exePath: Buffer = Buffer.alloc(0);
  comm = '';
  brkStart = 0;
  brk = 0;
  tidAddress = 0;
  exitStatus: number | null = null;
  readonly straceOut: ((line: string) => void) | undefined;
  readonly diag: (line: string) => void;
  private readonly slice: number;
  private readonly reportFatal: boolean;
  /** Per-syscall counts, for curiosity and tests. */
  readonly syscallCounts = new Map<number, number>();

  constructor(private readonly options: LinuxProcessOptions) {
    const mem = new PhysicalMemory((options.memoryMiB ?? 512) * 1024 * 1024);
    this.cpu = new Cpu({ memory: mem });
    this.cpu.fpu.init(); // a new process starts with the FNINIT state, as Linux gives it
    const frames = new FrameAllocator(mem, 1);
    this.as = new AddressSpace(this.cpu, frames);
    this.machine = new UserMachine(this.cpu, this.as);
    this.machine.setHandler((v, e, u) => this.trap(v, e, u));
    this.clock = options.clock ? options.clock(this.cpu) : new HostClock();
    this.random = new SeededRandom(options.seed ?? 0x5eed);
    this.cwd = Buffer.from(process.cwd());
    this.straceOut = options.strace;
    this.diag = options.diagnostics ?? ((l) => writeStderr(`${l}\n`));
    this.slice = options.slice ?? 1_000_000;
    this.reportFatal = options.reportFatalSignals ?? false;
    for (let fd = 0; fd < 3; fd++) {
      try {
        fs.fstatSync(fd);
      } catch {
        continue; // closed in the host: closed in the guest
      }
      this.fds.installAt(fd, new HostFile(fd, null, inheritedFlags(fd), false, false, false), false);
    }
  }

  /** Loads the program given in the options; throws ElfError (with a shell's exit code) when it cannot. */
  start(): void {
    const o = this.options;
    const path = this.resolve(AT_FDCWD, enc(o.program));
    const image = this.readImage(path, o.program);
    this.load(image, path, o.argv.map(enc), o.env.map(enc), enc(o.program));
    this.machine.enterUser();
  }

  /** Runs until the program exits; returns its exit status (128+signal when a signal killed it). */
  run(): number {
    while (this.exitStatus === null) {
      const r = this.cpu.run(this.slice);
      if (r === StopReason.Shutdown) this.internalError('the CPU shut down (triple fault)');
      else if (r === StopReason.Halt) this.internalError('the CPU halted in the runner');
    }
    this.fds.closeAll();
    return this.exitStatus;
  }

  // ------------------------------------------------------------------
  // Program images (execve)
  // ------------------------------------------------------------------

  /** Reads and validates an executable (and its PT_INTERP); nothing is changed yet. */
  readImage(hostPath: Buffer, shownName: string): { main: ElfImage; interp: ElfImage | null } {
    let bytes: Uint8Array;
    try {
      const st = fs.statSync(hostPath);
      if (st.isDirectory()) throw new ElfError(`${shownName}: Is a directory`, 126, 13);
      fs.accessSync(hostPath, fs.constants.X_OK);
      bytes = fs.readFileSync(hostPath);
    } catch (e) {
      if (e instanceof ElfError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new ElfError(`${shownName}: No such file or directory`, 127, ENOENT);
      if (code === 'EACCES' || code === 'EPERM') throw new ElfError(`${shownName}: Permission denied`, 126, EACCES);
      throw new ElfError(`${shownName}: cannot read: ${(e as Error).message}`, 126, EACCES);
    }
    const main = parseElf(bytes, shownName);
    let interp: ElfImage | null = null;
    if (main.interp !== null) {
      let ib: Uint8Array;
      try {
        ib = fs.readFileSync(main.interp);
      } catch {
        throw new ElfError(`${shownName}: cannot load its program interpreter ${main.interp} (x86-run maps the host file system; an i386 ${main.interp} must exist there)`, 127, ENOENT);
      }
      interp = parseElf(ib, main.interp);
      if (interp.type !== ET_DYN) throw new ElfError(`${main.interp}: the program interpreter must be ET_DYN`);
    }
    return { main, interp };
  }

  private mapImage(img: ElfImage, bias: number): void {
    for (const ph of img.phdrs) {
      if (ph.type !== PT_LOAD || ph.memsz === 0) continue;
      const vaddr = ph.vaddr + bias;
      const start = pageDown(vaddr);
      const end = pageUp(vaddr + ph.memsz);
      const prot = ((ph.flags & PF_R) !== 0 ? PROT_READ : 0) | ((ph.flags & PF_W) !== 0 ? PROT_WRITE : 0) |
        ((ph.flags & PF_X) !== 0 ? PROT_EXEC : 0);
      this.as.unmap(start, end);
      this.as.addVma({
        start, end, prot, flags: MAP_PRIVATE, kind: 'elf',
        backing: { data: img.bytes, fileStart: start, dataOffset: ph.offset - (vaddr - start), fileEnd: vaddr + ph.filesz },
      });
    }
  }

  /** Replaces the process image (the point of no return of execve). */
  load(image: { main: ElfImage; interp: ElfImage | null }, hostPath: Buffer, argv: Uint8Array[], envp: Uint8Array[], execfn: Uint8Array): void {
    const { main, interp } = image;
    this.as.clearUser();
    for (let i = 0; i < 3; i++) this.machine.setGdtEntry(6 + i, 0, 0);
    this.tidAddress = 0;
    const ext = loadExtent(main);
    const bias = main.type === ET_DYN ? ET_DYN_BASE - ext.lo : 0;
    this.mapImage(main, bias);
    this.brkStart = this.brk = pageUp(ext.hi + bias);
    this.as.addVma({
      start: TASK_SIZE - STACK_SIZE, end: TASK_SIZE, prot: PROT_READ | PROT_WRITE | (main.execStack ? PROT_EXEC : 0),
      flags: MAP_PRIVATE | MAP_GROWSDOWN, kind: 'stack', backing: null,
    });
    let entry = main.entry + bias;
    let interpBias = 0;
    if (interp !== null) {
      const ie = loadExtent(interp);
      const at = this.as.findFree(ie.hi - ie.lo, MMAP_BASE);
      if (at < 0) throw new Errno(12);
      interpBias = at - ie.lo;
      this.mapImage(interp, interpBias);
      entry = interp.entry + interpBias;
    }
    this.exePath = hostPath;
    const base = hostPath.toString('latin1').split('/').pop() ?? '';
    this.comm = base.slice(0, 15);
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const euid = process.geteuid?.() ?? uid;
    const egid = process.getegid?.() ?? gid;
    const stack = buildInitialStack(this.as, {
      top: TASK_SIZE,
      argv,
      envp,
      execfn,
      platform: PLATFORM,
      random: this.random.bytes(16),
      auxv: [
        [AT_MINSIGSTKSZ, 2048],
        [AT_HWCAP, CPUID_FEATURES_EDX],
        [AT_PAGESZ, 4096],
        [AT_CLKTCK, 100],
        [AT_PHDR, phdrAddress(main) + bias],
        [AT_PHENT, 32],
        [AT_PHNUM, main.phnum],
        [AT_BASE, interpBias],
        [AT_FLAGS, 0],
        [AT_ENTRY, main.entry + bias],
        [AT_UID, uid],
        [AT_EUID, euid],
        [AT_GID, gid],
        [AT_EGID, egid],
        [AT_SECURE, 0],
      ],
    });
    this.machine.prepareUserEntry(entry, stack.sp);
  }

  // ------------------------------------------------------------------
  // Paths
  // ------------------------------------------------------------------

  /** Reads a user path string (EFAULT, ENAMETOOLONG). */
  readPath(addr: number): Uint8Array {
    if (addr === 0) throw new Errno(EFAULT);
    return this.as.readCString(addr, 4096);
  }

  /** The host path for `pathname` relative to `dirfd` (AT_FDCWD or a directory descriptor). */
  resolve(dirfd: number, pathname: Uint8Array): Buffer {
    if (pathname.length === 0) throw new Errno(ENOENT);
    let abs: Buffer;
    if (pathname[0] === 0x2f) {
      abs = Buffer.from(pathname);
    } else {
      let base: Buffer;
      if (dirfd === AT_FDCWD) base = this.cwd;
      else {
        const p = this.fds.get(dirfd).path;
        if (p === null) throw new Errno(ENOTDIR);
        base = p;
      }
      abs = Buffer.concat([base, base[base.length - 1] === 0x2f ? Buffer.alloc(0) : Buffer.from('/'), pathname]);
    }
    return this.translateProc(abs);
  }

  /** /proc/self/exe is the guest program (the host's would be Node); /proc/self/fd/N the guest's fd N. */
  private translateProc(abs: Buffer): Buffer {
    if (abs.length < 6 || abs.subarray(0, 6).toString('latin1') !== '/proc/') return abs;
    const s = abs.toString('latin1');
    const m = /^\/proc\/(self|\d+)\/(exe|fd\/(\d+))$/.exec(s);
    if (m === null || (m[1] !== 'self' && Number(m[1]) !== this.pid)) return abs;
    if (m[2] === 'exe') return this.exePath;
    const fd = Number(m[3]);
    if (this.fds.has(fd)) {
      const p = this.fds.get(fd).path;
      if (p !== null) return p;
    }
    return abs;
  }

  // ------------------------------------------------------------------
  // The kernel entry (host entry points) and the way back to ring 3
  // ------------------------------------------------------------------

  private trap(vector: number, errorCode: number, fromUser: boolean): boolean {
    const c = this.cpu;
    if (!fromUser) {
      this.internalError(`exception ${vector} (error ${errorCode}) in the runner's ring 0 at ${hex(c.eip)}, CR2 ${hex(c.cr2)}`);
      return false;
    }
    try {
      if (vector === SYSCALL_VECTOR) {
        this.syscall();
      } else if (vector === VEC_PF) {
        const addr = c.cr2 >>> 0;
        const code = this.as.handleFault(addr, (errorCode & 2) !== 0);
        if (code !== 0) {
          this.signals.force({ signo: SIGSEGV, code, addr, trapno: vector, err: errorCode, cr2: addr });
        }
      } else {
        this.signals.force(signalForException(vector, errorCode, c.cr2, this.machine.eip));
      }
      return this.returnToUser();
    } catch (e) {
      if (e instanceof OutOfFrames) {
        this.diag(`x86-run: out of emulated memory (${this.as.frames.total * 4} KiB); try --memory`);
        this.terminate(SIGKILL);
        return false;
      }
      throw e;
    }
  }

  private syscall(): void {
    const r = this.cpu.reg32;
    const nr = r[EAX];
    const handler = nr >= 0 && nr < SYSCALLS.length ? SYSCALLS[nr] : undefined;
    const a = [r[EBX], r[ECX], r[EDX], r[ESI], r[EDI], r[EBP]] as const;
    this.syscallCounts.set(nr, (this.syscallCounts.get(nr) ?? 0) + 1);
    const head = this.straceOut !== undefined ? formatCall(this, nr, a) : '';
    let result: number;
    try {
      result = handler === undefined ? -ENOSYS : handler(this, a[0], a[1], a[2], a[3], a[4], a[5]);
    } catch (e) {
      if (e instanceof BrokenPipe) {
        this.signals.post({ signo: SIGPIPE, code: 0, pid: this.pid, uid: process.getuid?.() ?? 0 });
        result = -e.errno;
      } else if (e instanceof Errno) {
        result = -e.errno;
      } else {
        throw e;
      }
    }
    if (result !== NO_RESULT) r[EAX] = result;
    if (this.straceOut !== undefined) this.straceOut(head + formatResult(nr, result));
  }

  /** Delivers what is pending, then says whether to IRET (false: the process is gone). */
  private returnToUser(): boolean {
    const st = this.signals;
    while (this.exitStatus === null) {
      const sig = st.nextDeliverable();
      if (sig === 0) break;
      const info = st.take(sig);
      const act = st.actions[sig];
      if (act.handler === SIG_IGN && sig !== SIGKILL) continue;
      if (act.handler === SIG_DFL || sig === SIGKILL) {
        if (defaultAction(sig) === 'ignore') continue;
        this.killedBy(sig, info); // a forked child ends here and its parent resumes (fork.ts)
        continue;
      }
      try {
        setupFrame(this.machine, this.as, st, act, info);
      } catch (e) {
        if (!(e instanceof Errno)) throw e;
        this.killedBy(SIGSEGV, { signo: SIGSEGV, code: 0x80 });
      }
    }
    if (this.exitStatus !== null) {
      this.cpu.requestStop();
      return false;
    }
    return true;
  }

  private killedBy(sig: number, info: SigInfo): void {
    if (this.reportFatal) {
      const where = info.addr !== undefined ? ` (address ${hex(info.addr)})` : '';
      this.diag(`x86-run: ${signalName(sig)} at eip ${hex(this.machine.eip)}${where}, code ${info.code}`);
    }
    this.terminate(sig);
  }

  /** Ends the process as if killed by `sig`: a shell sees 128 + sig. */
  terminate(sig: number): void {
    if (this.parents.length > 0) finishChild(this, sig | (defaultAction(sig) === 'core' ? 0x80 : 0));
    else this.exitStatus = 128 + sig;
  }

  /** exit/exit_group. */
  exit(status: number): void {
    if (this.parents.length > 0) finishChild(this, (status & 0xff) << 8);
    else this.exitStatus = status & 0xff;
  }

  private internalError(msg: string): void {
    this.diag(`x86-run: internal error: ${msg}`);
    this.exitStatus = 70;
    this.cpu.requestStop();
  }
}

/** Status flags of an inherited host descriptor (from /proc/self/fdinfo), else O_RDWR. */
function inheritedFlags(fd: number): number {
  try {
    const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
    if (m !== null) return Number.parseInt(m[1], 8) & ~0o2000000; // without O_CLOEXEC (a descriptor flag)
  } catch {
    // not Linux, or no /proc
  }
  return O_RDWR;
}

/** Writes to the host's stderr synchronously (diagnostics must not reorder with the guest's output). */
export function writeStderr(s: string): void {
  try {
    fs.writeSync(2, s);
  } catch {
    // stderr closed: nothing to tell
  }
}

export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}
