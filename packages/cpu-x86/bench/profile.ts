/**
 * Profiles cpu-x86 and prints the hottest functions:
 *   pnpm exec tsx bench/profile.ts [alu|mem] [--no-inline] [--top N] [--scale X]
 *   pnpm exec tsx bench/profile.ts x86-run [--no-inline] [--top N] -- program [args...]
 *
 * alu/mem run one section of the bare-metal loops; x86-run runs a user-mode
 * program through src/tools/x86-run.ts (its stdout is discarded).
 *
 * The target (bench/child/profile-target.ts) is bundled with esbuild (tsx's
 * own copy) with a source map, run under `node --cpu-prof`, and the profile's
 * positions are mapped back to the TypeScript sources. With --no-inline V8
 * does not inline (--max-inlined-bytecode-size=0): slower, but each
 * instruction handler then shows up under its own name instead of inside
 * Cpu.loop.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { summariseProfile } from './lib/cpuprofile.js';
import { SourceMap } from './lib/sourcemap.js';
import { BENCH_DIR, CACHE_DIR, PACKAGE_DIR } from './lib/util.js';

interface EsbuildApi {
  buildSync(options: Record<string, unknown>): unknown;
}

function loadEsbuild(): EsbuildApi {
  const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  return fromTsx('esbuild') as EsbuildApi;
}

function main(): void {
  const all = process.argv.slice(2);
  const dash = all.indexOf('--');
  const args = dash >= 0 ? all.slice(0, dash) : all;
  const programArgs = dash >= 0 ? all.slice(dash + 1) : [];
  const section = args.includes('x86-run') ? 'x86-run' : args.includes('mem') ? 'mem' : 'alu';
  if (section === 'x86-run' && programArgs.length === 0) {
    process.stderr.write('usage: profile.ts x86-run [--no-inline] [--top N] -- program [args...]\n');
    process.exit(2);
  }
  const noInline = args.includes('--no-inline');
  const topIdx = args.indexOf('--top');
  const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 20;
  const scaleIdx = args.indexOf('--scale');
  const scale = scaleIdx >= 0 ? args[scaleIdx + 1] : '2';

  const dir = join(CACHE_DIR, 'profile');
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, section === 'x86-run' ? 'x86-run.mjs' : 'target.mjs');
  loadEsbuild().buildSync({
    entryPoints: [section === 'x86-run' ? join(PACKAGE_DIR, 'src', 'tools', 'x86-run.ts') : join(BENCH_DIR, 'child', 'profile-target.ts')],
    conditions: ['@xen-ts/source'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'external',
    keepNames: false,
    outfile: bundle,
    logLevel: 'error',
  });
  const profDir = join(dir, `${section}${noInline ? '-noinline' : ''}`);
  rmSync(profDir, { recursive: true, force: true });
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=250'];
  if (noInline) nodeArgs.push('--max-inlined-bytecode-size=0');
  const targetArgs = section === 'x86-run' ? ['--stats', ...programArgs] : [section, scale];
  const r = spawnSync(process.execPath, [...nodeArgs, bundle, ...targetArgs], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, XEN_TS_BENCH_PACKAGE_DIR: PACKAGE_DIR },
  });
  let result: { mips: number | null; error: string | null };
  if (section === 'x86-run') {
    const stats = /x86-run: .*instructions.*/.exec(r.stderr)?.[0] ?? null;
    const m = stats ? /\(([\d.]+) MIPS\)/.exec(stats) : null;
    result = { mips: m ? Number(m[1]) : null, error: r.status === 0 ? null : `exit ${r.status}: ${r.stderr.trim().split('\n').pop()}` };
  } else {
    if (r.status !== 0) {
      process.stderr.write(r.stderr);
      process.exit(1);
    }
    result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { mips: number | null; error: string | null };
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no profile written');
  const map = new SourceMap(`${bundle}.map`);
  const strip = (p: string): string => {
    if (p.startsWith('node:')) return p;
    const abs = p.startsWith('/') ? p : join(dir, p);
    return relative(PACKAGE_DIR, abs);
  };
  const s = summariseProfile(join(profDir, file), map, strip);
  const mips = result.mips === null ? 'n/a' : result.mips.toFixed(1);
  console.log(
    `cpu-x86 ${section === 'x86-run' ? `x86-run ${programArgs.join(' ')}` : `${section} loop`}: ${mips} MIPS under the profiler${noInline ? ' (inlining off)' : ''}` +
      `${result.error ? `, guest error: ${result.error}` : ''}; ${s.totalMs.toFixed(0)} ms sampled`,
  );
  console.log(`profile: ${relative(PACKAGE_DIR, join(profDir, file))}\n`);
  console.log('| self % | total % | function | where | hottest lines (% of all samples) |');
  console.log('| ---: | ---: | --- | --- | --- |');
  for (const f of s.functions.slice(0, top)) {
    const lines = f.hotLines.filter((l) => l.pct >= 0.5).map((l) => `${l.where} ${l.pct.toFixed(1)}`).join(', ');
    console.log(`| ${f.selfPct.toFixed(1)} | ${f.totalPct.toFixed(1)} | ${f.name} | ${f.where} | ${lines} |`);
  }
}

main();
