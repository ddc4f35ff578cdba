// Host-wide commands: info, dmesg, trace, stop.
import { resolve } from 'node:path';
import { request } from '../client/control-client.js';
import type { Command } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'what the running hypervisor is (scheduler, pCPUs, memory, simulated time)',
  usage: 'xen info [--json]',
  options: {},
  json: true,
  async run(ctx) {
    const info = (await request(ctx.socketPath, 'info')) as Record<string, unknown>;
    if (ctx.json) ctx.out(JSON.stringify(info, null, 2));
    else for (const [k, v] of Object.entries(info)) ctx.out(`${k.padEnd(12)}: ${String(v)}`);
    return ExitCode.OK;
  },
};

export const dmesgCommand: Command = {
  name: 'dmesg',
  summary: "print the hypervisor's log",
  usage: 'xen dmesg [-c] [--json]',
  options: { clear: { type: 'boolean', short: 'c', help: '-c, --clear  clear the log after printing it' } },
  json: true,
  async run(ctx) {
    const lines = (await request(ctx.socketPath, 'dmesg', { clear: ctx.values['clear'] === true })) as string[];
    if (ctx.json) ctx.out(JSON.stringify(lines));
    else if (lines.length > 0) ctx.out(lines.join('\n'));
    return ExitCode.OK;
  },
};

export const traceCommand: Command = {
  name: 'trace',
  summary: 'record a trace and write it for Perfetto / chrome://tracing',
  usage: 'xen trace start | stop | status | save FILE | FILE',
  details:
    'start/stop switch recording; save FILE (or just FILE) writes what was recorded as Chrome trace-event JSON,\n' +
    'which ui.perfetto.dev and chrome://tracing open. Records hypercalls, bounces, events, context switches, domain life cycle.',
  options: {},
  json: true,
  async run(ctx) {
    const [first, second] = ctx.args;
    if (first === undefined || ctx.args.length > 2) throw new CliError(ExitCode.USAGE, "trace needs start, stop, status or save FILE; see 'xen trace --help'");
    let r: { on: boolean; path?: string; bytes?: number };
    if (first === 'start' || first === 'stop' || first === 'status') {
      if (second !== undefined) throw new CliError(ExitCode.USAGE, `trace ${first} takes no argument`);
      r = (await request(ctx.socketPath, 'trace', { action: first })) as typeof r;
    } else {
      const file = first === 'save' ? second : first;
      if (file === undefined || (first !== 'save' && second !== undefined)) throw new CliError(ExitCode.USAGE, 'trace save needs one FILE');
      r = (await request(ctx.socketPath, 'trace', { action: 'save', path: resolve(ctx.io.cwd, file) })) as typeof r;
    }
    if (ctx.json) ctx.out(JSON.stringify(r));
    else if (r.path !== undefined) ctx.err(`wrote ${r.path} (${r.bytes} bytes); recording is ${r.on ? 'on' : 'off'}`);
    else ctx.out(`tracing ${r.on ? 'on' : 'off'}`);
    return ExitCode.OK;
  },
};

export const stopCommand: Command = {
  name: 'stop',
  summary: 'destroy every domain and stop the hypervisor',
  usage: 'xen stop',
  options: {},
  async run(ctx) {
    if (ctx.args.length > 0) throw new CliError(ExitCode.USAGE, 'stop takes no argument');
    await request(ctx.socketPath, 'stop');
    return ExitCode.OK;
  },
};
