// Boots XenoLinux on @xen-ts/hypervisor with a busybox initramfs and compares what programs
// print with the same busybox run natively on this host.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel, busyboxPath, hasBusybox, kernelPath, readBusybox, writeCpio, type CpioEntry } from '../src/index.js';
import { bootXenolinux } from './support/boot.js';
import { TINY_BASE, exitWithEax, int80, loadFrom, movEax, movEbx, movEcx, movEdi, movEdx, movEsi, stringVector, tinyElf, tinyElfWithData } from './support/tiny-elf.js';

beforeAll(() => {
  buildKernel({ quiet: true });
});

/** The Xen notes (owner "Xen") of an ELF32 image: type → descriptor bytes. */
function xenNotes(elf: Uint8Array): Map<number, Uint8Array> {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = v.getUint32(28, true);
  const phnum = v.getUint16(44, true);
  const notes = new Map<number, Uint8Array>();
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * 32;
    if (v.getUint32(ph, true) !== 4) continue; // PT_NOTE
    const off = v.getUint32(ph + 4, true);
    const end = off + v.getUint32(ph + 16, true);
    for (let p = off; p < end; ) {
      const namesz = v.getUint32(p, true);
      const descsz = v.getUint32(p + 4, true);
      const type = v.getUint32(p + 8, true);
      const name = new TextDecoder().decode(elf.subarray(p + 12, p + 12 + namesz - 1));
      const desc = p + 12 + Math.ceil(namesz / 4) * 4;
      if (name === 'Xen') notes.set(type, elf.subarray(desc, desc + descsz));
      p = desc + Math.ceil(descsz / 4) * 4;
    }
  }
  return notes;
}

