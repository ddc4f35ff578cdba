// Boots test guests on a fresh hypervisor and collects what they print and how they end.
import { readFileSync } from 'node:fs';
import { schedCreditPlugin } from '@xen-ts/sched-credit';
import { schedRrPlugin } from '@xen-ts/sched-rr';
import { schedBvtPlugin } from '@xen-ts/sched-bvt';
import { guestCmdline, guestPath, type Layout, type TestGuest } from '@xen-ts/test-guests';
import { Hypervisor, type Domain, type HypervisorConfig } from '../../src/index.js';

export const ALL_SCHEDULERS = [schedCreditPlugin, schedRrPlugin, schedBvtPlugin];

export function newHypervisor(config: HypervisorConfig = {}): Hypervisor {
  return new Hypervisor({ scheduler: 'credit', plugins: ALL_SCHEDULERS, memoryMb: 128, ...config });
}

export interface GuestRun {
  xen: Hypervisor;
  output: string;
  reason: number;
  crashMessage: string;
  passes: number;
  fails: string[];
  done: boolean;
}

const kernels = new Map<string, Uint8Array>();
export function kernel(name: string, layout: Layout): Uint8Array {
  const key = `${layout}/${name}`;
  let k = kernels.get(key);
  if (k === undefined) {
    k = new Uint8Array(readFileSync(guestPath(name, layout)));
    kernels.set(key, k);
  }
  return k;
}

/** Boots `guest` (and a peer when it needs one) and runs until it shuts down. */
export function bootGuest(guest: TestGuest, layout: Layout, config: HypervisorConfig = {}, cmdlineExtra = ''): GuestRun {
  const xen = newHypervisor({ paging: layout, ...config });
  let output = '';
  let reason = -1;
  let crashMessage = '';
  let peer: { mfn: number; domid: number } | undefined;
  let peerDomain: Domain | undefined;
  if (guest.needsPeer === true) {
    peerDomain = xen.createDomain({ name: 'peer', kernel: kernel('hello', layout), memoryMb: 4, paused: true });
    peer = { mfn: peerDomain.p2m[0]!, domid: peerDomain.id };
  }
  const cmdline = [guestCmdline(guest, peer), cmdlineExtra].filter((s) => s !== '').join(' ');
  const d = xen.createDomain({ name: guest.name, kernel: kernel(guest.name, layout), memoryMb: guest.memoryMb ?? 16, vcpus: guest.vcpus ?? 1, cmdline });
  xen.onConsole((domid, text) => {
    if (domid === d.id) output += text;
  });
  // The host actions some guests ask for on their console (TEST_GUESTS.hostAction): the peer
  // domain maps and unmaps a grant, as a backend would.
  let handled = 0;
  let handle = 0;
  const hostActions = (): boolean => {
    const requests = [...output.matchAll(/XTF-REQUEST (map|unmap)-grant dom=(\d+) ref=(\d+)/g)];
    for (; handled < requests.length; handled++) {
      const [, what, dom, ref] = requests[handled]!;
      if (peerDomain === undefined) throw new Error(`${guest.name} asked for a grant mapping but has no peer`);
      if (what === 'map') {
        const r = xen.serviceMapGrant(Number(dom), Number(ref), false, peerDomain);
        if (r.status !== 0) throw new Error(`host map of grant ${ref} failed: status ${r.status}`);
        handle = r.handle;
      } else if (xen.serviceUnmapGrant(handle, peerDomain) !== 0) {
        throw new Error(`host unmap of grant ${ref} failed`);
      }
    }
    return !d.isAlive;
  };
  xen.onDomainEvent((e) => {
    if (e.domid === d.id && (e.what === 'shutdown' || e.what === 'crashed')) {
      reason = d.shutdownReason;
      crashMessage = d.crashMessage;
    }
  });
  xen.run({ until: hostActions, forNs: 120e9 });
  const fails = output.split('\n').filter((l) => l.startsWith('XTF-FAIL'));
  const passes = output.split('\n').filter((l) => l.startsWith('XTF-PASS')).length;
  return { xen, output, reason, crashMessage, passes, fails, done: new RegExp(`XTF-DONE ${guest.name} \\d+ 0`).test(output) };
}
