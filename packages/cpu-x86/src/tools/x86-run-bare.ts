/**
 * The bare-metal modes of x86-run:
 *
 *   x86-run --rom IMAGE [options]         firmware image started at the reset vector
 *   x86-run --multiboot KERNEL [options]  Multiboot v1 kernel, entered as QEMU -kernel does
 *
 * Options:
 *   --ram SIZE             RAM size: a number of MiB (as QEMU's -m), or with a
 *                          K/M/G suffix; default 16M
 *   --port-log PORT        print each byte written to PORT (e.g. 0xe9) on stderr
 *                          as two hex digits, one per line; may be repeated
 *   --dump                 print the final registers on stderr (register-dump.ts)
 *   --max-instructions N   stop after N instructions
 *   --append TEXT          (multiboot) kernel command line after the kernel path
 *   --module "FILE ARGS"   (multiboot) load a module; the whole string is its
 *                          command line, as in QEMU's -initrd; may be repeated
 *
 * The guest's console (port 0xE9 and COM1) goes to stdout; port logs, the
 * dump and diagnostics go to stderr.
 *
 * Exit status: a write of V to isa-debug-exit (port 0xF4) ends the run with
 * (V << 1) | 1, truncated to 8 bits as the OS does to QEMU's exit() (always
 * odd). The other ends give even statuses so they cannot be mistaken for it:
 *   0  HLT with interrupts disabled (or enabled: nothing can wake this machine)
 *   2  usage error or an image that cannot be loaded
 *   4  triple fault (shutdown)
 *   6  --max-instructions reached
 */
import { readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConsoleOutput, type ByteSink } from '../machine/console-output.js';
import type { BareMachine, BareMachineOptions, MachineEnd } from '../machine/bare-machine.js';
import { MultibootMachine, type ModuleImage } from '../machine/multiboot.js';
import { formatRegisterDump } from '../machine/register-dump.js';
import { RomMachine } from '../machine/rom-machine.js';

export const EXIT_HALT = 0;
export const EXIT_USAGE = 2;
export const EXIT_SHUTDOWN = 4;
export const EXIT_LIMIT = 6;

export const BARE_USAGE = `usage: x86-run --rom IMAGE [options]
       x86-run --multiboot KERNEL [--append TEXT] [--module "FILE ARGS"]... [options]
options: --ram SIZE (MiB, or K/M/G suffix; default 16M)  --port-log PORT  --dump  --max-instructions N`;

/** Where runBareMetal reads and writes (defaults: the process's files and streams). */
export interface BareMetalIo {
  stdout?: ByteSink;
  stderr?: (text: string) => void;
  readFile?: (path: string) => Uint8Array;
}

interface BareArgs {
  mode: 'rom' | 'multiboot';
  image: string;
  ramBytes: number;
  portLog: number[];
  dump: boolean;
  maxInstructions: number;
  append: string;
  modules: string[];
}

class UsageError extends Error {}

