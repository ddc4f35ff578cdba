// The shape of one `xen` subcommand and what it is given to run.
import type { TerminalIo } from './client/console-attach.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line for --help, e.g. "-w, --weight N  credit weight 1..65535". */
  help: string;
}

export interface CliIo extends TerminalIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CommandContext {
  io: CliIo;
  /** Positional arguments after the command name. */
  args: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  socketPath: string;
  json: boolean;
  /** Writes a line to stdout. */
  out(text: string): void;
  /** Writes a line to stderr. */
  err(text: string): void;
}

export interface Command {
  name: string;
  /** One line for `xen --help`. */
  summary: string;
  /** Synopsis, e.g. "xen destroy DOM". */
  usage: string;
  /** More text for `xen CMD --help` (optional). */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Accepts --json. */
  json?: boolean;
  run(ctx: CommandContext): Promise<number>;
}
