// Busybox over the writable RAM file system, /dev, /proc and the console TTY, compared with the
// same busybox run natively on this host where the output does not depend on the machine.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel, busyboxInitramfs, busyboxPath, hasBusybox, readBusybox, type CpioEntry } from '../src/index.js';
import { bootXenolinux } from './support/boot.js';

beforeAll(() => {
  buildKernel({ quiet: true });
});

const APPLETS = ['sh', 'cat', 'ls', 'mkdir', 'rmdir', 'mv', 'cp', 'ln', 'rm', 'stat', 'find', 'wc', 'sort', 'uniq', 'head',
  'tail', 'sha256sum', 'dd', 'df', 'ps', 'readlink', 'tee', 'echo', 'free', 'cut'];
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function initramfs(extra: CpioEntry[] = []): Uint8Array {
  return busyboxInitramfs({ applets: APPLETS, kernelProc: true, extra });
}

const PANIC = (code: number): string => {
  const msg = `Attempted to kill init! exitcode=0x${code.toString(16).padStart(8, '0')}`;
  return `Kernel panic - not syncing: ${msg}\r\n---[ end Kernel panic - not syncing: ${msg} ]---\r\n`;
};
const onlcr = (s: string): string => s.replace(/\n/g, '\r\n');

/** Runs `script` (argument: a fresh directory) with busybox sh natively and as init on XenoLinux. */
function both(script: string, input: string[] = []): { xen: string; native: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xenolinux-fs-'));
  writeFileSync(join(dir, 'script'), script);
  const work = join(dir, 'work');
  mkdirSync(work);
  const native = execFileSync(busyboxPath(), ['sh', join(dir, 'script'), work], { encoding: 'latin1', input: input.join('') });
  const r = bootXenolinux(initramfs([{ type: 'file', path: 'etc/script', data: enc(script), mode: 0o755 }]), 'quiet rdinit=/bin/sh /etc/script /tmp', { input });
  expect(r.hostErrors).toBe(0);
  return { xen: r.output, native };
}

