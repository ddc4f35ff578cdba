// xen start: boot the hypervisor with the domains of the configuration in a background process
// that serves the control socket, then attach this terminal to the first domU's console with
// the boot log. ^] detaches; the hypervisor keeps running until `xen stop`.
// xen serve: the same machine in this process, without a console (what `xen start` runs).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { attachConsole } from '../client/console-attach.js';
import type { Command, CommandContext } from '../command.js';
import { ConfigError } from '../config/config-error.js';
import { loadStartConfig, type LoadedConfig } from '../config/host-config.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { HostError } from '../server/host-error.js';
import { HypervisorServer } from '../server/hypervisor-server.js';
import { describeAttachEnd } from './console.js';

const CONFIG_HELP =
  'CONFIG: any number of xl.cfg domain files (they have name = …) and at most one host file (scheduler, pcpus,\n' +
  'memory, paging, plugins, pace, domains = [ … ]). Without CONFIG: the built-in default, a xenolinux domain from the\n' +
  "guest port of @xen-ts/guest-xenolinux. See the package README for both formats.";

const paceOptions = {
  pace: { type: 'string', help: '    --pace X       simulated seconds per wall-clock second (default: the host file, 1)' },
  fast: { type: 'boolean', help: '    --fast         no pacing: run as fast as the host can (--pace 0)' },
} as const;

function loadConfig(ctx: CommandContext): LoadedConfig {
  const loaded = loadStartConfig(
    ctx.args.map((f) => resolve(ctx.io.cwd, f)),
    (p) => readFileSync(p, 'utf8'),
  );
  const pace = paceOf(ctx);
  if (pace !== undefined) loaded.host.pace = pace;
  return loaded;
}

function paceOf(ctx: CommandContext): number | undefined {
  if (ctx.values['fast'] === true) return 0;
  const p = ctx.values['pace'];
  if (typeof p !== 'string') return undefined;
  const n = Number(p);
  if (p.trim() === '' || !(n >= 0) || !Number.isFinite(n)) throw new CliError(ExitCode.USAGE, `--pace expects a number ≥ 0 (0 = unpaced), got '${p}'`);
  return n;
}

/** The error of a failed server start, as an exit code. */
function startFailure(e: unknown): CliError {
  if (e instanceof ConfigError) return new CliError(ExitCode.CONFIG, e.message);
  if (e instanceof HostError) {
    if (e.code === 'EADDRINUSE') return new CliError(ExitCode.ALREADY_RUNNING, e.message);
    return new CliError(ExitCode.FAILED, e.message);
  }
  return new CliError(ExitCode.INTERNAL, (e as Error).stack ?? String(e));
}

