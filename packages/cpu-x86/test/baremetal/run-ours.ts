// Runs a bare-metal image on cpu-x86 through the x86-run CLI entry point
// (runBareMetal), with the port log of 0xE9 on (captured) stderr.
import { CapturedOutput } from '../../src/machine/console-output.js';
import { parsePortLog } from '../../src/machine/port-log.js';
import { runBareMetal } from '../../src/tools/x86-run-bare.js';
import { extractLog, MULTIBOOT_APPEND, RAM_MIB } from './oracles.js';

export interface OurRun {
  /** The program's log, rebuilt from the --port-log lines. */
  log: string;
  /** What the guest console (0xE9 and COM1) printed on stdout. */
  console: string;
  /** stderr without the port-log lines. */
  notes: string;
  status: number;
}

export function runOurs(mode: '--rom' | '--multiboot', image: string): OurRun {
  const stdout = new CapturedOutput();
  let stderr = '';
  const args = [mode, image, '--ram', `${RAM_MIB}M`, '--port-log', '0xe9'];
  if (mode === '--multiboot') args.push('--append', MULTIBOOT_APPEND);
  const status = runBareMetal(args, { stdout: stdout.sink, stderr: (t) => void (stderr += t) });
  const lines = stderr.split('\n');
  const logged = lines.filter((l) => /^[0-9a-f]{2}$/.test(l)).join('\n');
  const log = Buffer.from(parsePortLog(logged)).toString('latin1');
  return {
    log: extractLog(log),
    console: stdout.text(),
    notes: lines.filter((l) => l.length > 0 && !/^[0-9a-f]{2}$/.test(l)).join('\n'),
    status,
  };
}
