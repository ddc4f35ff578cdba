// The control protocol between `xen` commands and a running hypervisor: JSON, one object per
// line (UTF-8, '\n'), over a unix domain socket. One request, one response; `console` turns the
// connection into a stream afterwards (output and log lines from the server, input from the
// client) until either side closes it.

export const PROTOCOL_VERSION = 1;

export type Op =
  | 'info'
  | 'list'
  | 'create'
  | 'destroy'
  | 'pause'
  | 'unpause'
  | 'shutdown'
  | 'sched'
  | 'dmesg'
  | 'trace'
  | 'top'
  | 'console'
  | 'release'
  | 'stop';

export interface Request {
  /** Echoed in the response. */
  id?: number;
  op: Op;
  [arg: string]: unknown;
}

export interface ErrorBody {
  /** Errno-style name: ESRCH, EINVAL, EEXIST, ENOMEM, ENOENT, EBADCONFIG, EPROTO, EIO. */
  code: string;
  message: string;
}

export type Response = { id?: number; ok: true; result: unknown } | { id?: number; ok: false; error: ErrorBody };

/** Server → client after a successful `console` response. */
export type ConsoleMessage =
  | { stream: 'out'; data: string }
  | { stream: 'log'; line: string }
  | { stream: 'end'; reason: string };

/** Client → server during a console session. */
export interface ConsoleInput {
  input: string;
}

/** Longest request line the server reads (a domain spec is small; anything longer is hostile). */
export const MAX_LINE = 1 << 20;

/** Splits a byte stream into lines; refuses a line longer than MAX_LINE. */
export class LineSplitter {
  private buffer = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() !== '') this.onLine(line);
    }
    if (this.buffer.length > MAX_LINE) {
      this.buffer = '';
      throw new Error(`protocol line longer than ${MAX_LINE} bytes`);
    }
  }
}
