/**
 * x86-run: runs a static (or dynamically linked, given an i386 loader on the
 * host) i386 Linux ELF program on the emulated CPU, like `qemu-i386`. The
 * program runs at CPL 3 with paging on; its system calls enter the TypeScript
 * kernel through INT 0x80 (src/linux). See README.md, section "x86-run".
 */
import { InstructionClock } from '../linux/clock.js';
import { ElfError } from '../linux/elf-loader.js';
import { LinuxProcess, type LinuxProcessOptions, writeStderr } from '../linux/linux-process.js';
import { runBareMetal } from './x86-run-bare.js';

const USAGE = `usage: x86-run [options] program [args...]
       x86-run --rom IMAGE [--port-log PORT] [--dump] [--ram MIB]
       x86-run --multiboot KERNEL [--append CMDLINE] [--module FILE] [--dump]

Runs an i386 Linux ELF program on the emulated CPU (user mode, like qemu-i386),
or boots bare-metal code: a ROM image at the reset vector, or a Multiboot kernel
(as QEMU's -kernel; port 0xE9 and COM1 to stdout, port 0xF4 ends the run).

options:
  -strace, --strace     print every system call to stderr
  -E VAR=value          set an environment variable for the program
  -U VAR                remove an environment variable
  --env-clear           start from an empty environment
  -0 ARGV0              pass ARGV0 as argv[0] instead of the program path
  -m, --memory MIB      emulated RAM in MiB (default 512)
  --seed N              seed for AT_RANDOM and getrandom (default 24301)
  --clock host|virtual  host time (default) or time derived from the instruction count
  --report-signals      say which signal killed the program and where (to stderr)
  --stats               print instruction and system call counts to stderr at exit
  -h, --help            this text
`;

function fail(msg: string, code = 2): never {
  writeStderr(`x86-run: ${msg}\n`);
  process.exit(code);
}

function parse(argv: string[]): { opts: LinuxProcessOptions; stats: boolean } {
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env.set(k, v);
  let argv0: string | undefined;
  let strace = false;
  let memoryMiB: number | undefined;
  let seed: number | undefined;
  let clock: 'host' | 'virtual' = 'host';
  let report = false;
  let stats = false;
  let i = 0;
  const value = (name: string): string => {
    if (i + 1 >= argv.length) fail(`${name} needs a value`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    switch (a) {
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      case '-strace':
      case '--strace':
        strace = true;
        break;
      case '-E': {
        const kv = value('-E');
        const eq = kv.indexOf('=');
        if (eq <= 0) fail(`-E wants VAR=value, got '${kv}'`);
        env.set(kv.slice(0, eq), kv.slice(eq + 1));
        break;
      }
      case '-U':
        env.delete(value('-U'));
        break;
      case '--env-clear':
        env.clear();
        break;
      case '-0':
        argv0 = value('-0');
        break;
      case '-m':
      case '--memory': {
        const v = Number(value(a));
        if (!Number.isInteger(v) || v < 4 || v > 3072) fail(`--memory wants MiB between 4 and 3072, got ${argv[i]}`);
        memoryMiB = v;
        break;
      }
      case '--seed': {
        const v = Number(value(a));
        if (!Number.isInteger(v)) fail(`--seed wants an integer, got ${argv[i]}`);
        seed = v;
        break;
      }
      case '--clock': {
        const v = value(a);
        if (v !== 'host' && v !== 'virtual') fail(`--clock is host or virtual, got ${v}`);
        clock = v;
        break;
      }
      case '--report-signals':
        report = true;
        break;
      case '--stats':
        stats = true;
        break;
      default:
        fail(`unknown option ${a} (see x86-run --help)`);
    }
  }
  if (i >= argv.length) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const program = argv[i];
  const args = argv.slice(i + 1);
  return {
    stats,
    opts: {
      program,
      argv: [argv0 ?? program, ...args],
      env: [...env].map(([k, v]) => `${k}=${v}`),
      memoryMiB,
      seed,
      clock: clock === 'virtual' ? (cpu) => new InstructionClock(cpu) : undefined,
      strace: strace ? (line) => writeStderr(`${line}\n`) : undefined,
      reportFatalSignals: report,
    },
  };
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv.includes('--rom') || argv.includes('--multiboot')) process.exit(runBareMetal(argv));
  const { opts, stats } = parse(argv);
  const proc = new LinuxProcess(opts);
  try {
    proc.start();
  } catch (e) {
    if (e instanceof ElfError) fail(e.message, e.exitCode);
    throw e;
  }
  const started = process.hrtime.bigint();
  const status = proc.run();
  if (stats) {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const n = proc.cpu.instructions;
    const calls = [...proc.syscallCounts.values()].reduce((a, b) => a + b, 0);
    writeStderr(
      `x86-run: ${n} instructions in ${secs.toFixed(3)} s (${(n / secs / 1e6).toFixed(1)} MIPS), ${calls} system calls, ` +
        `${proc.cpu.hostEntryCount} kernel entries, ${proc.as.frames.used} frames, exit ${status}\n`,
    );
  }
  process.exit(status);
}

main();
