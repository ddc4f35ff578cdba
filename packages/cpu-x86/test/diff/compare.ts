// Compares two DiffResults (host vs emulator), masking what Intel leaves
// undefined unless asked to compare everything.
import {
  CODE_BASE,
  DATA_BASE,
  EFLAGS_COMPARED,
  REG_NAMES,
  STACK_WINDOW_BASE,
  type DiffCase,
  type DiffResult,
  type GeneratedCase,
  type UndefinedMask,
} from './diff-case.js';

export interface CompareOptions {
  /** Compare undefined flags/registers too, and every EFLAGS bit. */
  strict?: boolean;
  /** EFLAGS bits to compare when not strict (default EFLAGS_COMPARED). */
  eflagsMask?: number;
}

export interface Difference {
  what: string;
  expected: string;
  actual: string;
}

const NONE: UndefinedMask = { eflags: 0, regs: 0 };

function isGenerated(c: DiffCase): c is GeneratedCase {
  return 'undefinedAt' in c;
}

/** Undefined state that applies to a result: at completion, or before the
 *  instruction at the fault EIP (a trap's EIP is the next instruction, whose
 *  "before" state is the state after the trapping one). */
export function undefinedFor(c: DiffCase, r: DiffResult): UndefinedMask {
  if (!isGenerated(c)) return NONE;
  if (r.fault === null && !r.timeout) return c.undefined;
  const off = (r.fault?.eip ?? 0) - CODE_BASE;
  const i = c.offsets.indexOf(off);
  if (i >= 0) return c.undefinedAt[i]!;
  if (off === c.code.length) return c.undefined;
  // Unknown position: be conservative.
  let eflags = c.undefined.eflags;
  let regs = c.undefined.regs;
  for (const m of c.undefinedAt) {
    eflags |= m.eflags;
    regs |= m.regs;
  }
  return { eflags, regs };
}

const h = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');

/** Differences between expected (host) and actual (emulator) results. */
export function compareResults(c: DiffCase, expected: DiffResult, actual: DiffResult, opts: CompareOptions = {}): Difference[] {
  const out: Difference[] = [];
  const und = opts.strict ? NONE : undefinedFor(c, expected);
  const ef = expected.fault;
  const af = actual.fault;
  if (expected.timeout !== actual.timeout) out.push({ what: 'timeout', expected: String(expected.timeout), actual: String(actual.timeout) });
  if ((ef === null) !== (af === null)) {
    out.push({ what: 'fault', expected: ef ? `#${ef.vector}` : 'none', actual: af ? `#${af.vector}` : 'none' });
  } else if (ef !== null && af !== null) {
    if (ef.vector !== af.vector) out.push({ what: 'fault.vector', expected: String(ef.vector), actual: String(af.vector) });
    if (ef.errorCode !== af.errorCode) out.push({ what: 'fault.errorCode', expected: h(ef.errorCode), actual: h(af.errorCode) });
    if (ef.eip !== af.eip) out.push({ what: 'fault.eip', expected: h(ef.eip), actual: h(af.eip) });
    if (ef.vector === 14 && ef.cr2 !== af.cr2) out.push({ what: 'fault.cr2', expected: h(ef.cr2), actual: h(af.cr2) });
  }
  for (let r = 0; r < 8; r++) {
    if (und.regs & (1 << r)) continue;
    if (expected.regs[r] !== actual.regs[r]) out.push({ what: REG_NAMES[r]!, expected: h(expected.regs[r]!), actual: h(actual.regs[r]!) });
  }
  const fm = opts.strict ? 0xffffffff : (opts.eflagsMask ?? EFLAGS_COMPARED) & ~und.eflags;
  if (((expected.eflags ^ actual.eflags) & fm) !== 0) {
    out.push({ what: `eflags (mask ${h(fm)})`, expected: h(expected.eflags & fm), actual: h(actual.eflags & fm) });
  }
  bytesDiff(out, 'data', DATA_BASE, expected.data, actual.data);
  bytesDiff(out, 'stack', STACK_WINDOW_BASE, expected.stack, actual.stack);
  return out;
}

function bytesDiff(out: Difference[], what: string, base: number, e: Uint8Array, a: Uint8Array): void {
  let shown = 0;
  for (let i = 0; i < e.length; i++) {
    if (e[i] === a[i]) continue;
    if (shown++ < 8) {
      out.push({ what: `${what}[${h(base + i)}]`, expected: hex2(e[i]!), actual: hex2(a[i] ?? -1) });
    }
  }
  if (shown > 8) out.push({ what: `${what}: ${shown - 8} more bytes differ`, expected: '', actual: '' });
}

const hex2 = (v: number): string => (v < 0 ? '--' : v.toString(16).padStart(2, '0'));

/** Multi-line description of a case and its differences, for test failures. */
export function describeCase(c: DiffCase, diffs: readonly Difference[] = [], expected?: DiffResult): string {
  const lines: string[] = [];
  if (isGenerated(c)) {
    lines.push(`case ${c.name} (seed ${c.seed})`);
    c.asm.forEach((t, i) => lines.push(`  ${h(CODE_BASE + c.offsets[i]!).slice(2)}: ${t}`));
  }
  lines.push(`  code: ${Array.from(c.code, (x) => x.toString(16).padStart(2, '0')).join(' ')}`);
  lines.push(`  regs: ${Array.from(c.regs, (v, i) => `${REG_NAMES[i]}=${h(v)}`).join(' ')} eflags=${h(c.eflags)}`);
  if (expected !== undefined) {
    const f = expected.fault;
    lines.push(`  host: ${f ? `fault #${f.vector} err=${h(f.errorCode)} eip=${h(f.eip)} cr2=${h(f.cr2)}` : expected.timeout ? 'timeout' : 'completed'}`);
    lines.push(`  host regs: ${Array.from(expected.regs, (v, i) => `${REG_NAMES[i]}=${h(v)}`).join(' ')} eflags=${h(expected.eflags)}`);
  }
  for (const d of diffs) lines.push(`  DIFF ${d.what}: expected ${d.expected}, actual ${d.actual}`);
  return lines.join('\n');
}
