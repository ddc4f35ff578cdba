/**
 * `pnpm bench` for @xen-ts/cpu-x86: one run, one table, cpu-x86 side by side
 * with native execution, qemu-i386, v86 (interpreter and JIT) and Bochs on the
 * same work. See bench/README.md for what each figure means.
 *
 * Environment:
 *   BENCH_ONLY=user,bare,memory   sections to run (default: all three)
 *   BENCH_SCALE=1                 multiplies the bare-metal loop counts
 *   BENCH_QUICK=1                 small inputs and loops (a smoke run, ~30 s)
 *   BENCH_TIMEOUT_S=300           limit per x86-run program and per emulator run
 *   BENCH_BUSYBOX=path            busybox to use instead of .cache/busybox/busybox
 *   BENCH_X86_RUN=path            x86-run to use instead of bin/x86-run
 *
 * Nothing here asserts a timing; references that are not installed are
 * skipped with the reason printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { runBochsLoops, bochsMissing } from './lib/bochs-loops.js';
import { assembleGuest, expectedInstructions, floppyImage, type LoopParams, type LoopResult } from './lib/guest.js';
import { mib, millions, mips, ratio, secs, short, table } from './lib/table.js';
import {
  DEFAULT_BUSYBOX, prepareInputs, qemuMissing, runNative, runQemu, runX86Run, x86RunMissing,
  type EngineRun, type ProgramResult,
} from './lib/usermode.js';
import { CACHE_DIR, isExecutable, PACKAGE_DIR, runChildScript, which } from './lib/util.js';
import { v86Missing, v86PackageDir } from './lib/v86-loops.js';

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const SCALE = Number(env.BENCH_SCALE ?? '1') * (QUICK ? 0.1 : 1);
const ONLY = new Set((env.BENCH_ONLY ?? 'user,bare,memory').split(',').map((s) => s.trim()));
const TIMEOUT_MS = Number(env.BENCH_TIMEOUT_S ?? '300') * 1000;
const SHA_BYTES = QUICK ? 1 << 20 : 16 << 20;
const GZIP_BYTES = QUICK ? 128 << 10 : 1 << 20;
const NATIVE_RUNS = 3;

const LOOPS: LoopParams = {
  aluIters: Math.max(1, Math.round(40_000_000 * SCALE)),
  memPasses: Math.max(1, Math.round(32 * SCALE)),
  memDwords: 1 << 20,
};
/** The memory figure runs the loops briefly: enough to touch the array, page tables and TLB. */
const RSS_LOOPS: LoopParams = { aluIters: 1_000_000, memPasses: 2, memDwords: 1 << 20 };

const notes: string[] = [];
const progress = (s: string): void => {
  process.stderr.write(`bench: ${s}\n`);
};

// ---------------------------------------------------------------------------
// Section 1: user mode

interface UserSection {
  skipped: string | null;
  busybox: string | null;
  programs: ProgramResult[];
}

async function userSection(): Promise<UserSection> {
  const busybox = env.BENCH_BUSYBOX ?? DEFAULT_BUSYBOX;
  if (!isExecutable(busybox)) {
    return {
      skipped: `no busybox at ${relative(PACKAGE_DIR, busybox)} (run scripts/fetch-busybox.sh, or set BENCH_BUSYBOX)`,
      busybox: null,
      programs: [],
    };
  }
  const programs = prepareInputs(join(CACHE_DIR, 'inputs'), SHA_BYTES, GZIP_BYTES);
  const qemuWhy = qemuMissing();
  const x86Why = x86RunMissing();
  if (qemuWhy) notes.push(`qemu-i386 skipped: ${qemuWhy}`);
  if (x86Why) notes.push(`x86-run skipped: ${x86Why}`);
  const results: ProgramResult[] = [];
  for (const prog of programs) {
    progress(`user mode: ${prog.name}: native`);
    const native = await runNative(busybox, prog, NATIVE_RUNS, TIMEOUT_MS);
    let qemu: EngineRun | null = null;
    if (!qemuWhy) {
      progress(`user mode: ${prog.name}: qemu-i386`);
      qemu = await runQemu(busybox, prog, NATIVE_RUNS, TIMEOUT_MS);
    }
    let x86run: EngineRun | null = null;
    if (!x86Why) {
      progress(`user mode: ${prog.name}: x86-run`);
      try {
        x86run = await runX86Run(busybox, prog, TIMEOUT_MS);
      } catch (e) {
        x86run = { seconds: null, instructions: null, mips: null, outputHash: null, runs: 1, error: (e as Error).message };
      }
    }
    results.push({ program: prog.name, inputBytes: prog.inputBytes, native, qemu, x86run });
  }
  return { skipped: null, busybox: relative(PACKAGE_DIR, busybox), programs: results };
}

