// The `xen` command line: finds the subcommand, parses its options (strictly: a typo is a usage
// error, not a silent default), runs it and turns every failure into a message and an exit code.
import { parseArgs } from 'node:util';
import { NotRunningError, RequestError } from './client/control-client.js';
import type { CliIo, Command, CommandContext, OptionSpec } from './command.js';
import { consoleCommand } from './commands/console.js';
import { createCommand, destroyCommand, listCommand, pauseCommand, rebootCommand, shutdownCommand, unpauseCommand } from './commands/domain-ops.js';
import { dmesgCommand, infoCommand, stopCommand, traceCommand } from './commands/host-ops.js';
import { schedBvtCommand, schedCreditCommand } from './commands/sched.js';
import { serveCommand, startCommand } from './commands/start.js';
import { topCommand } from './commands/top.js';
import { ConfigError } from './config/config-error.js';
import { CliError, ExitCode, exitCodeForServerError } from './exit-codes.js';
import { defaultSocketPath } from './socket-path.js';

export const COMMANDS: readonly Command[] = [
  startCommand,
  listCommand,
  consoleCommand,
  createCommand,
  destroyCommand,
  pauseCommand,
  unpauseCommand,
  shutdownCommand,
  rebootCommand,
  topCommand,
  schedCreditCommand,
  schedBvtCommand,
  traceCommand,
  dmesgCommand,
  infoCommand,
  stopCommand,
  serveCommand,
];

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  socket: { type: 'string', help: '    --socket PATH  control socket (default: $XEN_TS_SOCKET, $XDG_RUNTIME_DIR/xen-ts/control.sock, /tmp/xen-ts-UID/control.sock)' },
  help: { type: 'boolean', short: 'h', help: '-h, --help         this help' },
};
const JSON_OPTION: OptionSpec = { type: 'boolean', help: '    --json         machine-readable output' };

const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 refused or failed, 2 usage, 3 configuration error, 4 no hypervisor running,
5 already running, 70 internal error.`;

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: xen COMMAND [OPTIONS] [ARGS]',
    '',
    'The xen-ts toolstack, modelled on xl. Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...Object.values(GLOBAL_OPTIONS).map((o) => `  ${o.help}`),
    '',
    "xen COMMAND --help shows a command's options.",
    EXIT_CODES_HELP,
  ].join('\n');
}

export function commandHelp(c: Command): string {
  const opts = { ...c.options, ...(c.json === true ? { json: JSON_OPTION } : {}), ...GLOBAL_OPTIONS };
  return [`usage: ${c.usage}`, '', c.summary, ...(c.details === undefined ? [] : ['', c.details]), '', 'Options:', ...Object.values(opts).map((o) => `  ${o.help}`), '', EXIT_CODES_HELP].join('\n');
}

/** Runs `xen ARGV` and returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const out = (text: string): void => void io.stdout.write(`${text}\n`);
  const err = (text: string): void => void io.stderr.write(`${text}\n`);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    out(topic === undefined ? mainHelp() : commandHelp(topic));
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (name === '--version' || name === '-V') {
    out('xen (xen-ts) 0.0.0, control protocol 1');
    return ExitCode.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    err(`xen: unknown command '${name}'; 'xen --help' lists the commands`);
    return ExitCode.USAGE;
  }
  const options = { ...command.options, ...(command.json === true ? { json: JSON_OPTION } : {}), ...GLOBAL_OPTIONS };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.short === undefined ? {} : { short: o.short }), ...(o.multiple === true ? { multiple: true } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    err(`xen ${name}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}; see 'xen ${name} --help'`);
    return ExitCode.USAGE;
  }
  const values = parsed.values as CommandContext['values'];
  if (values['help'] === true) {
    out(commandHelp(command));
    return ExitCode.OK;
  }
  const socketPath = typeof values['socket'] === 'string' ? values['socket'] : defaultSocketPath(io.env);
  const ctx: CommandContext = { io, args: parsed.positionals, values, socketPath, json: values['json'] === true, out, err };
  try {
    return await command.run(ctx);
  } catch (e) {
    const [code, message] = describeFailure(e);
    err(`xen ${name}: ${message}`);
    return code;
  }
}

function describeFailure(e: unknown): [number, string] {
  if (e instanceof CliError) return [e.exitCode, e.message];
  if (e instanceof ConfigError) return [ExitCode.CONFIG, e.message];
  if (e instanceof NotRunningError) return [ExitCode.NOT_RUNNING, e.message];
  if (e instanceof RequestError) return [exitCodeForServerError(e.code), e.message];
  return [ExitCode.INTERNAL, (e as Error)?.stack ?? String(e)];
}