const TITLE = hasBusybox() ? 'busybox on the RAM file system' : `busybox on the RAM file system (SKIPPED: ${busyboxPath()} is missing)`;
describe.skipIf(!hasBusybox())(TITLE, () => {
  it('shell redirections create, append, truncate and read files as on Linux (one process, no fork)', () => {
    const script = [
      'cd "$1"', 'umask 022', 'echo one > a', 'echo two >> a', "printf 'three\\n' >> a", ': > empty',
      'echo gone > b', 'echo replaced > b', 'exec 3> c', 'echo via-fd3 >&3', 'exec 3>&-', 'exec 4<> d', 'echo rw >&4',
      'exec 4>&-', 'read first < a', 'echo "first=$first"', '[ -s empty ] || echo "empty is empty"',
      '[ -f a ] && [ -d . ] && [ ! -e nope ] && echo "kinds ok"', 'while read l; do echo "line: $l"; done < a',
      'cd ..', 'cd "$1"', 'exec sha256sum a b c d empty', '',
    ].join('\n');
    const { xen, native } = both(script);
    expect(native).toContain('line: three\n');
    expect(xen).toBe(onlcr(native) + PANIC(0));
  });

  // Executables are mapped from their file and read on first touch: a running shell whose file is
  // removed (its storage is kept while the mapping holds it) still pages in code it has not run yet
  // (arithmetic, printf, getopts, case), as on Linux.
  it('a program runs code it had not touched yet after its own file is removed', () => {
    const inner = [
      'rm ./busybox', '[ -e ./busybox ] || echo removed',
      'dd if=/dev/zero of=big bs=1024 count=8192 2>/dev/null', 'rm big', 'i=0', // reuses freed pages
      'while [ $i -lt 3 ]; do i=$((i * 2 + 1)); printf "%s-%d\\n" x $i; done',
      'set -- -a -b v', 'while getopts ab: o; do echo "opt $o ${OPTARG:-}"; done', 'case abc in a*) echo case-ok;; esac',
    ].join('; ');
    // The guest's busybox is /bin/busybox; natively it is where the build cached it.
    const copy = `src=/bin/busybox; [ -e $src ] || src='${busyboxPath()}'; cp "$src" busybox`;
    const script = ['cd "$1"', copy, 'chmod 755 busybox', `./busybox sh -c '${inner}'`, ''].join('\n');
    const { xen, native } = both(script);
    expect(native).toContain('removed\nx-1\nx-3\nopt a \nopt b v\ncase-ok\n');
    expect(xen).toBe(onlcr(native) + PANIC(0));
  });

  it('mkdir, cp, mv, ln, rm, rmdir, find, stat, dd, sort and friends give native output (needs fork)', (ctx) => {
    const script = [
      'cd "$1"', 'mkdir -p a/b/c', 'echo hi > a/b/c/f', 'cp a/b/c/f a/g', 'mv a/g a/h', 'ln -s h a/s', 'ln a/h a/hard',
      'stat -c "%n %F %h %a %s" a/h a/hard a/b/c/f', 'stat -c "%n %F %N" a/s', 'cat a/s', 'readlink a/s', 'rm a/hard',
      'stat -c "%n %h" a/h', 'rmdir a/b 2>&1 || echo "rmdir failed"', 'rm -r a/b/c', 'rmdir a/b && echo "rmdir ok"',
      'mkdir x y', 'echo in-x > x/f', 'mv x y/', 'cat y/x/f', 'mkdir z', 'mv y/x z 2>&1 || echo mv-failed',
      'dd if=/dev/zero of=big bs=1k count=40 2>/dev/null', 'stat -c "%n %s" big', 'dd if=big of=part bs=1k skip=38 2>/dev/null',
      'stat -c "%n %s" part', 'printf "b\\na\\nc\\na\\n" > list', 'sort list | uniq -c', 'head -n 2 list', 'tail -n 1 list',
      'wc list', 'echo x | tee t1 t2 >/dev/null', 'cat t1 t2', 'cp -r a a2', 'find . | sort', 'sha256sum big part list',
      'rm -rf a a2 z y', 'find . | sort', '',
    ].join('\n');
    const { xen, native } = both(script);
    if (xen.includes("can't fork")) {
      ctx.skip(); // the process milestone (fork) is not in this kernel
      return;
    }
    expect(native).toContain('./a2/s\n./big\n');
    expect(native).toContain('./z/x/f\n');
    expect(xen).toBe(onlcr(native) + PANIC(0));
  });

  it('sha256sum of the 2 MB busybox binary equals the host hash (large reads)', () => {
    const r = bootXenolinux(initramfs(), 'quiet rdinit=/bin/sha256sum /bin/busybox');
    const hash = createHash('sha256').update(readBusybox()).digest('hex');
    expect(r.output).toBe(`${hash}  /bin/busybox\r\n` + PANIC(0));
  });

  it('/dev: null, zero, urandom, tty and console are the Linux device numbers', () => {
    const script = 'exec stat -c "%n %F %t,%T %a" /dev/null /dev/zero /dev/urandom /dev/random /dev/tty /dev/console\n';
    const r = bootXenolinux(initramfs([{ type: 'file', path: 'etc/script', data: enc(script), mode: 0o755 }]), 'quiet rdinit=/bin/sh /etc/script');
    const native = execFileSync(busyboxPath(), ['stat', '-c', '%n %F %t,%T %a', '/dev/null', '/dev/zero', '/dev/urandom', '/dev/random', '/dev/tty'], { encoding: 'latin1' });
    expect(r.output).toBe(onlcr(native) + '/dev/console character special file 5,1 600\r\n' + PANIC(0));
  });

  it('dd from /dev/zero to a new file and back reports what native dd reports', () => {
    const script = 'cd "$1"\nexec dd if=/dev/zero of=f bs=1k count=4 2>&1\n';
    const { xen, native } = both(script);
    expect(native).toBe('4+0 records in\n4+0 records out\n');
    expect(xen).toBe(onlcr(native) + PANIC(0));
  });

  it('/proc: self, pid files, meminfo, mounts, uptime, loadavg, version; ps and df read them', () => {
    const cat = bootXenolinux(initramfs(), 'quiet rdinit=/bin/cat /proc/1/stat /proc/self/status /proc/meminfo /proc/mounts /proc/uptime /proc/loadavg /proc/version /proc/1/comm');
    const out = cat.output.replace(/\r\n/g, '\n');
    expect(out).toMatch(/^1 \(cat\) R 0 1 1 1281 1 /);
    expect(out.split('\n')[0]!.split(' ')).toHaveLength(52); // proc(5): 52 fields
    expect(out).toContain('Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\n');
    expect(out).toMatch(/MemTotal:\s+32768 kB\nMemFree:\s+\d+ kB\nMemAvailable:/);
    expect(out).toContain('none / ramfs rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\n');
    expect(out).toMatch(/\n\d+\.\d\d 0\.00\n0\.00 0\.00 0\.00 1\/1 1\nLinux version 3\.2\.0-xenolinux /);
    expect(out).toContain('\ncat\n');
    expect(bootXenolinux(initramfs(), 'quiet rdinit=/bin/readlink /proc/self').output).toBe('1\r\n' + PANIC(0));
    expect(bootXenolinux(initramfs(), 'quiet rdinit=/bin/ps').output).toBe('PID   USER     COMMAND\r\n    1 0        [ps]\r\n' + PANIC(0));
    const df = bootXenolinux(initramfs(), 'quiet rdinit=/bin/df /').output;
    expect(df).toMatch(/^Filesystem {11}1K-blocks {6}Used Available Use% Mounted on\r\nnone {21}32768 +\d+ +\d+ +\d+% \/\r\n/);
    // Generated files refuse writes (EACCES); a pid that does not exist has no directory.
    const script = 'echo x > /proc/1/stat || echo refused\nexec cat /proc/9999/stat\n';
    const w = bootXenolinux(initramfs([{ type: 'file', path: 'etc/script', data: enc(script), mode: 0o755 }]), 'quiet rdinit=/bin/sh /etc/script');
    expect(w.output).toBe(
      '/etc/script: line 1: can\'t create /proc/1/stat: Permission denied\r\nrefused\r\n' +
        "cat: can't open '/proc/9999/stat': No such file or directory\r\n" + PANIC(0x100),
    );
  });
});

describe.skipIf(!hasBusybox())('the console TTY', () => {
  it('busybox sh edits the line in raw mode (backspace redraws) and runs what was typed', () => {
    const r = bootXenolinux(initramfs(), 'quiet rdinit=/bin/sh', { input: ['echo hi\r', 'ecx\x7fho two\r', 'exit 3\r'] });
    expect(r.output).toContain('/ # ');
    expect(r.output).toContain('echo hi\r\nhi\r\n');
    expect(r.output).toContain('ecx\b\x1b[Jho two\r\ntwo\r\n');
    expect(r.output.endsWith(PANIC(0x300))).toBe(true);
  });

  it('read -n 3 takes three characters in non-canonical mode; the rest stays queued', () => {
    const script = 'read -n 3 x\necho "[$x]"\nread y\necho "<$y>"\n';
    const r = bootXenolinux(initramfs([{ type: 'file', path: 'etc/script', data: enc(script), mode: 0o755 }]), 'quiet rdinit=/bin/sh /etc/script', { input: ['abcdef\r'] });
    expect(r.output).toBe('abcdef\r\n[abc]\r\n<def>\r\n' + PANIC(0));
  });
});
