// The bare-metal modes of the x86-run CLI (src/tools/x86-run-bare.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CapturedOutput } from '../../src/machine/console-output.js';
import {
  EXIT_HALT, EXIT_LIMIT, EXIT_SHUTDOWN, EXIT_USAGE, parseRamSize, runBareMetal,
} from '../../src/tools/x86-run-bare.js';

const dir = mkdtempSync(join(tmpdir(), 'x86-run-bare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function romFile(name: string, code: number[]): string {
  const r = new Uint8Array(0x10000).fill(0xf4);
  r.set(code, 0x10000 - 16);
  const path = join(dir, name);
  writeFileSync(path, r);
  return path;
}

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  const out = new CapturedOutput();
  let stderr = '';
  const status = runBareMetal(args, { stdout: out.sink, stderr: (t) => void (stderr += t) });
  return { status, stdout: out.text(), stderr };
}

// mov al,'H'; out 0xe9,al; mov al,'i'; mov dx,0x3f8; out dx,al; cli; hlt
const HELLO = romFile('hello.bin', [0xb0, 0x48, 0xe6, 0xe9, 0xb0, 0x69, 0xba, 0xf8, 0x03, 0xee, 0xfa, 0xf4]);

describe('x86-run --rom', () => {
  it('prints the debug console and COM1 on stdout and exits 0 at HLT', () => {
    expect(run(['--rom', HELLO])).toEqual({ status: EXIT_HALT, stdout: 'Hi', stderr: '' });
  });

  it('--port-log prints every byte written to the port on stderr, one hex byte per line', () => {
    const r = run(['--rom', HELLO, '--port-log', '0xe9', '--port-log', '1016']);
    expect(r.stderr).toBe('48\n69\n');
    expect(r.stdout).toBe('Hi');
  });

  it('--dump prints the final registers', () => {
    const r = run(['--rom', HELLO, '--dump']);
    expect(r.stderr).toMatch(/^eax=00000069\necx=00000000\nedx=000003f8\n/);
    expect(r.stderr).toContain('\neip=0000fffc\n');
    expect(r.stderr).toContain('\ncs=f000\n');
    expect(r.stderr.split('\n')).toHaveLength(21);
  });

  it('ends with (V << 1) | 1 when the guest writes V to isa-debug-exit', () => {
    expect(run(['--rom', romFile('exit.bin', [0xb0, 0x10, 0xe6, 0xf4, 0xeb, 0xfe])]).status).toBe(0x21);
    expect(run(['--rom', romFile('exit80.bin', [0xb0, 0x80, 0xe6, 0xf4, 0xeb, 0xfe])]).status).toBe(1);
  });

  it('says why a run ended other than at HLT with interrupts off', () => {
    let r = run(['--rom', romFile('sti.bin', [0xfb, 0xf4])]);
    expect(r.status).toBe(EXIT_HALT);
    expect(r.stderr).toMatch(/interrupts enabled.*no interrupt source/);
    r = run(['--rom', romFile('loop.bin', [0xeb, 0xfe]), '--max-instructions', '500']);
    expect(r.status).toBe(EXIT_LIMIT);
    expect(r.stderr).toMatch(/instruction limit reached at f000:0000fff0/);
    r = run(['--rom', romFile('tf.bin', [0x2e, 0x0f, 0x01, 0x1e, 0xf8, 0xff, 0xcc, 0x90, 0, 0, 0, 0, 0, 0])]);
    expect(r.status).toBe(EXIT_SHUTDOWN);
    expect(r.stderr).toMatch(/triple fault/);
  });

  it('rejects bad arguments with the usage and a missing image with its path', () => {
    for (const args of [[], ['--rom'], ['--rom', HELLO, '--multiboot', HELLO], ['--bogus'], ['--rom', HELLO, '--append', 'x'],
      ['--rom', HELLO, '--port-log', '0x10000'], ['--rom', HELLO, '--ram', 'lots']]) {
      const r = run(args);
      expect(r.status).toBe(EXIT_USAGE);
      expect(r.stderr).toMatch(/^x86-run: .*\nusage: /);
    }
    const r = run(['--rom', join(dir, 'nope.bin')]);
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(/nope\.bin/);
  });
});

describe('x86-run --multiboot', () => {
  it('loads the kernel, passes --append and --module, and reports load errors', () => {
    // A flat a.out-kludge kernel at 1 MiB: writes the low byte of mods_count to isa-debug-exit.
    const MAGIC = 0x1badb002, FLAGS = 0x10000;
    const words = [MAGIC, FLAGS, (-(MAGIC + FLAGS)) >>> 0, 0x100000, 0x100000, 0, 0, 0x100020];
    const img = new Uint8Array(0x30);
    words.forEach((w, i) => new DataView(img.buffer).setUint32(i * 4, w, true));
    img.set([0x8a, 0x43, 0x14, 0xe6, 0xf4, 0xf4], 0x20); // mov al, [ebx+20]; out 0xf4, al; hlt
    const kernel = join(dir, 'kernel.bin');
    writeFileSync(kernel, img);
    const mod = join(dir, 'mod.bin');
    writeFileSync(mod, 'module');
    expect(run(['--multiboot', kernel]).status).toBe(1); // 0 modules
    expect(run(['--multiboot', kernel, '--append', 'a b', '--module', `${mod} x`, '--module', mod]).status).toBe(5);
    const r = run(['--multiboot', HELLO]);
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(/no Multiboot header/);
  });
});

describe('--ram', () => {
  it('takes MiB by default, or a K/M/G suffix, between 1 MiB and 3840 MiB', () => {
    expect(parseRamSize('16')).toBe(16 << 20);
    expect(parseRamSize('64M')).toBe(64 << 20);
    expect(parseRamSize('2048K')).toBe(2 << 20);
    expect(parseRamSize('1G')).toBe(1 << 30);
    expect(() => parseRamSize('512K')).toThrow(/between/);
    expect(() => parseRamSize('4G')).toThrow(/between/);
  });
});
