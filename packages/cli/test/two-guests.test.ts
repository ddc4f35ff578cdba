// Two XenoLinux guests at once under each scheduler, configured the way a user writes them
// (xl.cfg with `type = "xenolinux"` and `extra`), each running unmodified busybox.
import { join } from 'node:path';
import { hasBusybox } from '@xen-ts/guest-xenolinux';
import { describe, expect, it } from 'vitest';
import { parseDomainConfig } from '../src/config/domain-config.js';
import { parseHostConfig } from '../src/config/host-config.js';
import { HypervisorServer } from '../src/server/hypervisor-server.js';
import { eventually, tempDir } from './support.js';

describe.skipIf(!hasBusybox())('two XenoLinux guests at once', () => {
  it.each(['credit', 'bvt', 'rr'])('under %s', async (scheduler) => {
    const dir = tempDir();
    const host = parseHostConfig(`scheduler = "${scheduler}"\nmemory = 160\npace = 0\nplugins = [ "@xen-ts/guest-xenolinux" ]`, join(dir, 'host.cfg'));
    const domain = (name: string): ReturnType<typeof parseDomainConfig> =>
      // echo is process 1: when it exits the kernel panics, as Linux does, and the domain crashes;
      // on_crash = "preserve" keeps its console for the check.
      parseDomainConfig(
        `name = "${name}"\ntype = "xenolinux"\nmemory = 32\non_crash = "preserve"\nextra = "quiet rdinit=/bin/echo hello from ${name}"\n`,
        join(dir, `${name}.cfg`),
      );
    const server = await HypervisorServer.start(host, [domain('alpha'), domain('beta')], { socketPath: join(dir, 'run', 'c.sock') });
    try {
      const out = (name: string): string => {
        const d = server.host.xen.domainByName(name);
        return d === undefined ? '' : server.host.consoleHistory(d.id);
      };
      await eventually(() => out('alpha').includes('hello from alpha') && out('beta').includes('hello from beta'), 'both guests print', 24_000);
      expect(out('alpha')).not.toContain('hello from beta');
      expect(server.host.xen.sched.scheduler.name).toBe(scheduler);
      expect(server.host.xen.stats.hostErrors).toBe(0);
    } finally {
      await server.stop();
    }
  }, 180_000);
});
