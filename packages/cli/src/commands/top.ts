// xen top: xentop over the control socket. CPU(%) is simulated CPU time over simulated time
// between two samples (the model's clock, not the host's), 100% = one pCPU.
import { request } from '../client/control-client.js';
import type { Command } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { table } from '../format.js';
import type { TopSnapshot } from '../server/xen-host.js';

export function formatTop(now: TopSnapshot, before: TopSnapshot | undefined): string {
  const dt = before === undefined ? now.nowNs : now.nowNs - before.nowNs;
  const prev = new Map((before?.domains ?? []).map((d) => [d.id, d]));
  const totalKb = now.memoryMb * 1024;
  const header =
    `xen-ts  ${(now.nowNs / 1e9).toFixed(3)} s simulated  scheduler ${now.scheduler}  ${now.pcpus} pCPU(s)  ` +
    `Mem: ${totalKb}k total, ${(now.memoryMb - now.freeMb) * 1024}k used, ${now.freeMb * 1024}k free  ` +
    `hypercalls ${now.hypercalls}  switches ${now.contextSwitches}`;
  const rows = now.domains.map((d) => {
    const p = prev.get(d.id);
    const cpu = dt > 0 ? ((d.cpuNs - (p?.cpuNs ?? 0)) / dt) * 100 : 0;
    return [
      d.name,
      d.state,
      (d.cpuNs / 1e9).toFixed(1),
      cpu.toFixed(1),
      d.mem * 1024,
      ((d.mem / now.memoryMb) * 100).toFixed(1),
      d.maxMem * 1024,
      d.vcpus,
      d.hypercalls - (p?.hypercalls ?? 0),
      d.upcalls - (p?.upcalls ?? 0),
      d.bounces - (p?.bounces ?? 0),
    ];
  });
  const t = table(
    ['NAME', 'STATE', 'CPU(sec)', 'CPU(%)', 'MEM(k)', 'MEM(%)', 'MAXMEM(k)', 'VCPUS', 'HCALLS', 'UPCALLS', 'BOUNCES'],
    rows,
    [false, false, true, true, true, true, true, true, true, true, true],
  );
  return `${header}\n${t}`;
}

export const topCommand: Command = {
  name: 'top',
  summary: 'live per-domain CPU, memory and hypervisor-entry figures (xentop)',
  usage: 'xen top [--once] [-b] [-d SECONDS] [-i N] [--json]',
  details:
    'CPU(%) and the HCALLS/UPCALLS/BOUNCES counts are per refresh interval (with --once: since boot), measured in simulated time.\n' +
    'Interactive: q or Esc quits.',
  options: {
    once: { type: 'boolean', help: '    --once      one sample and exit (for scripts)' },
    batch: { type: 'boolean', short: 'b', help: '-b, --batch     do not clear the screen between samples' },
    delay: { type: 'string', short: 'd', help: '-d, --delay S   seconds between refreshes (default 1)' },
    iterations: { type: 'string', short: 'i', help: '-i, --iterations N  stop after N samples' },
  },
  json: true,
  async run(ctx) {
    const delay = ctx.values['delay'] === undefined ? 1 : Number(ctx.values['delay']);
    if (!(delay > 0) || !Number.isFinite(delay)) throw new CliError(ExitCode.USAGE, `--delay expects seconds > 0, got '${String(ctx.values['delay'])}'`);
    const iterations = ctx.values['once'] === true ? 1 : ctx.values['iterations'] === undefined ? Infinity : Number(ctx.values['iterations']);
    if (!(iterations >= 1) || (Number.isFinite(iterations) && !Number.isInteger(iterations))) {
      throw new CliError(ExitCode.USAGE, `--iterations expects a whole number ≥ 1, got '${String(ctx.values['iterations'])}'`);
    }
    const stdout = ctx.io.stdout as NodeJS.WritableStream & { isTTY?: boolean };
    const clear = ctx.values['batch'] !== true && iterations !== 1 && !ctx.json && stdout.isTTY === true;
    let quit = false;
    let wake: (() => void) | undefined;
    const stdin = ctx.io.stdin;
    const interactive = clear && stdin.isTTY === true && typeof stdin.setRawMode === 'function';
    const onKey = (k: Buffer | string): void => {
      const s = k.toString();
      if (s === 'q' || s === 'Q' || s === '\x1b' || s === '\x03') {
        quit = true;
        wake?.();
      }
    };
    if (interactive) {
      stdin.setRawMode!(true);
      stdin.on('data', onKey);
      stdin.resume();
    }
    try {
      let before: TopSnapshot | undefined;
      for (let n = 0; n < iterations && !quit; n++) {
        const snap = (await request(ctx.socketPath, 'top')) as TopSnapshot;
        if (ctx.json) ctx.out(JSON.stringify(snap));
        else {
          if (clear) stdout.write('\x1b[H\x1b[2J');
          ctx.out(formatTop(snap, before));
          if (!clear && n + 1 < iterations) ctx.out('');
        }
        before = snap;
        if (n + 1 < iterations) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, delay * 1000);
          });
        }
      }
    } finally {
      if (interactive) {
        stdin.off('data', onKey);
        stdin.pause();
        stdin.setRawMode!(false);
      }
    }
    return ExitCode.OK;
  },
};
