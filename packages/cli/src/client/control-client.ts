// The client end of the control socket: one request, one response; or a console stream.
import { createConnection, type Socket } from 'node:net';
import { LineSplitter, type ConsoleMessage, type Request, type Response } from '../protocol.js';

/** Could not reach a hypervisor (no socket, nobody listening): exit code NOT_RUNNING. */
export class NotRunningError extends Error {
  override readonly name = 'NotRunningError';
}

/** The server refused the request. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
        reject(new NotRunningError(`no hypervisor is running on ${path} (start one with 'xen start', or give --socket)`));
      } else {
        reject(e);
      }
    });
  });
}

/** Sends one request and returns its result; a refusal becomes a RequestError. */
export async function request(path: string, op: Request['op'], args: Record<string, unknown> = {}): Promise<unknown> {
  const socket = await connect(path);
  return new Promise((resolve, reject) => {
    let done = false;
    const lines = new LineSplitter((line) => {
      if (done) return;
      done = true;
      socket.end();
      const r = JSON.parse(line) as Response;
      if (r.ok) resolve(r.result);
      else reject(new RequestError(r.error.code, r.error.message));
    });
    socket.on('data', (chunk: string) => lines.push(chunk));
    socket.on('error', (e) => {
      if (!done) reject(e);
      done = true;
    });
    socket.on('close', () => {
      if (!done) reject(new RequestError('EPIPE', 'the hypervisor closed the connection without an answer'));
      done = true;
    });
    socket.write(`${JSON.stringify({ id: 1, op, ...args })}\n`);
  });
}

export interface ConsoleAttachResult {
  domid: number;
  name: string;
  replay: string;
  log: string[];
}

export interface ConsoleStream {
  readonly info: ConsoleAttachResult;
  /** Sends keystrokes to the guest. */
  input(text: string): void;
  /** Detaches (the domain keeps running). */
  close(): void;
  /** Resolves with the end reason, or 'detached' after close(), or 'connection lost'. */
  readonly ended: Promise<string>;
}

/** Opens a console session on `domain` (name or id; undefined = the first domU). */
export async function openConsole(
  path: string,
  domain: string | number | undefined,
  options: { log?: boolean; replay?: boolean },
  onMessage: (m: ConsoleMessage) => void,
): Promise<ConsoleStream> {
  const socket = await connect(path);
  let attached: ((r: ConsoleAttachResult) => void) | undefined;
  let failed: ((e: Error) => void) | undefined;
  let endReason: ((why: string) => void) | undefined;
  const ended = new Promise<string>((resolve) => (endReason = resolve));
  let closedByUs = false;
  let gotResponse = false;
  const lines = new LineSplitter((line) => {
    const msg = JSON.parse(line) as Response | ConsoleMessage;
    if (!gotResponse) {
      gotResponse = true;
      const r = msg as Response;
      if (r.ok) attached?.(r.result as ConsoleAttachResult);
      else failed?.(new RequestError(r.error.code, r.error.message));
      return;
    }
    const m = msg as ConsoleMessage;
    onMessage(m);
    if (m.stream === 'end') endReason?.(m.reason);
  });
  socket.on('data', (chunk: string) => lines.push(chunk));
  socket.on('close', () => {
    if (!gotResponse) failed?.(new RequestError('EPIPE', 'the hypervisor closed the connection'));
    endReason?.(closedByUs ? 'detached' : 'connection lost');
  });
  socket.on('error', () => undefined);
  const info = await new Promise<ConsoleAttachResult>((resolve, reject) => {
    attached = resolve;
    failed = reject;
    socket.write(`${JSON.stringify({ id: 1, op: 'console', ...(domain === undefined ? {} : { domain }), log: options.log === true, replay: options.replay !== false })}\n`);
  });
  return {
    info,
    input: (text) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify({ input: text })}\n`);
    },
    close: () => {
      closedByUs = true;
      socket.end();
    },
    ended,
  };
}
