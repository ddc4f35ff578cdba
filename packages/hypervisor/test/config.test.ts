// Host configuration and plugin loading: every mistake is refused with a message that says
// what is wrong and what to do.
import 'reflect-metadata';
import { PLUGIN_API_VERSION, definePlugin } from '@xen-ts/plugin-api';
import { schedCreditPlugin } from '@xen-ts/sched-credit';
import { describe, expect, it } from 'vitest';
import { Hypervisor, PluginHost, resolveConfig } from '../src/index.js';

describe('host configuration', () => {
  it('has working defaults', () => {
    const c = resolveConfig({});
    expect(c).toMatchObject({ memoryMb: 256, pcpus: 1, paging: '2level', scheduler: 'credit', cpuMhz: 1000 });
  });

  it.each([
    [{ memoryMb: 8 }, /memory must be 16..3072 MiB/],
    [{ pcpus: 0 }, /pcpus must be 1..16/],
    [{ paging: 'pse' as never }, /paging must be '2level' or 'pae'/],
    [{ cpuMhz: 0 }, /cpuMhz/],
    [{ quantumNs: 10 }, /quantumNs/],
  ])('refuses %o', (cfg, msg) => {
    expect(() => resolveConfig(cfg)).toThrow(msg);
  });

  it('names the known schedulers when the configured one is missing', () => {
    expect(() => new Hypervisor({ memoryMb: 32, scheduler: 'sedf', plugins: [schedCreditPlugin] })).toThrow(
      /no scheduler named 'sedf' is registered \(known: credit\)/,
    );
  });
});

describe('plugin host', () => {
  const noop = (name: string, extra: object = {}) => definePlugin({ name, apiVersion: PLUGIN_API_VERSION, register: () => undefined, ...extra });

  it('refuses a plugin written for another API version', () => {
    expect(() => new PluginHost().load([noop('old', { apiVersion: 0 })])).toThrow(/plugin 'old' was written for plugin API 0/);
  });

  it('refuses a missing dependency and names it', () => {
    expect(() => new PluginHost().load([noop('netback', { dependsOn: ['xenbus'] })])).toThrow(
      /plugin 'netback' depends on 'xenbus', which is not loaded/,
    );
  });

  it('refuses dependency cycles and duplicate names', () => {
    expect(() => new PluginHost().load([noop('a', { dependsOn: ['b'] }), noop('b', { dependsOn: ['a'] })])).toThrow(/cycle: a → b → a/);
    expect(() => new PluginHost().load([noop('a'), noop('a')])).toThrow(/listed twice/);
  });

  it('registers in dependency order and runs the lifecycle in order, stopping in reverse', () => {
    const order: string[] = [];
    const host = new PluginHost();
    host.load([noop('b', { dependsOn: ['a'], register: () => order.push('register b') }), noop('a', { register: () => order.push('register a') })]);
    expect(order).toEqual(['register a', 'register b']);
    expect(host.loaded.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('keeps registrations in its private container, never the global one', async () => {
    const { container } = await import('tsyringe');
    const { SchedulerRegistration } = await import('@xen-ts/plugin-api');
    const xen = new Hypervisor({ memoryMb: 32, plugins: [schedCreditPlugin] });
    expect(xen.plugins.container.isRegistered(SchedulerRegistration, true)).toBe(true);
    expect(container.isRegistered(SchedulerRegistration)).toBe(false);
  });
});
