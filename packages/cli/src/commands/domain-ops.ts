// xl's domain commands over the control socket: list, create, destroy, pause, unpause,
// shutdown, reboot.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { attachConsole } from '../client/console-attach.js';
import { request } from '../client/control-client.js';
import type { Command, CommandContext } from '../command.js';
import { domainFromXl } from '../config/domain-config.js';
import { readConfigFile } from '../config/host-config.js';
import { parseXlConfig } from '../config/xl-cfg.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { table } from '../format.js';
import type { ListRow } from '../server/xen-host.js';
import { describeAttachEnd } from './console.js';

function oneDomain(ctx: CommandContext, cmd: string): string {
  if (ctx.args.length !== 1) throw new CliError(ExitCode.USAGE, `${cmd} takes one domain (a name or an id); see 'xen ${cmd} --help'`);
  return ctx.args[0]!;
}

export function formatList(rows: readonly ListRow[]): string {
  return table(
    ['Name', 'ID', 'Mem', 'VCPUs', 'State', 'Time(s)'],
    rows.map((r) => [r.name, r.id, r.mem, r.vcpus, r.state, r.time.toFixed(1)]),
    [false, true, true, true, false, true],
  );
}

export const listCommand: Command = {
  name: 'list',
  summary: 'list domains (Name ID Mem VCPUs State Time(s))',
  usage: 'xen list [-l|--json] [DOM...]',
  details: 'State: r running, b blocked, p paused, s shut down, c crashed, d dying. Time is simulated CPU seconds.',
  options: { long: { type: 'boolean', short: 'l', help: '-l, --long  JSON output (as xl list -l)' } },
  json: true,
  async run(ctx) {
    const rows = (await request(ctx.socketPath, 'list', ctx.args.length > 0 ? { domains: ctx.args } : {})) as ListRow[];
    ctx.out(ctx.json || ctx.values['long'] === true ? JSON.stringify(rows, null, 2) : formatList(rows));
    return ExitCode.OK;
  },
};

export const createCommand: Command = {
  name: 'create',
  summary: 'create a domain from an xl.cfg file',
  usage: 'xen create [-p] [-c] CONFIG [KEY=VALUE...]',
  details:
    'CONFIG is an xl.cfg domain file (name, memory, vcpus, kernel, ramdisk, cmdline/extra/root, on_*, disk, vif, cpu_weight, cap).\n' +
    "Trailing KEY=VALUE pairs override the file, e.g. 'memory=32' 'extra=\"debug\"'. Relative paths are relative to the file.",
  options: {
    paused: { type: 'boolean', short: 'p', help: '-p, --paused   leave the domain paused' },
    console: { type: 'boolean', short: 'c', help: '-c, --console  attach to its console at once' },
    quiet: { type: 'boolean', short: 'q', help: '-q, --quiet    print nothing on success' },
    'no-tty': { type: 'boolean', help: '    --no-tty   with -c: do not put the terminal in raw mode' },
  },
  json: true,
  async run(ctx) {
    const [file, ...overrides] = ctx.args;
    if (file === undefined) throw new CliError(ExitCode.USAGE, "create needs a config file; see 'xen create --help'");
    const path = resolve(ctx.io.cwd, file);
    const cfg = parseXlConfig(readConfigFile(file, (p) => readFileSync(resolve(ctx.io.cwd, p), 'utf8')), file);
    if (overrides.length > 0) {
      for (const o of overrides) {
        if (!o.includes('=')) throw new CliError(ExitCode.USAGE, `'${o}' is not KEY=VALUE`);
      }
      const extra = parseXlConfig(overrides.join('\n'), '<command line>');
      for (const [key, setting] of extra.settings) cfg.settings.set(key, setting);
    }
    const spec = domainFromXl(cfg, resolve(path, '..'));
    const r = (await request(ctx.socketPath, 'create', { spec, paused: ctx.values['paused'] === true })) as { domid: number; name: string };
    if (ctx.json) ctx.out(JSON.stringify(r));
    else if (ctx.values['quiet'] !== true) ctx.err(`Domain '${r.name}' created as d${r.domid}${ctx.values['paused'] === true ? ' (paused)' : ''}`);
    if (ctx.values['console'] === true) {
      const end = await attachConsole(ctx.socketPath, r.domid, ctx.io, { raw: ctx.values['no-tty'] !== true, log: false });
      ctx.err(describeAttachEnd(end));
    }
    return ExitCode.OK;
  },
};

function simpleDomainOp(name: 'destroy' | 'pause' | 'unpause', summary: string, details: string): Command {
  return {
    name,
    summary,
    usage: `xen ${name} DOM`,
    details,
    options: {},
    json: true,
    async run(ctx) {
      const r = (await request(ctx.socketPath, name, { domain: oneDomain(ctx, name) })) as { domid: number; name: string };
      if (ctx.json) ctx.out(JSON.stringify(r));
      return ExitCode.OK;
    },
  };
}

export const destroyCommand = simpleDomainOp('destroy', 'end a domain at once ("pulling the power cord")', 'Releases everything the domain holds.');
export const pauseCommand = simpleDomainOp('pause', 'stop scheduling a domain (its memory is kept)', 'Pauses nest: each pause needs an unpause.');
export const unpauseCommand = simpleDomainOp('unpause', 'resume a paused domain', 'Fails with exit code 1 when the domain is not paused.');

function shutdownLike(reboot: boolean): Command {
  const name = reboot ? 'reboot' : 'shutdown';
  return {
    name,
    summary: reboot ? 'ask a domain to reboot' : 'ask a domain to shut down',
    usage: `xen ${name} [-a] [-F] [DOM]`,
    details:
      `Writes "${reboot ? 'reboot' : 'poweroff'}" to the domain's xenstore control/shutdown (the PV control protocol); a guest that watches it ` +
      `${reboot ? 'reboots' : 'shuts down'}. -F does it from outside instead, for guests without PV control.`,
    options: {
      all: { type: 'boolean', short: 'a', help: '-a, --all    every domU' },
      force: { type: 'boolean', short: 'F', help: `-F, --force  ${reboot ? 'reboot' : 'shut down'} the domain from the hypervisor` },
    },
    json: true,
    async run(ctx) {
      const all = ctx.values['all'] === true;
      if (all ? ctx.args.length !== 0 : ctx.args.length !== 1) throw new CliError(ExitCode.USAGE, `${name} takes one domain, or -a; see 'xen ${name} --help'`);
      const r = (await request(ctx.socketPath, 'shutdown', { ...(all ? { all } : { domain: ctx.args[0] }), reboot, force: ctx.values['force'] === true })) as {
        domid: number;
        name: string;
        how: string;
      }[];
      if (ctx.json) ctx.out(JSON.stringify(r));
      else for (const d of r) ctx.err(`${d.how === 'forced' ? (reboot ? 'Rebooted' : 'Shut down') : `${reboot ? 'Reboot' : 'Shutdown'} requested for`} '${d.name}' (d${d.domid})`);
      return ExitCode.OK;
    },
  };
}

export const shutdownCommand = shutdownLike(false);
export const rebootCommand = shutdownLike(true);
