// xen console: attach the terminal to a domain's PV console (xl console); ^] detaches.
import { attachConsole, type AttachOutcome } from '../client/console-attach.js';
import type { Command } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';

export function describeAttachEnd(end: AttachOutcome): string {
  if (end.how === 'detached') return `\r\n[detached from '${end.name}' (d${end.domid}); it keeps running — xen console ${end.name} to come back]`;
  if (end.how === 'lost') return `\r\n[connection to the hypervisor lost]`;
  return `\r\n[${end.reason}]`;
}

export const consoleCommand: Command = {
  name: 'console',
  summary: "attach to a domain's console (detach with ^])",
  usage: 'xen console [--no-tty] [--log] [--no-replay] [DOM]',
  details:
    'Keystrokes go to the guest, ^C included; Ctrl+] detaches and leaves the domain running. Without DOM: the first domU.\n' +
    'The output the domain printed before you attached is shown first (up to 64 KiB).',
  options: {
    'no-tty': { type: 'boolean', help: '    --no-tty     do not put the terminal in raw mode (for pipes and scripts)' },
    log: { type: 'boolean', help: '    --log        interleave the hypervisor log (xen dmesg)' },
    'no-replay': { type: 'boolean', help: '    --no-replay  do not show earlier output' },
  },
  async run(ctx) {
    if (ctx.args.length > 1) throw new CliError(ExitCode.USAGE, "console takes at most one domain; see 'xen console --help'");
    const end = await attachConsole(ctx.socketPath, ctx.args[0], ctx.io, {
      raw: ctx.values['no-tty'] !== true,
      log: ctx.values['log'] === true,
      replay: ctx.values['no-replay'] !== true,
    });
    ctx.err(describeAttachEnd(end));
    return end.how === 'lost' ? ExitCode.NOT_RUNNING : ExitCode.OK;
  },
};
