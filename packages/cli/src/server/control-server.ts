// The control socket of a running hypervisor: answers `xen` commands from other terminals
// (protocol.ts). Every request is checked before it touches the machine; a bad one gets an
// error response, never a crash of the host.
import { rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import { ShutdownReason } from '@xen-ts/abi';
import type { DomainSpec } from '../config/domain-config.js';
import { LineSplitter, PROTOCOL_VERSION, type ConsoleMessage, type Request, type Response } from '../protocol.js';
import { prepareSocketDir } from '../socket-path.js';
import { HostError } from './host-error.js';
import type { Pacer } from './pacer.js';
import type { XenHost } from './xen-host.js';

export interface ControlServerOptions {
  socketPath: string;
  /** Called once `stop` was answered (the owner exits or disposes the host). */
  onStop?: () => void;
  /** Every new hypervisor log line (xen serve prints them). */
  logSink?: (line: string) => void;
}

/** Console input queued per domain while its `in` ring is full. */
const MAX_PENDING_INPUT = 64 * 1024;

interface ConsoleSession {
  socket: Socket;
  domid: number;
  log: boolean;
}

export class ControlServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<ConsoleSession>();
  /** How many hypervisor log lines were forwarded to console sessions (the log is a bounded array). */
  private logSeen = 0;
  private logLast: string | undefined;
  /** Keystrokes not yet taken by a full console ring, per domain. */
  private readonly pendingInput = new Map<number, string>();

  constructor(
    readonly host: XenHost,
    readonly pacer: Pacer,
    readonly options: ControlServerOptions,
  ) {
    host.onConsoleOutput((domid, text) => {
      for (const s of this.sessions) if (s.domid === domid) send(s.socket, { stream: 'out', data: text } satisfies ConsoleMessage);
    });
    host.onEvent((e) => {
      if (e.what !== 'shutdown' && e.what !== 'crashed' && e.what !== 'destroyed') return;
      for (const s of [...this.sessions]) {
        if (s.domid !== e.domid) continue;
        // The log line that says why comes first.
        this.flushLog();
        const why = e.what === 'destroyed' ? 'destroyed' : `shut down (${e.reason ?? e.what})`;
        send(s.socket, { stream: 'end', reason: `domain ${e.domid} '${e.name}' ${why}` } satisfies ConsoleMessage);
        this.sessions.delete(s);
        s.socket.end();
      }
    });
  }

  get socketPath(): string {
    return this.options.socketPath;
  }

  /** Listens on the socket; fails with EADDRINUSE when another hypervisor answers there. */
  async listen(): Promise<void> {
    const path = this.options.socketPath;
    prepareSocketDir(path);
    if (await answers(path)) throw new HostError('EADDRINUSE', `a hypervisor is already running on ${path} (xen list; xen stop)`);
    rmSync(path, { force: true }); // a stale socket of a process that died
    const server = createServer((socket) => this.accept(socket));
    const oldMask = process.umask(0o177); // the socket file is created 0600
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) send(s.socket, { stream: 'end', reason: 'the hypervisor stopped' } satisfies ConsoleMessage);
    this.sessions.clear();
    for (const socket of this.sockets) socket.end();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    rmSync(this.options.socketPath, { force: true });
  }

  /**
   * Types queued keystrokes into the consoles' `in` rings. A full ring (1 KiB, io/console.h)
   * takes what fits; the rest waits for the guest to consume and is retried after each slice.
   */
  flushInput(): void {
    for (const [domid, text] of this.pendingInput) {
      const d = this.host.xen.domain(domid);
      if (d === undefined || !d.isAlive) {
        this.pendingInput.delete(domid);
        continue;
      }
      const taken = this.host.xen.consoleInput(domid, text);
      if (taken >= text.length) this.pendingInput.delete(domid);
      else this.pendingInput.set(domid, text.slice(taken));
    }
  }

  /** Forwards hypervisor log lines that appeared since the last call to sessions that asked for them. */
  flushLog(): void {
    const log = this.host.xen.log;
    if (log.length === this.logSeen && log.at(-1) === this.logLast) return;
    let from: number;
    if (log.length > this.logSeen) from = this.logSeen;
    else {
      // The log is full and drops its oldest line for each new one: find where we were.
      const at = this.logLast === undefined ? -1 : log.lastIndexOf(this.logLast);
      from = at + 1;
    }
    const fresh = log.slice(from);
    this.logSeen = log.length;
    this.logLast = log.at(-1);
    if (fresh.length === 0) return;
    if (this.options.logSink !== undefined) for (const line of fresh) this.options.logSink(line);
    for (const s of this.sessions) {
      if (!s.log) continue;
      for (const line of fresh) send(s.socket, { stream: 'log', line } satisfies ConsoleMessage);
    }
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    let session: ConsoleSession | null = null;
    const lines = new LineSplitter((line) => {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        send(socket, { ok: false, error: { code: 'EPROTO', message: 'a request is one JSON object per line' } } satisfies Response);
        return;
      }
      if (session !== null) {
        // Console stream: keystrokes for the guest.
        const input = (msg as { input?: unknown }).input;
        if (typeof input === 'string' && input.length > 0) {
          // Keystrokes beyond MAX_PENDING_INPUT while the guest is not reading are dropped, as a full UART would.
          const queued = (this.pendingInput.get(session.domid) ?? '') + input;
          this.pendingInput.set(session.domid, queued.slice(0, MAX_PENDING_INPUT));
          this.flushInput();
          this.pacer.kick();
        }
        return;
      }
      const response = this.handle(msg, socket);
      if (response.ok && (msg as Request).op === 'console') {
        const r = response.result as { domid: number; replay: string };
        session = { socket, domid: r.domid, log: (msg as Request)['log'] === true };
        send(socket, response);
        this.sessions.add(session);
        const d = this.host.xen.domain(r.domid);
        if (d === undefined || !d.isAlive) {
          send(socket, { stream: 'end', reason: `domain ${r.domid} is not running (${d?.state ?? 'gone'})` } satisfies ConsoleMessage);
          this.sessions.delete(session);
          socket.end();
        }
        return;
      }
      send(socket, response);
      if (response.ok && (msg as Request).op === 'stop') {
        setImmediate(() => this.options.onStop?.());
      }
    });
    socket.on('data', (chunk: string) => {
      try {
        lines.push(chunk);
      } catch (e) {
        send(socket, { ok: false, error: { code: 'EPROTO', message: (e as Error).message } } satisfies Response);
        socket.destroy();
      }
    });
    const forget = (): void => {
      this.sockets.delete(socket);
      if (session !== null) this.sessions.delete(session);
    };
    socket.on('close', forget);
    socket.on('error', forget);
  }

  /** One request → one response. */
  handle(msg: unknown, _socket?: Socket): Response {
    const id = typeof (msg as Request | null)?.id === 'number' ? (msg as Request).id : undefined;
    const withId = (r: Response): Response => (id === undefined ? r : { ...r, id });
    try {
      if (typeof msg !== 'object' || msg === null || typeof (msg as Request).op !== 'string') {
        throw new HostError('EPROTO', 'a request needs "op"');
      }
      const result = this.dispatch(msg as Request);
      this.flushLog();
      this.pacer.kick();
      return withId({ ok: true, result });
    } catch (e) {
      const code = e instanceof HostError ? e.code : (e as { name?: string }).name === 'ConfigError' ? 'EBADCONFIG' : 'EIO';
      return withId({ ok: false, error: { code, message: (e as Error).message } });
    }
  }

  private dispatch(req: Request): unknown {
    const host = this.host;
    const xen = host.xen;
    switch (req.op) {
      case 'info':
        return {
          protocol: PROTOCOL_VERSION,
          pid: process.pid,
          scheduler: host.schedulerName,
          pcpus: xen.config.pcpus,
          memoryMb: xen.config.memoryMb,
          freeMb: Math.floor(xen.alloc.freeFrames / 256),
          paging: xen.config.paging,
          nowNs: xen.now(),
          pace: host.host.pace,
          hostConfig: host.host.source,
          socket: this.options.socketPath,
          idle: this.pacer.isWaiting,
        };
      case 'list': {
        const refs = req['domains'];
        if (refs === undefined) return host.list();
        if (!Array.isArray(refs)) throw new HostError('EINVAL', '"domains" must be a list');
        return refs.map((r) => host.listRow(host.findDomain(domainRef(r))));
      }
      case 'create': {
        const spec = checkSpec(req['spec']);
        const d = host.createDomain(spec, req['paused'] === true);
        return { domid: d.id, name: d.name };
      }
      case 'destroy': {
        const d = this.domU(req);
        xen.destroyDomain(d);
        return { domid: d.id, name: d.name };
      }
      case 'pause':
      case 'unpause': {
        const d = this.domU(req);
        if (req.op === 'pause') xen.pauseDomain(d);
        else if (d.pauseCount === 0) throw new HostError('EINVAL', `domain '${d.name}' is not paused`);
        else xen.unpauseDomain(d);
        return { domid: d.id, name: d.name, state: host.stateOf(d) };
      }
      case 'shutdown':
        return this.shutdown(req);
      case 'sched':
        return this.sched(req);
      case 'dmesg': {
        const lines = [...xen.log];
        if (req['clear'] === true) {
          xen.log.length = 0;
          this.logSeen = 0;
          this.logLast = undefined;
        }
        return lines;
      }
      case 'trace':
        return this.trace(req);
      case 'top':
        return host.top();
      case 'console': {
        const d = host.findDomain(domainRef(req['domain'] ?? host.firstDomU()?.id));
        if (d.id === 0) throw new HostError('EINVAL', 'Domain-0 has no PV console here: its services are TypeScript (see xen dmesg)');
        const replay = req['replay'] === false ? '' : host.consoleHistory(d.id);
        return { domid: d.id, name: d.name, replay, log: req['log'] === true ? [...xen.log] : [] };
      }
      case 'release':
        // Start running a machine that was started held (idempotent).
        this.pacer.start();
        return { running: true };
      case 'stop':
        for (const d of xen.listDomains()) if (d.id !== 0) xen.destroyDomain(d);
        return { stopped: true };
      default:
        throw new HostError('EINVAL', `unknown op '${String(req.op)}'`);
    }
  }

  private domU(req: Request): ReturnType<XenHost['findDomain']> {
    const d = this.host.findDomain(domainRef(req['domain']));
    if (d.id === 0) throw new HostError('EPERM', `this operation does not apply to Domain-0`);
    return d;
  }

  /** xl shutdown/reboot: asks the guest through xenstore control/shutdown; `force` does it from outside. */
  private shutdown(req: Request): unknown {
    const xen = this.host.xen;
    const targets = req['all'] === true ? xen.listDomains().filter((d) => d.id !== 0 && d.isAlive) : [this.domU(req)];
    const reboot = req['reboot'] === true;
    const done: { domid: number; name: string; how: string }[] = [];
    for (const d of targets) {
      if (req['force'] === true) {
        xen.shutdownDomain(d, reboot ? ShutdownReason.SHUTDOWN_reboot : ShutdownReason.SHUTDOWN_poweroff);
        done.push({ domid: d.id, name: d.name, how: 'forced' });
      } else {
        // PV control protocol: the guest watches control/shutdown (xen-abi.md §4.1, xl shutdown).
        xen.store.write(`/local/domain/${d.id}/control/shutdown`, reboot ? 'reboot' : 'poweroff');
        done.push({ domid: d.id, name: d.name, how: 'requested' });
      }
    }
    return done;
  }

  private sched(req: Request): unknown {
    const host = this.host;
    const want = req['scheduler'];
    if (typeof want !== 'string') throw new HostError('EINVAL', '"scheduler" must name the scheduler');
    if (want !== host.schedulerName) {
      throw new HostError('EINVAL', `the running scheduler is '${host.schedulerName}', not '${want}' (use xen sched-${host.schedulerName}, or scheduler = "${want}" in the host file)`);
    }
    const set = req['set'];
    if (set !== undefined) {
      if (typeof set !== 'object' || set === null || Array.isArray(set)) throw new HostError('EINVAL', '"set" must be an object of numbers');
      for (const [k, v] of Object.entries(set)) {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new HostError('EINVAL', `parameter ${k} must be a number`);
      }
      const d = host.findDomain(domainRef(req['domain']));
      host.schedParams(d, set as Record<string, number>);
    }
    const doms = req['domain'] !== undefined ? [host.findDomain(domainRef(req['domain']))] : host.xen.listDomains().filter((d) => host.xen.sched.hasDomain(d.id));
    return doms.map((d) => ({ name: d.name, id: d.id, params: host.schedParams(d) }));
  }

  private trace(req: Request): unknown {
    const xen = this.host.xen;
    const action = req['action'];
    switch (action) {
      case 'start':
        xen.trace.on = true;
        break;
      case 'stop':
        xen.trace.on = false;
        break;
      case 'status':
        break;
      case 'save': {
        const path = req['path'];
        if (typeof path !== 'string' || !isAbsolute(path)) throw new HostError('EINVAL', '"path" must be an absolute file path');
        const json = xen.trace.toTraceEventJson();
        try {
          writeFileSync(path, json);
        } catch (e) {
          throw new HostError('EIO', `cannot write ${path}: ${(e as Error).message}`);
        }
        return { on: xen.trace.on, path, bytes: Buffer.byteLength(json) };
      }
      default:
        throw new HostError('EINVAL', `trace action must be start, stop, status or save, got '${String(action)}'`);
    }
    return { on: xen.trace.on };
  }
}