function parseNumber(text: string, what: string): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^[0-9]+$/.test(text) ? parseInt(text, 10) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what}: "${text}" is not a number`);
  return n;
}

/** "16" (MiB), "16M", "512K", "1G" -> bytes. */
export function parseRamSize(text: string): number {
  const m = /^([0-9]+)([KMG]?)(i?B)?$/i.exec(text);
  if (m === null) throw new UsageError(`--ram: "${text}" is not a size (e.g. 16, 16M, 512K)`);
  const unit = { '': 1 << 20, K: 1 << 10, M: 1 << 20, G: 1 << 30 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const bytes = parseInt(m[1], 10) * unit;
  if (bytes < 1 << 20 || bytes % 4096 !== 0 || bytes > 0xf000_0000) {
    throw new UsageError(`--ram: ${text} must be a multiple of 4 KiB between 1 MiB and 3840 MiB`);
  }
  return bytes;
}

function parseArgs(args: readonly string[]): BareArgs {
  const out: BareArgs = {
    mode: 'rom', image: '', ramBytes: 16 << 20, portLog: [], dump: false,
    maxInstructions: Number.POSITIVE_INFINITY, append: '', modules: [],
  };
  let modeSet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--rom':
      case '--multiboot':
        if (modeSet) throw new UsageError('give one of --rom and --multiboot, once');
        modeSet = true;
        out.mode = a === '--rom' ? 'rom' : 'multiboot';
        out.image = value();
        break;
      case '--ram':
        out.ramBytes = parseRamSize(value());
        break;
      case '--port-log': {
        const p = parseNumber(value(), '--port-log');
        if (p > 0xffff) throw new UsageError(`--port-log: port ${p} is above 0xFFFF`);
        out.portLog.push(p);
        break;
      }
      case '--dump':
        out.dump = true;
        break;
      case '--max-instructions':
        out.maxInstructions = parseNumber(value(), '--max-instructions');
        break;
      case '--append':
        out.append = value();
        break;
      case '--module':
        out.modules.push(value());
        break;
      default:
        throw new UsageError(`unknown argument "${a}"`);
    }
  }
  if (!modeSet) throw new UsageError('give --rom IMAGE or --multiboot KERNEL');
  if (out.mode === 'rom' && (out.append !== '' || out.modules.length > 0)) {
    throw new UsageError('--append and --module only apply to --multiboot');
  }
  return out;
}

/** Writes to fd 1; once the reader has gone (EPIPE, e.g. `| head`), output is dropped. */
function processStdout(): ByteSink {
  let closed = false;
  return (bytes) => {
    if (closed) return;
    try {
      writeSync(1, bytes);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
      closed = true;
    }
  };
}

/** Maps how the run ended to the process exit status (see the file comment). */
export function exitStatusOf(end: MachineEnd): number {
  switch (end.kind) {
    case 'debug-exit': return end.status & 0xff;
    case 'halt':
    case 'idle-halt': return EXIT_HALT;
    case 'shutdown': return EXIT_SHUTDOWN;
    case 'limit': return EXIT_LIMIT;
  }
}

function describeEnd(end: MachineEnd, m: BareMachine): string | undefined {
  const eip = `${m.cpu.segSel[1].toString(16).padStart(4, '0')}:${(m.cpu.eip >>> 0).toString(16).padStart(8, '0')}`;
  switch (end.kind) {
    case 'idle-halt':
      return `x86-run: HLT at ${eip} with interrupts enabled; this machine has no interrupt source, so the run ends here\n`;
    case 'shutdown':
      return `x86-run: triple fault (shutdown) at ${eip}\n`;
    case 'limit':
      return `x86-run: instruction limit reached at ${eip}\n`;
    default:
      return undefined;
  }
}

/** Runs `x86-run --rom/--multiboot ...`; returns the exit status. */
export function runBareMetal(args: readonly string[], io: BareMetalIo = {}): number {
  const stdout: ByteSink = io.stdout ?? processStdout();
  const stderr = io.stderr ?? ((t: string) => void writeSync(2, t));
  const readFile = io.readFile ?? ((p: string) => new Uint8Array(readFileSync(p)));
  let parsed: BareArgs;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    stderr(`x86-run: ${e.message}\n${BARE_USAGE}\n`);
    return EXIT_USAGE;
  }
  const log = new ConsoleOutput((b) => stderr(Buffer.from(b).toString('latin1')), false);
  const options: BareMachineOptions = {
    ramBytes: parsed.ramBytes,
    console: stdout,
    portLog: parsed.portLog,
    portLogSink: (line) => log.putString(line),
  };
  let machine: BareMachine;
  try {
    const image = readFile(parsed.image);
    if (parsed.mode === 'rom') {
      machine = new RomMachine({ ...options, rom: image });
    } else {
      const modules: ModuleImage[] = parsed.modules.map((spec) => {
        const file = spec.split(' ')[0];
        return { data: readFile(file), cmdline: spec };
      });
      const mb = new MultibootMachine({ ...options, kernel: image, kernelPath: parsed.image, append: parsed.append, modules });
      for (const w of mb.boot.warnings) stderr(`x86-run: warning: ${w}\n`);
      machine = mb;
    }
  } catch (e) {
    stderr(`x86-run: ${parsed.image}: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const end = machine.run(parsed.maxInstructions);
  log.flush();
  const note = describeEnd(end, machine);
  if (note !== undefined) stderr(note);
  if (parsed.dump) stderr(formatRegisterDump(machine.cpu));
  return exitStatusOf(end);
}

// Standalone: `tsx src/tools/x86-run-bare.ts --rom IMAGE ...`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runBareMetal(process.argv.slice(2));
}
