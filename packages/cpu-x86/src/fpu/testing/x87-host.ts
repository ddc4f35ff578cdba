/**
 * Test-only oracle: runs x87 instructions on the host CPU through the small
 * C program x87-probe.c (compiled once with `gcc -m32`, cached under
 * node_modules/.cache). Not part of the emulator.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Operation numbers; keep in sync with the ops[] table of x87-probe.c. */
export const HostOp = {
  fadd: 0, fsub: 1, fmul: 2, fdiv: 3, fsqrt: 4, fcom: 5, fucom: 6,
  fprem: 7, fprem1: 8, frndint: 9, fscale: 10, fxtract: 11, fxam: 12, ftst: 13,
  fabs: 14, fchs: 15, f2xm1: 16, fyl2x: 17, fyl2xp1: 18, fptan: 19, fpatan: 20,
  fsin: 21, fcos: 22, fsincos: 23, fld1: 24, fldl2t: 25, fldl2e: 26, fldpi: 27,
  fldlg2: 28, fldln2: 29, fldz: 30, flds: 31, fldl: 32, fldt: 33, filds: 34,
  fildl: 35, fildll: 36, fbld: 37, fsts: 38, fstl: 39, fstt: 40, fists: 41,
  fistl: 42, fistpll: 43, fbstp: 44,
  // ST(0) op memory operand B (m32 bits in B's low 4 bytes, m64 in 8).
  fadds: 45, faddl: 46, fsubs: 47, fsubrl: 48, fmuls: 49, fmull: 50, fdivs: 51, fdivrl: 52,
  fcoms: 53, fcoml: 54,
} as const;

export interface HostCase {
  op: number;
  cw: number;
  /** 20 hex digits, byte 0 first. */
  a: string;
  b: string;
}

export interface HostResult {
  /** ST(0) after the op, or the stored memory bytes (0xA5 where nothing was written). */
  r1: string;
  /** ST(1) after the op. */
  r2: string;
  sw: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'x87-probe.c');

let binary: string | null | undefined;

/** True when the host can execute x87 code (x86 / x86-64). */
export function hostIsX86(): boolean {
  const a = arch();
  return a === 'x64' || a === 'ia32';
}

/** Compile (or reuse) the probe. Throws with the compiler output on failure. */
export function probeBinary(): string {
  if (binary) return binary;
  const text = readFileSync(source);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const cacheDir = join(here, '..', '..', '..', 'node_modules', '.cache', 'xen-ts-fpu-probe');
  const exe = join(cacheDir, `x87-probe-${hash}`);
  if (!existsSync(exe)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${exe}.${process.pid}.tmp`;
    const errors: string[] = [];
    // -m32 as the emulated CPU is i386; x87 code is identical in 64-bit mode.
    for (const flags of [['-m32'], []]) {
      try {
        execFileSync('gcc', [...flags, '-O1', '-o', tmp, source], { stdio: 'pipe' });
        renameSync(tmp, exe);
        errors.length = 0;
        break;
      } catch (e) {
        errors.push(String((e as { stderr?: Buffer }).stderr ?? e));
      }
    }
    if (errors.length) throw new Error(`cannot compile x87 probe:\n${errors.join('\n')}`);
  }
  binary = exe;
  return exe;
}

/** Run a batch of cases on the host FPU. */
export function runHost(cases: readonly HostCase[]): HostResult[] {
  const exe = probeBinary();
  const input = cases.map((c) => `${c.op} ${c.cw.toString(16).padStart(4, '0')} ${c.a} ${c.b}\n`).join('');
  const res = spawnSync(exe, { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`x87 probe failed (${res.status}): ${res.stderr}`);
  const lines = res.stdout.split('\n');
  const out: HostResult[] = new Array(cases.length);
  for (let i = 0; i < cases.length; i++) {
    const l = lines[i]!;
    out[i] = { r1: l.slice(0, 20), r2: l.slice(21, 41), sw: parseInt(l.slice(42, 46), 16) };
  }
  return out;
}

/**
 * `describe` for host-comparison suites: skipped (not failed) only on hosts
 * that cannot run x87 code at all; on x86 a missing compiler is an error.
 */
export function describeHost(name: string, body: () => void): void {
  describe.skipIf(!hostIsX86())(name, body);
}
