// Structured trace of what the hypervisor does — hypercalls, trap bounces, event sends,
// page-table validations, context switches — on simulated time, exported in the Trace Event
// format that Perfetto and chrome://tracing open. Off by default; each record first checks `on`.
import type { Vcpu } from '../domain/vcpu.js';
import type { Pcpu } from '../machine/pcpu.js';

export interface TraceRecord {
  /** Simulated ns. */
  ts: number;
  pcpu: number;
  kind: 'hypercall' | 'bounce' | 'event' | 'pt' | 'switch' | 'domain';
  name: string;
  args: Record<string, number | string>;
}

export class Tracer {
  on = false;
  /** Oldest records are dropped past this many. */
  limit = 1_000_000;
  readonly records: TraceRecord[] = [];

  constructor(private readonly now: (p: Pcpu | null) => number) {}

  private add(p: Pcpu | null, kind: TraceRecord['kind'], name: string, args: TraceRecord['args']): void {
    if (this.records.length >= this.limit) this.records.shift();
    this.records.push({ ts: this.now(p), pcpu: p?.index ?? -1, kind, name, args });
  }

  hypercall(p: Pcpu, v: Vcpu, nr: number, rc: number): void {
    if (this.on) this.add(p, 'hypercall', `hypercall ${nr}`, { vcpu: v.name, nr, rc });
  }

  bounce(p: Pcpu, v: Vcpu, vector: number): void {
    if (this.on) this.add(p, 'bounce', `bounce ${vector}`, { vcpu: v.name, vector });
  }

  eventSend(p: Pcpu, v: Vcpu, port: number): void {
    if (this.on) this.add(p, 'event', 'evtchn send', { vcpu: v.name, port });
  }

  upcall(p: Pcpu, v: Vcpu): void {
    if (this.on) this.add(p, 'event', 'upcall', { vcpu: v.name });
  }

  ptUpdates(p: Pcpu, v: Vcpu, done: number, rc: number): void {
    if (this.on) this.add(p, 'pt', 'mmu_update', { vcpu: v.name, done, rc });
  }

  contextSwitch(p: Pcpu, from: string, to: string): void {
    if (this.on) this.add(p, 'switch', 'switch', { from, to });
  }

  domain(name: string, args: TraceRecord['args']): void {
    if (this.on) this.add(null, 'domain', name, args);
  }

  /** Trace Event JSON: each pCPU is a thread; context switches become slices. */
  toTraceEventJson(): string {
    const events: object[] = [];
    const open = new Map<number, { name: string; ts: number }>();
    for (const r of this.records) {
      const tid = r.pcpu < 0 ? 1000 : r.pcpu;
      const tsUs = r.ts / 1000;
      if (r.kind === 'switch') {
        const prev = open.get(tid);
        if (prev !== undefined) events.push({ name: prev.name, cat: 'vcpu', ph: 'X', ts: prev.ts, dur: tsUs - prev.ts, pid: 1, tid });
        open.set(tid, { name: String(r.args['to']), ts: tsUs });
      } else {
        events.push({ name: r.name, cat: r.kind, ph: 'i', s: 't', ts: tsUs, pid: 1, tid, args: r.args });
      }
    }
    for (const [tid, o] of open) events.push({ name: o.name, cat: 'vcpu', ph: 'B', ts: o.ts, pid: 1, tid });
    const meta = [{ name: 'process_name', ph: 'M', pid: 1, args: { name: 'xen-ts' } }];
    return JSON.stringify({ traceEvents: [...meta, ...events], displayTimeUnit: 'ns' });
  }
}