// ---------------------------------------------------------------------------
// Section 2: bare-metal loops

type EngineName = 'cpu-x86' | 'v86-interp' | 'v86-jit' | 'bochs';

interface EngineLoops {
  skipped: string | null;
  result: (LoopResult & Record<string, unknown>) | null;
  error: string | null;
}

interface BareSection {
  skipped: string | null;
  params: LoopParams;
  expectedInstructions: { alu: number; mem: number };
  engines: Record<EngineName, EngineLoops>;
}

async function bareSection(): Promise<BareSection> {
  const empty = (why: string): EngineLoops => ({ skipped: why, result: null, error: null });
  const base = { params: LOOPS, expectedInstructions: expectedInstructions(LOOPS) };
  let images;
  try {
    images = assembleGuest();
  } catch (e) {
    const why = (e as Error).message;
    return {
      ...base,
      skipped: why,
      engines: { 'cpu-x86': empty(why), 'v86-interp': empty(why), 'v86-jit': empty(why), bochs: empty(why) },
    };
  }
  const args = [String(LOOPS.aluIters), String(LOOPS.memPasses), String(LOOPS.memDwords), String(TIMEOUT_MS)];
  const child = async (name: EngineName): Promise<EngineLoops> => {
    progress(`bare metal: ${name}`);
    try {
      const result = await runChildScript<LoopResult & Record<string, unknown>>('child/loops.ts', [name, ...args], TIMEOUT_MS + 30_000);
      return { skipped: null, result, error: result.error };
    } catch (e) {
      return { skipped: null, result: null, error: (e as Error).message };
    }
  };
  const engines = {} as Record<EngineName, EngineLoops>;
  engines['cpu-x86'] = await child('cpu-x86');
  const v86Why = v86Missing();
  engines['v86-interp'] = v86Why ? empty(v86Why) : await child('v86-interp');
  engines['v86-jit'] = v86Why ? empty(v86Why) : await child('v86-jit');
  const bochsWhy = bochsMissing();
  if (bochsWhy) engines.bochs = empty(bochsWhy);
  else {
    progress('bare metal: bochs');
    try {
      const result = await runBochsLoops(floppyImage(images, LOOPS), LOOPS, TIMEOUT_MS);
      engines.bochs = { skipped: null, result: { ...result }, error: result.error };
    } catch (e) {
      engines.bochs = { skipped: null, result: null, error: (e as Error).message };
    }
  }
  if (v86Why) notes.push(`v86 skipped: ${v86Why}`);
  if (bochsWhy) notes.push(`Bochs skipped: ${bochsWhy}`);
  return { ...base, skipped: null, engines };
}

// ---------------------------------------------------------------------------
// Section 3: memory

interface MemorySection {
  skipped: string | null;
  guestRamBytes?: number;
  guestRamTouchedBytes?: number;
  baseline?: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  after?: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  error?: string | null;
}

async function memorySection(): Promise<MemorySection> {
  try {
    assembleGuest();
  } catch (e) {
    return { skipped: (e as Error).message };
  }
  progress('memory: RSS of a Cpu with 64 MiB guest RAM');
  try {
    const r = await runChildScript<MemorySection>(
      'child/rss.ts',
      [String(RSS_LOOPS.aluIters), String(RSS_LOOPS.memPasses), String(RSS_LOOPS.memDwords)],
      TIMEOUT_MS,
      ['--expose-gc'],
    );
    return { ...r, skipped: null };
  } catch (e) {
    return { skipped: null, error: (e as Error).message };
  }
}

// ---------------------------------------------------------------------------
// Report

