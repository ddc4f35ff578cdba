// Attaches the terminal to a domain's console, as `xl console`: raw mode, every keystroke to the
// guest (^C included), ^] (0x1d, xl's default escape) detaches and leaves the domain running.
import type { ConsoleMessage } from '../protocol.js';
import { openConsole } from './control-client.js';

/** xl console's default escape character: Ctrl+] (GS, 0x1d). */
export const DETACH_BYTE = 0x1d;

export interface TerminalIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface AttachOptions {
  /** Put a TTY stdin in raw mode (false: --no-tty, keystrokes pass through as read). */
  raw: boolean;
  /** Also show the hypervisor log (boot progress) interleaved with the console. */
  log: boolean;
  /** Replay the console output the domain produced before we attached. */
  replay?: boolean;
}

export interface AttachOutcome {
  how: 'detached' | 'ended' | 'lost';
  reason: string;
  domid: number;
  name: string;
}

/** `onAttached` runs once the session is open and the earlier output shown (xen start releases the machine there). */
export async function attachConsole(
  socketPath: string,
  domain: string | number | undefined,
  io: TerminalIo,
  options: AttachOptions,
  onAttached?: () => Promise<void>,
): Promise<AttachOutcome> {
  // The log repeats what the attached guest prints with console_io as "(dN) ..." lines: shown once.
  const filter: { guestLine?: RegExp } = {};
  const showLog = (line: string): void => {
    if (filter.guestLine === undefined || !filter.guestLine.test(line)) io.stdout.write(`${line}\n`);
  };
  const show = (m: ConsoleMessage): void => {
    if (m.stream === 'out') io.stdout.write(m.data);
    else if (m.stream === 'log') showLog(m.line);
  };
  const stream = await openConsole(socketPath, domain, { log: options.log, replay: options.replay !== false }, show);
  filter.guestLine = new RegExp(`^\\(XEN\\) \\[[0-9.]+\\] \\(d${stream.info.domid}\\) `);
  for (const line of stream.info.log) showLog(line);
  io.stdout.write(stream.info.replay);
  await onAttached?.();

  const raw = options.raw && io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
  if (raw) io.stdin.setRawMode!(true);
  let detached = false;
  const onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const at = bytes.indexOf(DETACH_BYTE);
    const forward = at < 0 ? bytes : bytes.subarray(0, at);
    if (forward.length > 0) stream.input(forward.toString('latin1'));
    if (at >= 0) {
      detached = true;
      stream.close();
    }
  };
  io.stdin.on('data', onData);
  io.stdin.resume();
  const reason = await stream.ended;
  io.stdin.off('data', onData);
  io.stdin.pause();
  if (raw) io.stdin.setRawMode!(false);
  const how = detached ? 'detached' : reason === 'connection lost' ? 'lost' : 'ended';
  return { how, reason, domid: stream.info.domid, name: stream.info.name };
}