describe('kernel image', () => {
  it('is an i386 ELF with the Xen notes of a 2-level xenolinux guest', () => {
    const elf = new Uint8Array(readFileSync(kernelPath()));
    expect([...elf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(new DataView(elf.buffer).getUint16(18, true)).toBe(3); // EM_386
    const notes = xenNotes(elf);
    const str = (t: number): string => new TextDecoder().decode(notes.get(t)!).replace(/\0+$/, '');
    const u32 = (t: number): number => new DataView(notes.get(t)!.buffer, notes.get(t)!.byteOffset).getUint32(0, true);
    expect(str(6)).toBe('xenolinux'); // GUEST_OS
    expect(str(5)).toBe('xen-3.0'); // XEN_VERSION
    expect(str(8)).toBe('generic'); // LOADER
    expect(str(9)).toBe('no'); // PAE_MODE
    expect(u32(3)).toBe(0xc0000000); // VIRT_BASE
    expect(u32(2)).toBe(0xc0001000); // HYPERCALL_PAGE
    expect(u32(1)).toBe(new DataView(elf.buffer).getUint32(24, true)); // ENTRY = e_entry
  });
});

const PANIC = (code: number): string => {
  const msg = `Attempted to kill init! exitcode=0x${code.toString(16).padStart(8, '0')}`;
  return `Kernel panic - not syncing: ${msg}\r\n---[ end Kernel panic - not syncing: ${msg} ]---\r\n`;
};
const SHUTDOWN_CRASH = 3;
/** What a Linux tty does to program output with the default termios (OPOST | ONLCR). */
const onlcr = (s: string): string => s.replace(/\n/g, '\r\n');

function initramfs(extra: CpioEntry[] = []): Uint8Array {
  return writeCpio([
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'etc' },
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    ...(hasBusybox()
      ? ([
          { type: 'file', path: 'bin/busybox', data: readBusybox(), mode: 0o755 },
          { type: 'symlink', path: 'bin/echo', target: 'busybox' },
          { type: 'symlink', path: 'bin/uname', target: '/bin/busybox' },
          { type: 'symlink', path: 'bin/cat', target: 'busybox' },
          { type: 'symlink', path: 'bin/ls', target: 'busybox' },
        ] as CpioEntry[])
      : []),
    ...extra,
  ]);
}

const native = (...args: string[]): string => execFileSync(busyboxPath(), args, { encoding: 'latin1' });

const BUSYBOX_TITLE = hasBusybox() ? 'busybox as init' : `busybox as init (SKIPPED: ${busyboxPath()} is missing; run scripts/setup.sh)`;
describe.skipIf(!hasBusybox())(BUSYBOX_TITLE, () => {
  it('`echo hello` prints exactly what it prints natively, then init exits and the kernel panics', () => {
    const r = bootXenolinux(initramfs(), 'quiet rdinit=/bin/echo hello');
    expect(r.output).toBe(onlcr(native('echo', 'hello')) + PANIC(0));
    expect(r.reason).toBe(SHUTDOWN_CRASH);
    expect(r.hostErrors).toBe(0);
  });

  it('passes command-line words to init as arguments and key=value words as environment', () => {
    const r = bootXenolinux(initramfs(), 'quiet rdinit=/bin/echo one  two -n three');
    expect(r.output).toBe(onlcr(native('echo', 'one', 'two', '-n', 'three')) + PANIC(0));
  });

  it('`uname -a` reports the XenoLinux identity in the same format as native busybox', () => {
    const r = bootXenolinux(initramfs(), 'quiet hostname=xenbox rdinit=/bin/uname -a');
    const nativeFields = native('uname', '-a').trim().split(/\s+/);
    expect(nativeFields.at(-1)).toBe('GNU/Linux');
    expect(r.output).toBe('Linux xenbox 3.2.0-xenolinux #1 xen-ts i686 GNU/Linux\r\n' + PANIC(0));
  });

  it('`cat` reads a file of the initramfs byte for byte (open, fstat, read, close)', () => {
    const body = Array.from({ length: 300 }, (_, i) => `line ${i}: ${'x'.repeat(i % 37)}\n`).join('');
    const dir = mkdtempSync(join(tmpdir(), 'xenolinux-'));
    writeFileSync(join(dir, 'data'), body);
    const r = bootXenolinux(initramfs([{ type: 'file', path: 'etc/data', data: new TextEncoder().encode(body) }]), 'quiet rdinit=/bin/cat /etc/data');
    expect(r.output).toBe(onlcr(native('cat', join(dir, 'data'))) + PANIC(0));
  });

  it('execve() replaces the process image with argv and envp from user memory', () => {
    // execve(argv[0], argv, envp) with the strings in the program's data.
    const prog = tinyElfWithData((data) => {
      const argv = stringVector(data, ['/bin/echo', 'via', 'execve']);
      const envp = stringVector(data + argv.bytes.length, ['A=1']);
      return {
        code: [...movEax(11), ...movEbx(data), ...movEcx(argv.vector), ...movEdx(envp.vector), ...int80, ...exitWithEax],
        data: [...argv.bytes, ...envp.bytes],
      };
    });
    const r = bootXenolinux(initramfs([{ type: 'file', path: 'init', data: prog, mode: 0o755 }]), 'quiet');
    expect(r.output).toBe(onlcr(native('echo', 'via', 'execve')) + PANIC(0));
  });

  it('`ls` lists directories and reports a missing path with exit status 1', () => {
    const r = bootXenolinux(initramfs(), 'quiet rdinit=/bin/ls /nonexistent /bin');
    expect(r.output).toBe(
      // stdout is a terminal (TCGETS succeeds): columns fitted to TIOCGWINSZ's 80.
      'ls: /nonexistent: No such file or directory\r\n/bin:\r\nbusybox  cat      echo     ls       uname\r\n' + PANIC(0x100),
    );
  });

  it('reads the console as a terminal: echo, a line per read, ^D for end of file', () => {
    const r = bootXenolinux(initramfs(), 'quiet rdinit=/bin/cat', { input: ['hello\r', 'two\rthree\r', 'par', 'tial\x04', '\x04'] });
    // Echo of each typed line (ICRNL, ONLCR), then cat's copy of it; "partial" comes without a
    // newline when ^D ends the read, and ^D on an empty line is end of file.
    expect(r.output).toBe('hello\r\nhello\r\ntwo\r\nthree\r\ntwo\r\nthree\r\npartialpartial' + PANIC(0));
  });

  it('shows the boot messages without `quiet`', () => {
    const r = bootXenolinux(initramfs(), 'rdinit=/bin/echo hi');
    expect(r.output).toMatch(/^Xen: start_info c[0-9a-f]+, 8192 pages/);
    expect(r.output).toContain('Kernel command line: rdinit=/bin/echo hi\r\n');
    expect(r.output).toContain('Run /bin/echo as init process\r\n');
    expect(r.output).toContain('\r\nhi\r\n');
  });
});

describe('bad programs get an errno or a signal; the kernel survives them', () => {
  const run = (code: number[], cmdline = 'quiet'): string =>
    bootXenolinux(initramfs([{ type: 'file', path: 'init', data: tinyElf(code), mode: 0o755 }]), cmdline).output;

  it('write() from a kernel address is -EFAULT', () => {
    expect(run([...movEax(4), ...movEbx(1), ...movEcx(0xc0000000), ...movEdx(10), ...int80, ...exitWithEax])).toBe(PANIC(0xf200));
  });

  it('write() from an unmapped user address is -EFAULT', () => {
    expect(run([...movEax(4), ...movEbx(1), ...movEcx(0x1000), ...movEdx(10), ...int80, ...exitWithEax])).toBe(PANIC(0xf200));
  });

  it('an unknown system call is -ENOSYS with a log line', () => {
    const out = run([...movEax(9999), ...int80, ...exitWithEax], 'loglevel=7');
    expect(out).toContain('init[1]: unknown system call 9999\r\n');
    expect(out).toContain(PANIC(0xda00));
  });

  it('write() to a closed descriptor is -EBADF', () => {
    expect(run([...movEax(4), ...movEbx(40), ...movEcx(0x08048000), ...movEdx(1), ...int80, ...exitWithEax])).toBe(PANIC(0xf700)); // -EBADF (9) & 0xff
  });

  it('a load from address 0 or from the kernel is SIGSEGV', () => {
    expect(run([...loadFrom(0)])).toBe(PANIC(11));
    expect(run([...loadFrom(0xc0000000)])).toBe(PANIC(11));
    expect(run([...loadFrom(0)], 'loglevel=7')).toContain('init[1]: segfault at 0 ip 08048054 sp bfff');
  });

  it('a hypercall from ring 3 (int 0x82) and a privileged instruction are SIGSEGV', () => {
    expect(run([0xcd, 0x82])).toBe(PANIC(11));
    expect(run([0xfa])).toBe(PANIC(11)); // cli
    expect(run([0x0f, 0x01, 0x15, 0, 0, 0, 0])).toBe(PANIC(11)); // lgdt
  });

  /** sigreturn with a zeroed sigcontext at %esp but for eip, eflags, esp and the given fields;
   *  the code after it exits with status 42 (its address is the natural eip). */
  const sigreturnWith = (fields: Record<number, number>, eip?: number): number[] => {
    const store = (off: number, v: number): number[] => [0xc7, 0x44, 0x24, off, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    const head = (e: number): number[] => [
      0x81, 0xec, 0x00, 0x03, 0x00, 0x00, // sub $0x300,%esp
      0x89, 0xe7, 0x31, 0xc0, ...movEcx(0xc0), 0xfc, 0xf3, 0xab, // mov %esp,%edi; xor %eax,%eax; cld; rep stosl
      ...store(0x38, e), ...store(0x40, 0x202), 0x89, 0x64, 0x24, 0x1c, // sc.eip, sc.eflags, sc.esp = %esp
      ...Object.entries(fields).flatMap(([off, v]) => store(Number(off), v)),
      ...movEax(119), ...int80, // sigreturn
    ];
    const landing = TINY_BASE + 84 + head(0).length;
    return [...head(eip ?? landing), ...movEax(42), ...exitWithEax];
  };

  // Xen ends the user code segment at the end of its M2P table; an EIP past it cannot be entered
  // (our IRET would fault in ring 1). Native Linux faults on the fetch there: SIGSEGV either way.
  it('sigreturn to an EIP in the hypervisor hole is SIGSEGV, not a kernel fault', () => {
    const code = sigreturnWith({}, 0xfd000000);
    expect(run(code)).toBe(PANIC(11));
    expect(run(code, 'loglevel=7')).toContain('init[1]: segfault at fd000000 ip fd000000');
  });

  // sigcontext: gs 0, fs 4, es 8, ds 12. A selector that does not load (GDT entry 511, or the LDT,
  // which a process here never has) is replaced by the null selector on the way out, as Linux's
  // RESTORE_REGS fixups do; the program goes on (and exits 42).
  it.each([['ds', 12, 0x0ffb], ['es', 8, 0x000f], ['fs', 4, 0x0ffb], ['gs', 0, 0x0007]])(
    'sigreturn with a %s selector that does not load goes on with a null one', (_seg, off, sel) => {
      expect(run(sigreturnWith({ [off]: sel }))).toBe(PANIC(0x2a00));
    });

  it('a program that loads a null DS and makes a system call goes on (the kernel does not use it)', () => {
    expect(run([0x31, 0xc0, 0x8e, 0xd8, ...movEax(20), ...int80, ...movEax(42), ...exitWithEax])).toBe(PANIC(0x2a00));
  });

  it('a signal handler in the hypervisor hole is SIGSEGV, not a kernel fault', () => {
    const code = [
      0x83, 0xec, 0x20, 0x89, 0xe7, 0x31, 0xc0, ...movEcx(8), 0xfc, 0xf3, 0xab, // a zeroed sigaction at %esp
      0xc7, 0x04, 0x24, 0x00, 0x00, 0x00, 0xfd, // sa_handler = 0xfd000000
      ...movEax(174), ...movEbx(10), 0x89, 0xe1, ...movEdx(0), ...movEsi(8), ...int80, // rt_sigaction(SIGUSR1)
      ...movEax(20), ...int80, 0x89, 0xc3, ...movEcx(10), ...movEax(37), ...int80, // kill(getpid(), SIGUSR1)
      ...movEax(0), ...exitWithEax,
    ];
    expect(run(code)).toBe(PANIC(11));
  });

  it('system calls never enter the hypervisor (int 0x80 is a direct trap gate into ring 1)', () => {
    // ecx = n; loop: getpid(); dec ecx; jnz loop; exit(0)
    const prog = (n: number): number[] => [...movEcx(n), ...movEax(20), ...int80, 0x49, 0x75, 0xf6, ...movEax(0), ...exitWithEax];
    const boot = (n: number) => bootXenolinux(initramfs([{ type: 'file', path: 'init', data: tinyElf(prog(n)), mode: 0o755 }]), 'quiet');
    const one = boot(1);
    const many = boot(2001);
    expect(many.output).toBe(PANIC(0));
    expect(many.hypercalls).toBe(one.hypercalls);
    expect(many.exceptions).toEqual(one.exceptions);
  });

  it('execve() of a missing file or with a bad pointer returns the errno and the caller goes on', () => {
    expect(run([...movEax(11), ...movEbx(0x08048000), ...movEcx(0), ...movEdx(0), ...int80, ...exitWithEax])).toBe(PANIC(0xfe00)); // "\x7fELF..." -> ENOENT
    expect(run([...movEax(11), ...movEbx(0xc0000000), ...movEcx(0), ...movEdx(0), ...int80, ...exitWithEax])).toBe(PANIC(0xf200)); // EFAULT
  });

  it('brk grows the heap on demand', () => {
    // cur = brk(0); brk(cur + 0x2000); *(cur + 0x1000) = 7; exit(*(cur + 0x1000))
    const code = [
      ...movEax(45), ...movEbx(0), ...int80, 0x89, 0xc5, // mov %eax,%ebp
      0x8d, 0x9d, 0x00, 0x20, 0x00, 0x00, ...movEax(45), ...int80, // lea 0x2000(%ebp),%ebx; brk
      0xc7, 0x85, 0x00, 0x10, 0x00, 0x00, 7, 0, 0, 0, // movl $7,0x1000(%ebp)
      0x8b, 0x85, 0x00, 0x10, 0x00, 0x00, ...exitWithEax, // mov 0x1000(%ebp),%eax
    ];
    expect(run(code)).toBe(PANIC(0x700));
  });

  it('mmap2 + mprotect: PROT_NONE pages fault, and keep their contents for when access returns', () => {
    const mmapRw = [...movEax(192), ...movEbx(0), ...movEcx(4096), ...movEdx(3), ...movEsi(0x22), ...movEdi(0xffffffff), 0x31, 0xed, ...int80, 0x89, 0xc5];
    const store42 = [0xc7, 0x45, 0x00, 42, 0, 0, 0];
    const mprotect = (prot: number): number[] => [...movEax(125), 0x89, 0xeb, ...movEcx(4096), ...movEdx(prot), ...int80];
    const load = [0x8b, 0x45, 0x00];
    expect(run([...mmapRw, ...store42, ...mprotect(0), ...mprotect(1), ...load, ...exitWithEax])).toBe(PANIC(0x2a00));
    expect(run([...mmapRw, ...store42, ...mprotect(0), ...load, ...exitWithEax])).toBe(PANIC(11));
    expect(run([...mmapRw, ...store42, ...mprotect(1), ...store42, ...exitWithEax])).toBe(PANIC(11)); // read-only now
  });

  it('finds init as Linux does: rdinit= (reported when it fails), init= (fatal), then the usual places', () => {
    const panicLine = (m: string): string => `Kernel panic - not syncing: ${m}\r\n---[ end Kernel panic - not syncing: ${m} ]---\r\n`;
    const script = { type: 'file' as const, path: 'init', data: new TextEncoder().encode('#!/bin/sh\n'), mode: 0o755 };
    const noInit = 'No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.';
    expect(bootXenolinux(initramfs([script]), 'quiet').output).toBe('Failed to execute /init (error -8)\r\n' + panicLine(noInit));
    expect(bootXenolinux(initramfs(), 'quiet').output).toBe(panicLine(noInit));
    expect(bootXenolinux(initramfs(), 'quiet init=/nope').output).toBe(panicLine('Requested init /nope failed (error -2).'));
    // A missing rdinit= falls through silently to init=.
    const exit3 = { type: 'file' as const, path: 'sbin/x', data: tinyElf([...movEax(3), ...exitWithEax]), mode: 0o755 };
    expect(bootXenolinux(initramfs([exit3]), 'quiet rdinit=/nope init=/sbin/x').output).toBe(PANIC(0x300));
    // Not executable (no x bit): -EACCES.
    const noX = { type: 'file' as const, path: 'init', data: tinyElf([...movEax(0), ...exitWithEax]), mode: 0o644 };
    expect(bootXenolinux(initramfs([noX]), 'quiet').output).toBe('Failed to execute /init (error -13)\r\n' + panicLine(noInit));
  });
});