function version(cmd: string, args: string[], re: RegExp): string | null {
  if (which(cmd) === null) return null;
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return re.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

function machineInfo(): Record<string, string | number | number[] | null> {
  const v86Dir = v86PackageDir();
  let v86Version: string | null = null;
  if (v86Dir) v86Version = (JSON.parse(readFileSync(join(v86Dir, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    /** 1/5/15-minute load averages at the start: other work on the machine skews wall times. */
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    qemu: version('qemu-i386', ['--version'], /version (\S+)/),
    bochs: version('dpkg-query', ['-W', '-f=${Version}', 'bochs'], /(.+)/),
    v86: v86Version,
    nasm: version('nasm', ['-v'], /version (\S+)/),
  };
}

const DASH = '—';

function userRows(u: UserSection): string[][] {
  if (u.skipped !== null) return [['user: busybox programs', `skipped: ${short(u.skipped, 30)}`, DASH, DASH, DASH, DASH, DASH]];
  return u.programs.map((p) => {
    const x = p.x86run;
    const base = x?.seconds ?? null;
    const cell = (r: EngineRun | null, name: string): string => {
      if (r === null) return 'skipped';
      if (r.error !== null) {
        notes.push(`${name} on ${p.program}: ${r.error}`);
        return `error: ${short(r.error, 24)}`;
      }
      const s = r.seconds as number;
      if (x && x.outputHash !== null && r.outputHash !== null && r !== x && r.outputHash !== x.outputHash) {
        notes.push(`${name} on ${p.program}: output differs from x86-run's`);
      }
      return base !== null && r !== x ? `${secs(s)} (${ratio(base / s)})` : secs(s);
    };
    let xcell: string;
    if (x === null) xcell = 'not ready';
    else if (x.error !== null) {
      notes.push(`x86-run on ${p.program}: ${x.error}`);
      xcell = `error: ${short(x.error, 30)}`;
    } else {
      xcell = `${secs(x.seconds as number)} · ${x.mips !== null ? `${mips(x.mips)} MIPS` : 'MIPS n/a'}`;
      if (x.instructions === null) notes.push(`x86-run on ${p.program}: no instruction count (x86-run has no --stats yet)`);
      if (p.native?.outputHash && x.outputHash !== p.native.outputHash) notes.push(`x86-run on ${p.program}: output differs from native`);
    }
    return [`user: ${p.program}`, xcell, cell(p.native, 'native'), cell(p.qemu, 'qemu-i386'), DASH, DASH, DASH];
  });
}

function bareRows(b: BareSection): string[][] {
  const engines: EngineName[] = ['cpu-x86', 'v86-interp', 'v86-jit', 'bochs'];
  const label: Record<EngineName, string> = { 'cpu-x86': 'cpu-x86', 'v86-interp': 'v86 interp', 'v86-jit': 'v86 JIT', bochs: 'Bochs' };
  const rows: string[][] = [];
  for (const section of ['alu', 'mem'] as const) {
    const name =
      section === 'alu'
        ? `bare: ALU loop, ${millions(b.expectedInstructions.alu)} instr`
        : `bare: load/add/store, paging, ${millions(b.expectedInstructions.mem)} instr`;
    const ref = b.engines['cpu-x86'].result?.[section] ?? null;
    const refSum = ref?.checksum ?? null;
    const cells = engines.map((e) => {
      const eng = b.engines[e];
      if (eng.skipped !== null) return 'skipped';
      const t = eng.result?.[section] ?? null;
      if (t === null) {
        const why = eng.error ?? 'no result';
        if (section === 'alu') notes.push(`${label[e]}: ${why}`);
        return `error: ${short(why, 24)}`;
      }
      if (refSum !== null && t.checksum !== refSum) notes.push(`${label[e]} ${section}: checksum ${t.checksum} differs from cpu-x86's ${refSum}`);
      const rel = e !== 'cpu-x86' && ref !== null ? ` (${ratio(t.mips / ref.mips)})` : '';
      return `${secs(t.seconds)} · ${mips(t.mips)} MIPS${rel}`;
    });
    rows.push([name, cells[0], DASH, DASH, cells[1], cells[2], cells[3]]);
  }
  return rows;
}

function memoryRow(m: MemorySection): string[] {
  let cell: string;
  if (m.skipped) cell = `skipped: ${short(m.skipped, 30)}`;
  else if (!m.after || !m.baseline) cell = `error: ${short(m.error ?? 'no result', 30)}`;
  else cell = `RSS ${mib(m.after.rss)} (+${mib(m.after.rss - m.baseline.rss)})`;
  if (m.error) notes.push(`memory run: ${m.error}`);
  return ['memory: host RSS, 64 MiB guest', cell, DASH, DASH, DASH, DASH, DASH];
}

function summaries(u: UserSection, b: BareSection, m: MemorySection): string[] {
  const out: string[] = [];
  // user mode
  if (u.skipped !== null) out.push(`User mode: skipped (${u.skipped}).`);
  else {
    const parts = u.programs.map((p) => {
      const x = p.x86run;
      const n = p.native?.seconds ?? null;
      const q = p.qemu?.seconds ?? null;
      if (x === null || x.seconds === null) {
        const qn = n !== null && q !== null ? `qemu-i386 is ${ratio(q / n)} slower than native` : 'no reference times';
        return `${p.program}: x86-run ${x === null ? 'not ready' : 'failed'}, ${qn}`;
      }
      const vsN = n !== null ? `${ratio(x.seconds / n)} slower than native` : 'native n/a';
      const vsQ = q !== null ? `${ratio(x.seconds / q)} slower than qemu-i386` : 'qemu-i386 n/a';
      const rate = x.mips !== null ? ` (${mips(x.mips)} MIPS)` : '';
      return `${p.program}: x86-run is ${vsN}, ${vsQ}${rate}`;
    });
    out.push(`User mode: ${parts.join('; ')}.`);
  }
  // bare metal
  if (b.skipped !== null) out.push(`Bare metal: skipped (${b.skipped}).`);
  else {
    const m1 = (e: EngineName, s: 'alu' | 'mem'): string => {
      const t = b.engines[e].result?.[s];
      return t ? mips(t.mips) : 'n/a';
    };
    const others = (s: 'alu' | 'mem'): string =>
      `v86 interpreter ${m1('v86-interp', s)}, v86 JIT ${m1('v86-jit', s)}, Bochs ${m1('bochs', s)}`;
    out.push(
      `Bare metal: cpu-x86 runs the ALU loop at ${m1('cpu-x86', 'alu')} MIPS (${others('alu')}) ` +
        `and the paged memory loop at ${m1('cpu-x86', 'mem')} MIPS (${others('mem')}).`,
    );
  }
  // memory
  if (m.after && m.baseline) {
    out.push(
      `Memory: a Cpu with ${mib(m.guestRamBytes ?? 0)} of guest RAM has an RSS of ${mib(m.after.rss)} after the loops, ` +
        `${mib(m.after.rss - m.baseline.rss)} above the same Node process before the Cpu existed ` +
        `(the guest wrote to ${mib(m.guestRamTouchedBytes ?? 0)} of its RAM; ArrayBuffers allocated: ${mib(m.after.arrayBuffers)}).`,
    );
  } else out.push(`Memory: ${m.skipped ? `skipped (${m.skipped})` : `failed (${m.error ?? 'no result'})`}.`);
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = machineInfo();
  const skippedSection = (why: string) => ({ skipped: why });
  const user: UserSection = ONLY.has('user') ? await userSection() : { ...skippedSection('not selected (BENCH_ONLY)'), busybox: null, programs: [] };
  const bare: BareSection = ONLY.has('bare')
    ? await bareSection()
    : {
        skipped: 'not selected (BENCH_ONLY)',
        params: LOOPS,
        expectedInstructions: expectedInstructions(LOOPS),
        engines: {} as Record<EngineName, EngineLoops>,
      };
  const memory: MemorySection = ONLY.has('memory') ? await memorySection() : skippedSection('not selected (BENCH_ONLY)');

  const rows = [...(ONLY.has('user') ? userRows(user) : []), ...(ONLY.has('bare') ? bareRows(bare) : []), ...(ONLY.has('memory') ? [memoryRow(memory)] : [])];
  const header = ['workload', 'cpu-x86 / x86-run', 'native', 'qemu-i386', 'v86 interp', 'v86 JIT', 'Bochs'];
  const lines: string[] = [];
  lines.push(`# cpu-x86 bench (${new Date().toISOString().slice(0, 19)}Z${QUICK ? ', quick' : ''}${SCALE !== 1 && !QUICK ? `, scale ${SCALE}` : ''})`);
  lines.push('');
  lines.push(
    `host: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, load ${(machine.loadAverage as number[]).join(' ')}; ` +
      `node ${machine.node}; qemu ${machine.qemu ?? 'n/a'}; bochs ${machine.bochs ?? 'n/a'}; v86 ${machine.v86 ?? 'n/a'}`,
  );
  const load1 = (machine.loadAverage as number[])[0];
  if (load1 > 0.5 * (machine.cores as number)) {
    notes.push(`the machine was busy when the bench started (load ${load1} on ${machine.cores} cores): wall times are inflated`);
  }
  lines.push('');
  lines.push(table(header, rows));
  lines.push('');
  lines.push(
    'Cells: wall time · guest MIPS; (N×) = that engine\'s speed relative to cpu-x86 on the same row (user mode: x86-run time / its time; bare metal: its MIPS / cpu-x86 MIPS). ' +
      `Native and qemu-i386: median of ${NATIVE_RUNS} runs; everything else: one run. Bare-metal MIPS count only the instructions between the section's port 0xE9 markers.`,
  );
  lines.push('');
  for (const s of summaries(user, bare, memory)) lines.push(`- ${s}`);
  const uniqueNotes = [...new Set(notes)];
  if (uniqueNotes.length > 0) {
    lines.push('');
    lines.push('Notes:');
    for (const n of uniqueNotes) lines.push(`- ${n}`);
  }
  const elapsed = (performance.now() - started) / 1000;
  lines.push('');
  const jsonPath = join(CACHE_DIR, 'latest.json');
  lines.push(`(${elapsed.toFixed(0)} s; JSON: ${relative(PACKAGE_DIR, jsonPath)})`);
  process.stdout.write(`${lines.join('\n')}\n`);

  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(
    jsonPath,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        quick: QUICK,
        scale: SCALE,
        machine,
        user,
        bare,
        memory,
        table: { header, rows },
        summaries: summaries(user, bare, memory),
        notes: uniqueNotes,
        seconds: elapsed,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
