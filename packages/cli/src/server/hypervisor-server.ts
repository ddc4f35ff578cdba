// A running hypervisor as a service: the machine (XenHost), its pacer and its control socket,
// started from a loaded configuration. `xen start` runs one of these in a background process
// (or in the foreground with --foreground); tests run one in-process.
import type { DomainSpec } from '../config/domain-config.js';
import type { HostSpec } from '../config/host-config.js';
import { ControlServer } from './control-server.js';
import { Pacer } from './pacer.js';
import { loadPlugins } from './plugin-loader.js';
import { XenHost } from './xen-host.js';

export interface HypervisorServerOptions {
  socketPath: string;
  /** Overrides the host file's `pace` (simulated s per wall s; 0 = unpaced). */
  pace?: number;
  /** Called when the machine stopped (xen stop, or a fault in the model). */
  onExit?: (why: string, fault?: unknown) => void;
  /**
   * Build everything but do not run the machine until a `release` request (xen start uses it
   * to attach the console before the first instruction, so no boot output is missed).
   */
  held?: boolean;
  /** Every hypervisor log line as it appears. */
  logSink?: (line: string) => void;
}

export class HypervisorServer {
  private constructor(
    readonly host: XenHost,
    readonly pacer: Pacer,
    readonly control: ControlServer,
  ) {}

  /**
   * Loads the plugins, builds the machine and every domain, then listens. Any failure before
   * the socket is up is thrown (a ConfigError or HostError that says what to change).
   */
  static async start(hostSpec: HostSpec, domains: readonly DomainSpec[], options: HypervisorServerOptions): Promise<HypervisorServer> {
    const plugins = await loadPlugins(hostSpec);
    const host = XenHost.create(hostSpec, plugins);
    // The pacer and the control server call back into the server object created after them.
    const self: { server?: HypervisorServer } = {};
    const pacer = new Pacer(host.xen, {
      pace: options.pace ?? hostSpec.pace,
      afterSlice: () => {
        self.server?.control.flushInput();
        self.server?.control.flushLog();
      },
      onFault: (e) => {
        host.xen.dmesg(`host fault, machine stopped: ${(e as Error).stack ?? String(e)}`);
        self.server?.control.flushLog();
        options.onExit?.('fault', e);
      },
    });
    const control = new ControlServer(host, pacer, {
      socketPath: options.socketPath,
      ...(options.logSink === undefined ? {} : { logSink: options.logSink }),
      onStop: () => {
        void self.server?.stop().then(() => options.onExit?.('stopped'));
      },
    });
    try {
      for (const spec of domains) host.createDomain(spec);
      control.flushLog(); // the boot lines, to the log sink; console sessions get them on attach
      await control.listen();
    } catch (e) {
      host.xen.dispose();
      throw e;
    }
    const server = new HypervisorServer(host, pacer, control);
    self.server = server;
    if (options.held !== true) pacer.start();
    return server;
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.pacer.stop();
    await this.control.close();
    this.host.xen.dispose();
  }
}
