// Runs the bare-metal images under the reference emulators and returns the
// text the program wrote to port 0xE9 (between "=== BEGIN ===" and
// "=== END ===", both included):
//
//   QEMU:  qemu-system-i386 -bios IMAGE | -kernel KERNEL, capturing port 0xE9
//          with -debugcon file:..., ended by -device isa-debug-exit,iobase=0xf4
//   Bochs: bochs -q -f bochsrc -rc cmds with romimage: IMAGE and
//          port_e9_hack (written to stdout, framed by the markers), ended by
//          "Shutdown" on port 0x8900. Debian's bochs is built with the
//          internal debugger (cmds says "continue") and without the nogui
//          display library: the rfb library with timeout=0 runs headless.
//
// Each returns undefined when the emulator is not installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BEGIN_MARK = '=== BEGIN ===';
export const END_MARK = '=== END ===';
/** RAM for every run, so that all machines agree (QEMU -m, Bochs megs, x86-run --ram). */
export const RAM_MIB = 16;
/** Command line for the Multiboot kernels (after the kernel path). */
export const MULTIBOOT_APPEND = 'hello world';
const TIMEOUT_MS = 60_000;

/** QEMU's default qemu32 model has no NX; the PAE tests need it (EFER.NXE). */
export const QEMU_CPU = 'qemu32,+nx';

/** Cuts the program's log out of a capture (keeps the marker lines). */
export function extractLog(capture: string): string {
  const b = capture.indexOf(BEGIN_MARK);
  if (b < 0) return '';
  const e = capture.indexOf(END_MARK, b);
  return e < 0 ? capture.slice(b) : capture.slice(b, e + END_MARK.length) + '\n';
}

function installed(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

export function qemuAvailable(): boolean {
  return installed('qemu-system-i386', ['--version']);
}

export function bochsAvailable(): boolean {
  return installed('bochs', ['--help']) && vgaRom() !== undefined;
}

function vgaRom(): string | undefined {
  return ['/usr/share/vgabios/vgabios.bin', '/usr/share/bochs/VGABIOS-lgpl-latest'].find((p) => existsSync(p));
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'xen-ts-baremetal-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface OracleRun {
  log: string;
  /** Process exit status (QEMU: (V << 1) | 1 from isa-debug-exit). */
  status: number | null;
}

function runQemu(bootArgs: string[]): OracleRun | undefined {
  if (!qemuAvailable()) return undefined;
  return withTempDir((dir) => {
    const out = join(dir, 'debugcon.log');
    const r = spawnSync('qemu-system-i386', [
      ...bootArgs, '-m', String(RAM_MIB), '-cpu', QEMU_CPU, '-nographic', '-no-reboot', '-display', 'none',
      '-monitor', 'none', '-serial', 'none', '-net', 'none', '-debugcon', `file:${out}`,
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    ], { encoding: 'utf8', timeout: TIMEOUT_MS });
    const capture = existsSync(out) ? readFileSync(out, 'latin1') : '';
    return { log: extractLog(capture), status: r.status };
  });
}

export function qemuRom(image: string): OracleRun | undefined {
  return runQemu(['-bios', image]);
}

export function qemuMultiboot(kernel: string): OracleRun | undefined {
  return runQemu(['-kernel', kernel, '-append', MULTIBOOT_APPEND]);
}

export function bochsRom(image: string): OracleRun | undefined {
  const vga = vgaRom();
  if (vga === undefined || !bochsAvailable()) return undefined;
  return withTempDir((dir) => {
    const rc = join(dir, 'bochsrc');
    writeFileSync(rc, [
      `romimage: file=${image}`,
      `vgaromimage: file=${vga}`,
      `megs: ${RAM_MIB}`,
      'display_library: rfb, options="timeout=0"',
      'plugin_ctrl: speaker=0',
      'port_e9_hack: enabled=1',
      'cpu: reset_on_triple_fault=0',
      `log: ${join(dir, 'bochs.log')}`,
      'panic: action=fatal',
      'error: action=report',
      'info: action=ignore',
      'debug: action=ignore',
      '',
    ].join('\n'));
    const cmds = join(dir, 'cmds');
    writeFileSync(cmds, 'continue\nquit\n');
    const r = spawnSync('bochs', ['-q', '-f', rc, '-rc', cmds], { cwd: dir, encoding: 'latin1', timeout: TIMEOUT_MS });
    return { log: extractLog(r.stdout ?? ''), status: r.status };
  });
}