/** The module to run in the background process: this package's entry point. */
function entryModule(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../main.${ext}`, import.meta.url));
}

/** Starts `xen serve --daemon-child` detached and waits for it to report ready or failed. */
async function spawnDaemon(ctx: CommandContext, files: string[], pace: number | undefined): Promise<number> {
  const logPath = `${ctx.socketPath}.log`;
  const { prepareSocketDir } = await import('../socket-path.js');
  prepareSocketDir(ctx.socketPath);
  const logFd = openSync(logPath, 'a', 0o600);
  const args = [...process.execArgv, entryModule(), 'serve', '--daemon-child', '--held', '--socket', ctx.socketPath];
  if (pace !== undefined) args.push('--pace', String(pace));
  args.push('--', ...files);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', logFd], env: ctx.io.env, cwd: ctx.io.cwd });
  closeSync(logFd);
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string | null>((resolveLine) => {
    lines.once('line', (l) => resolveLine(l));
    child.once('exit', () => resolveLine(null));
  });
  lines.close();
  child.stdout!.destroy();
  if (first === null) throw new CliError(ExitCode.INTERNAL, `the hypervisor process exited before it was ready; see ${logPath}`);
  const msg = JSON.parse(first) as { ready?: boolean; pid?: number; error?: string; exit?: number };
  if (msg.ready !== true) throw new CliError(msg.exit ?? ExitCode.INTERNAL, msg.error ?? 'the hypervisor did not start');
  child.unref();
  return msg.pid ?? child.pid ?? 0;
}

export const startCommand: Command = {
  name: 'start',
  summary: 'boot the hypervisor with the configured domains and attach to the first console',
  usage: 'xen start [--foreground] [--detach] [--no-tty] [--pace X|--fast] [CONFIG...]',
  details:
    `${CONFIG_HELP}\n\n` +
    'The hypervisor runs in a background process that serves the control socket; this terminal shows the boot log\n' +
    'and the first domU console. Ctrl+] detaches (the machine keeps running), Ctrl+C goes to the guest.\n' +
    'Reattach with xen console, stop with xen stop. Its stderr goes to SOCKET.log.',
  options: {
    foreground: { type: 'boolean', short: 'F', help: '-F, --foreground  run the hypervisor in this process (it ends with xen stop or a signal)' },
    detach: { type: 'boolean', short: 'd', help: '-d, --detach      do not attach a console' },
    'no-tty': { type: 'boolean', help: '    --no-tty      do not put the terminal in raw mode (pipes, scripts)' },
    ...paceOptions,
  },
  async run(ctx) {
    // Check everything here, where errors can be shown with file:line, before going to the background.
    let loaded: LoadedConfig;
    try {
      loaded = loadConfig(ctx);
    } catch (e) {
      throw startFailure(e);
    }
    const { request } = await import('../client/control-client.js');
    // The machine was started held: attach first, then let it run, so the boot is seen whole.
    const attachThenRelease = async (): Promise<void> => {
      const domains = (await request(ctx.socketPath, 'list')) as { id: number; name: string }[];
      const domU = domains.find((d) => d.id !== 0);
      if (domU === undefined || ctx.values['detach'] === true) {
        await request(ctx.socketPath, 'release');
        return;
      }
      const attached = attachConsole(ctx.socketPath, domU.id, ctx.io, { raw: ctx.values['no-tty'] !== true, log: true }, () =>
        request(ctx.socketPath, 'release').then(() => undefined),
      );
      ctx.err(describeAttachEnd(await attached));
    };

    if (ctx.values['foreground'] === true) {
      let server: HypervisorServer;
      let stopped!: () => void;
      const done = new Promise<void>((r) => (stopped = r));
      try {
        server = await HypervisorServer.start(loaded.host, loaded.domains, { socketPath: ctx.socketPath, held: true, onExit: () => stopped() });
      } catch (e) {
        throw startFailure(e);
      }
      const onSignal = (): void => void server.stop().then(stopped);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      await attachThenRelease();
      ctx.err(`[the hypervisor keeps running in this process (pid ${process.pid}) on ${ctx.socketPath}: xen list, xen console, xen stop]`);
      await done;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      return ExitCode.OK;
    }

    const pid = await spawnDaemon(ctx, ctx.args.map((f) => resolve(ctx.io.cwd, f)), paceOf(ctx));
    if (ctx.values['detach'] === true || loaded.domains.length === 0) {
      await request(ctx.socketPath, 'release');
      ctx.err(`hypervisor started (pid ${pid}) on ${ctx.socketPath}${loaded.domains.length === 0 ? ' with no domains: xen create CONFIG' : ''}`);
      return ExitCode.OK;
    }
    await attachThenRelease();
    return ExitCode.OK;
  },
};

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the hypervisor in this process without a console, printing its log',
  usage: 'xen serve [--pace X|--fast] [CONFIG...]',
  details: `${CONFIG_HELP}\n\nWhat xen start runs in the background. Ends with xen stop, SIGINT or SIGTERM.`,
  options: {
    ...paceOptions,
    held: { type: 'boolean', help: "    --held          build the machine but run it only after a 'release' request" },
    'daemon-child': { type: 'boolean', help: '    --daemon-child  (internal) report ready/failed as one JSON line on stdout, then stay quiet' },
  },
  async run(ctx) {
    const child = ctx.values['daemon-child'] === true;
    let server: HypervisorServer;
    let stopped!: () => void;
    const done = new Promise<void>((r) => (stopped = r));
    try {
      const loaded = loadConfig(ctx);
      server = await HypervisorServer.start(loaded.host, loaded.domains, {
        socketPath: ctx.socketPath,
        onExit: (why, fault) => {
          if (why === 'fault') ctx.err(`xen: host fault, machine stopped: ${(fault as Error)?.stack ?? String(fault)}`);
          stopped();
        },
        held: ctx.values['held'] === true,
        ...(child ? {} : { logSink: (line: string) => ctx.out(line) }),
      });
    } catch (e) {
      const failure = e instanceof CliError ? e : startFailure(e);
      if (child) {
        ctx.out(JSON.stringify({ error: failure.message, exit: failure.exitCode }));
        return failure.exitCode;
      }
      throw failure;
    }
    if (child) ctx.out(JSON.stringify({ ready: true, pid: process.pid }));
    const onSignal = (): void => void server.stop().then(stopped);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (child) process.once('SIGHUP', () => undefined);
    await done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return ExitCode.OK;
  },
};
