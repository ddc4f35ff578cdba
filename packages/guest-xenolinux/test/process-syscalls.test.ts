// Processes with hand-made programs: copy-on-write fork, vfork's shared memory, wait status of a
// child killed by a fault, and a fork bomb that meets the task limit (-EAGAIN) while the kernel
// survives. Each program is init; its exit status shows in the "Attempted to kill init" panic.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel, writeCpio } from '../src/index.js';
import { bootXenolinux } from './support/boot.js';
import { HEADERS, TINY_BASE, exitWithEax, int80, loadFrom, movEax, movEbx, movEcx, movEdi, movEsi, tinyElf } from './support/tiny-elf.js';

beforeAll(() => {
  buildKernel({ quiet: true });
});

const PANIC = (code: number): string => {
  const msg = `Attempted to kill init! exitcode=0x${code.toString(16).padStart(8, '0')}`;
  return `Kernel panic - not syncing: ${msg}\r\n---[ end Kernel panic - not syncing: ${msg} ]---\r\n`;
};
const run = (code: number[], cmdline = 'quiet') =>
  bootXenolinux(
    writeCpio([
      { type: 'dir', path: 'dev' },
      { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
      { type: 'file', path: 'init', data: tinyElf(code), mode: 0o755 },
    ]),
    cmdline,
  );

const fork = [...movEax(2), ...int80];
const vfork = [...movEax(190), ...int80];
const testEax = [0x85, 0xc0];
const jnz = (rel: number): number[] => [0x75, rel];
const storeEsp = (v: number): number[] => [0xc7, 0x04, 0x24, v, 0, 0, 0]; // movl $v,(%esp)
const loadEsp = [0x8b, 0x04, 0x24]; // mov (%esp),%eax
const exit0 = [...movEax(0), ...exitWithEax];
// wait4(-1, %esp or NULL, 0, NULL)
const wait4 = (statusOnStack: boolean): number[] => [
  ...movEax(114), ...movEbx(0xffffffff), ...(statusOnStack ? [0x89, 0xe1] : [0x31, 0xc9]), 0x31, 0xd2, 0x31, 0xf6, ...int80,
];

describe('fork, vfork, wait4 and exit', () => {
  it('fork copies on write: the child writing its stack leaves the parent value alone', () => {
    const child = [...storeEsp(9), ...exit0];
    const parent = [...wait4(false), ...loadEsp, ...exitWithEax];
    const r = run([0x6a, 7, ...fork, ...testEax, ...jnz(child.length), ...child, ...parent]);
    expect(r.output).toBe(PANIC(0x700));
    expect(r.hostErrors).toBe(0);
  });

  it('vfork shares memory and holds the parent until the child exits', () => {
    const child = [...storeEsp(9), ...exit0];
    const r = run([0x6a, 7, ...vfork, ...testEax, ...jnz(child.length), ...child, ...loadEsp, ...exitWithEax]);
    expect(r.output).toBe(PANIC(0x900));
  });

  it('wait4 reports a child killed by SIGSEGV with the signal as its status', () => {
    const child = loadFrom(0);
    const parent = [...wait4(true), ...loadEsp, ...exitWithEax];
    const r = run([0x6a, 0, ...fork, ...testEax, ...jnz(child.length), ...child, ...parent], 'loglevel=7');
    expect(r.output).toMatch(/init\[2\]: segfault at 0 ip 0804806[0-9a-f] sp bfff/);
    expect(r.output).toContain(PANIC(11 << 8));
  });

  it('children of a parent that ignores SIGCHLD are reaped by the kernel (wait4: -ECHILD)', () => {
    const push = (x: number): number[] => [0x68, x & 0xff, 0, 0, 0];
    const ignoreSigchld = [...push(0), ...push(0), ...push(0), ...push(0), ...push(1), ...movEax(174), ...movEbx(17), 0x89, 0xe1, 0x31, 0xd2, ...movEsi(8), ...int80];
    const child = exit0;
    const r = run([...ignoreSigchld, ...fork, ...testEax, ...jnz(child.length), ...child, ...wait4(false), ...exitWithEax]);
    expect(r.output).toBe(PANIC(0xf600));
  });

  it('wait4 without children is -ECHILD', () => {
    expect(run([...wait4(false), ...exitWithEax]).output).toBe(PANIC(0xf600)); // -10 & 0xff
  });

  it('a fork bomb meets the process limit (-EAGAIN) and the kernel survives it', () => {
    // loop: fork(); if (eax >= 0) goto loop; exit(eax) - parent and children alike.
    const r = run([...fork, ...testEax, 0x79, 0xf5, ...exitWithEax]);
    expect(r.output).toBe(PANIC(0xf500)); // -EAGAIN (11) & 0xff
    expect(r.hostErrors).toBe(0);
  });
});

describe('signal delivery through i386 signal frames', () => {
  // rt_sigaction(SIGUSR1, {handler, flags, no restorer}); edi = 5; ebp = esp;
  // kill(getpid(), SIGUSR1); exit(*(int *)ebp + edi + eax).
  // The handler stores its first argument (EAX = the signal) at (%ebp) and returns into the
  // frame's own retcode (no SA_RESTORER), which calls sigreturn / rt_sigreturn.
  const program = (flags: number, badStack = false): number[] => {
    const push = (x: number): number[] => [0x68, x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
    const main = (handler: number): number[] => [
      ...push(0), ...push(0), ...push(0), ...push(flags), ...push(handler), // struct k_sigaction
      ...movEax(174), ...movEbx(10), 0x89, 0xe1, 0x31, 0xd2, ...movEsi(8), ...int80,
      ...movEdi(5), 0x89, 0xe5, // mov %esp,%ebp
      ...(badStack ? [0xbc, 0, 0x10, 0, 0] : []), // mov $0x1000,%esp: nowhere to put a frame
      ...movEax(20), ...int80, 0x89, 0xc3, ...movEcx(10), ...movEax(37), ...int80,
      0x03, 0x45, 0x00, 0x01, 0xf8, ...exitWithEax, // add 0(%ebp),%eax; add %edi,%eax
    ];
    const len = main(0).length;
    const handler = [0x89, 0x45, 0x00, 0xc3]; // mov %eax,0(%ebp); ret
    return [...main(TINY_BASE + HEADERS + len), ...handler];
  };

  it('runs a plain handler (struct sigframe) and sigreturn restores the registers', () => {
    expect(run(program(0)).output).toBe(PANIC(15 << 8)); // 10 + 5 + kill's 0
  });

  it('runs an SA_SIGINFO handler (struct rt_sigframe) and rt_sigreturn restores the registers', () => {
    expect(run(program(4)).output).toBe(PANIC(15 << 8));
  });

  it('saves the x87 state in the frame: a handler that resets the FPU leaves the interrupted code\'s alone', () => {
    const push = (x: number): number[] => [0x68, x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
    const main = (handler: number): number[] => [
      ...push(0), ...push(0), ...push(0), ...push(4), ...push(handler),
      ...movEax(174), ...movEbx(10), 0x89, 0xe1, 0x31, 0xd2, ...movEsi(8), ...int80,
      0xd9, 0xe8, 0x89, 0xe5, // fld1; mov %esp,%ebp
      ...movEax(20), ...int80, 0x89, 0xc3, ...movEcx(10), ...movEax(37), ...int80,
      0xdb, 0x5d, 0x00, 0x8b, 0x45, 0x00, ...exitWithEax, // fistpl 0(%ebp); exit(0(%ebp))
    ];
    const handler = [0xdb, 0xe3, 0xd9, 0xee, 0xd9, 0xee, 0xc3]; // fninit; fldz; fldz; ret
    const code = [...main(TINY_BASE + HEADERS + main(0).length), ...handler];
    expect(run(code).output).toBe(PANIC(1 << 8));
  });

  it('a handler that cannot get a frame (no stack) kills with SIGSEGV', () => {
    const r = run(program(4, true), 'loglevel=7');
    expect(r.output).toContain('init[1]: bad signal frame for signal 10');
    expect(r.output).toContain(PANIC(11));
  });
});
