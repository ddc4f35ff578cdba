import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { container as rootContainer } from 'tsyringe';
import { GuestPort, PLUGIN_API_VERSION } from '@xen-ts/plugin-api';
import { guestXenolinuxPlugin, kernelPath, xenolinuxPort } from '../src/index.js';

describe('guest-port plugin', () => {
  it('registers xenolinux under the GuestPort token', () => {
    const c = rootContainer.createChildContainer();
    expect(guestXenolinuxPlugin.apiVersion).toBe(PLUGIN_API_VERSION);
    guestXenolinuxPlugin.register(c);
    const ports = c.resolveAll<GuestPort>(GuestPort);
    expect(ports).toHaveLength(1);
    expect(ports[0]!.name).toBe('xenolinux');
    expect(ports[0]!.kernelPath()).toBe(kernelPath());
    expect(ports[0]!.devices).toContain('console');
    expect(ports[0]).toBe(xenolinuxPort);
  });
});
