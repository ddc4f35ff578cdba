// Boots XenoLinux on a fresh hypervisor with a ramdisk and collects the console.
import { readFileSync } from 'node:fs';
import { Hypervisor } from '@xen-ts/hypervisor';
import { schedCreditPlugin } from '@xen-ts/sched-credit';
import { kernelPath, writeCpio } from '../../src/index.js';

export interface XenolinuxRun {
  output: string;
  reason: number;
  crashMessage: string;
  result: string;
  hostErrors: number;
  log: string[];
  /** Hypervisor entries: hypercalls and bounced exceptions (by vector). */
  hypercalls: number;
  /** Per hypercall number (63: all above). */
  hypercallCounts: number[];
  exceptions: number[];
}

export interface BootOptions {
  memoryMb?: number;
  forNs?: number;
  /** Typed on the console, one string each time the domain has gone idle (blocked). */
  input?: readonly string[];
}

export function bootXenolinux(ramdisk: Uint8Array, cmdline: string, options: BootOptions = {}): XenolinuxRun {
  const xen = new Hypervisor({ scheduler: 'credit', plugins: [schedCreditPlugin], memoryMb: 128 });
  let output = '';
  let reason = -1;
  let crashMessage = '';
  const d = xen.createDomain({
    name: 'xenolinux',
    kernel: new Uint8Array(readFileSync(kernelPath())),
    ramdisk,
    cmdline,
    memoryMb: options.memoryMb ?? 32,
  });
  xen.onConsole((domid, text) => {
    if (domid === d.id) output += text;
  });
  xen.onDomainEvent((e) => {
    if (e.domid === d.id && (e.what === 'shutdown' || e.what === 'crashed')) {
      reason = d.shutdownReason;
      crashMessage = d.crashMessage;
    }
  });
  let result = xen.run({ until: () => !d.isAlive, forNs: options.forNs ?? 60e9 });
  for (const text of options.input ?? []) {
    if (!d.isAlive) break;
    xen.consoleInput(d.id, text);
    result = xen.run({ until: () => !d.isAlive, forNs: options.forNs ?? 60e9 });
  }
  return {
    output,
    reason,
    crashMessage,
    result,
    hostErrors: xen.stats.hostErrors,
    log: xen.log,
    hypercalls: xen.stats.hypercalls,
    hypercallCounts: [...d.hypercallCounts],
    exceptions: [...xen.stats.exceptions],
  };
}

/** The smallest root image for a test program: /dev/console, a world-writable /tmp and the
 *  program as /init. */
export function programRamdisk(init: Uint8Array): Uint8Array {
  return writeCpio([
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'file', path: 'init', data: init, mode: 0o755 },
  ]);
}