function send(socket: Socket, msg: unknown): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(msg)}\n`);
}

function domainRef(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && v !== '') return v;
  throw new HostError(v === undefined ? 'ESRCH' : 'EINVAL', v === undefined ? 'no domain given (and none running)' : 'a domain is a name or a number');
}

/** A DomainSpec from the wire: every field is checked (the socket is a trust boundary, if a narrow one). */
function checkSpec(v: unknown): DomainSpec {
  const bad = (what: string): never => {
    throw new HostError('EINVAL', `create: ${what}`);
  };
  if (typeof v !== 'object' || v === null) return bad('"spec" must be a domain spec object');
  const s = v as Record<string, unknown>;
  const str = (k: string, optional = false): void => {
    if (s[k] === undefined && optional) return;
    if (typeof s[k] !== 'string') bad(`"${k}" must be a string`);
  };
  str('source');
  str('name');
  str('type');
  str('kernel', true);
  str('ramdisk', true);
  str('cmdline', true);
  for (const k of ['kernel', 'ramdisk'] as const) if (typeof s[k] === 'string' && !isAbsolute(s[k])) bad(`"${k}" must be an absolute path`);
  for (const k of ['memoryMb', 'vcpus'] as const) if (!Number.isInteger(s[k])) bad(`"${k}" must be an integer`);
  if (!['destroy', 'restart'].includes(s['onPoweroff'] as string)) bad('"onPoweroff" must be destroy or restart');
  if (!['destroy', 'restart', 'preserve'].includes(s['onCrash'] as string)) bad('"onCrash" must be destroy, restart or preserve');
  if (typeof s['sched'] !== 'object' || s['sched'] === null) bad('"sched" must be an object');
  for (const params of Object.values(s['sched'] as object)) {
    if (typeof params !== 'object' || params === null) bad('"sched" values must be objects');
    for (const n of Object.values(params as object)) if (typeof n !== 'number') bad('scheduler parameters must be numbers');
  }
  for (const k of ['disks', 'vifs', 'ignored'] as const) if (!Array.isArray(s[k])) bad(`"${k}" must be a list`);
  return s as unknown as DomainSpec;
}

/** Does something accept connections on this socket path? */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
