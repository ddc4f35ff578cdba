import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import { defaultConfig, loadStartConfig, parseHostConfig } from '../src/config/host-config.js';
import { loadPlugins } from '../src/server/plugin-loader.js';
import { XenHost } from '../src/server/xen-host.js';

describe('host config', () => {
  it('reads every host key', () => {
    const h = parseHostConfig(
      [
        'scheduler = "bvt"',
        'pcpus = 2',
        'memory = 512',
        'paging = "pae"',
        'plugins = [ "@xen-ts/netback" ]',
        'sched_options = [ "ctxAllowUs=1000" ]',
        'cpu_mhz = 2000',
        'quantum_us = 50',
        'pace = 0.5',
        'trace = 1',
        'commandline = "loglvl=all"',
        'domains = [ "a.cfg", "/abs/b.cfg" ]',
      ].join('\n'),
      '/etc/xen-ts/host.cfg',
    );
    expect(h).toMatchObject({
      scheduler: 'bvt',
      pcpus: 2,
      memoryMb: 512,
      paging: 'pae',
      plugins: ['@xen-ts/netback'],
      schedulerOptions: { ctxAllowUs: 1000 },
      cpuMhz: 2000,
      quantumNs: 50_000,
      pace: 0.5,
      trace: true,
      commandLine: 'loglvl=all',
      domainFiles: ['/etc/xen-ts/a.cfg', '/abs/b.cfg'],
      domains: [],
    });
    expect(h.lines['scheduler']).toBe(1);
  });

  it('has defaults for everything', () => {
    const h = parseHostConfig('', 'h.cfg');
    expect(h).toMatchObject({ scheduler: 'credit', pcpus: 1, memoryMb: 256, paging: '2level', plugins: [], pace: 1, trace: false });
  });

  const errors: [string, string, RegExp][] = [
    ['unknown key', 'pcpu = 2', /^h\.cfg:1: unknown host setting 'pcpu' \(host settings: scheduler, pcpus/],
    ['domain key in a host file', 'pcpus = 1\nkernel = "/k"', /^h\.cfg:2: unknown host setting 'kernel' \(this looks like a domain config mixed into a host file\)/],
    ['pcpus range', 'pcpus = 0', /^h\.cfg:1: 'pcpus' must be 1\.\.16, got 0$/],
    ['memory range', '\nmemory = 8', /^h\.cfg:2: 'memory' must be 16\.\.3072 MiB, got 8$/],
    ['paging', 'paging = "4level"', /^h\.cfg:1: 'paging' must be one of "2level", "pae", got "4level"$/],
    ['scheduler word', 'scheduler = "Credit 2"', /^h\.cfg:1: 'scheduler' must be a scheduler name/],
    ['plugin name', 'plugins = [ "not a package" ]', /^h\.cfg:1: 'plugins' lists package names/],
    ['sched_options item', 'sched_options = [ "tslice" ]', /^h\.cfg:1: 'sched_options' items look like "tsliceMs=30", got "tslice"$/],
    ['pace', 'pace = -1', /^h\.cfg:1: 'pace' must be 0\.\.1000000, got -1$/],
  ];
  for (const [what, text, message] of errors) {
    it(`refuses: ${what}`, () => {
      expect(() => parseHostConfig(text, 'h.cfg')).toThrow(message);
    });
  }
});

describe('xen start configuration', () => {
  const files: Record<string, string> = {
    '/x/host.cfg': 'scheduler = "rr"\ndomains = [ "one.cfg" ]',
    '/x/one.cfg': 'name = "one"\nkernel = "/k1"',
    '/x/two.cfg': 'name = "two"\nkernel = "/k2"',
    '/x/dup.cfg': 'name = "one"\nkernel = "/k3"',
    '/x/host2.cfg': 'pcpus = 2',
    '/x/missing.cfg': 'domains = [ "nope.cfg" ]',
  };
  const read = (p: string): string => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return t;
  };

  it('combines one host file and domain files, host domains first', () => {
    const c = loadStartConfig(['/x/two.cfg', '/x/host.cfg'], read);
    expect(c.host.scheduler).toBe('rr');
    expect(c.domains.map((d) => d.name)).toEqual(['one', 'two']);
  });

  it('boots domain files on a default host', () => {
    const c = loadStartConfig(['/x/two.cfg'], read);
    expect(c.host).toMatchObject({ scheduler: 'credit', plugins: [] });
    expect(c.domains.map((d) => d.name)).toEqual(['two']);
  });

  it('refuses two host files, duplicate names and missing files, naming them', () => {
    expect(() => loadStartConfig(['/x/host.cfg', '/x/host2.cfg'], read)).toThrow(/^\/x\/host2\.cfg: a second host file \(the first was \/x\/host\.cfg\)/);
    expect(() => loadStartConfig(['/x/host.cfg', '/x/dup.cfg'], read)).toThrow(/^\/x\/dup\.cfg: domain name 'one' is already used by \/x\/one\.cfg/);
    expect(() => loadStartConfig(['/x/missing.cfg'], read)).toThrow(/^\/x\/nope\.cfg: cannot read the config file: no such file \(listed in \/x\/missing\.cfg\)$/);
    expect(() => loadStartConfig(['/x/none.cfg'], read)).toThrow(ConfigError);
  });

  it('defaults to the xenolinux guest port', () => {
    const c = loadStartConfig([], read);
    expect(c.host.plugins).toEqual(['@xen-ts/guest-xenolinux']);
    expect(c.domains).toMatchObject([{ name: 'xenolinux', type: 'xenolinux' }]);
    expect(c.domains[0]!.kernel).toBeUndefined();
  });

  it('loads the xenolinux guest port for the built-in default', async () => {
    const plugins = await loadPlugins(defaultConfig());
    expect(plugins.map((p) => p.name)).toContain('guest-xenolinux');
  });

  it('names the host file line of a missing plugin package or an unknown scheduler', async () => {
    const host = parseHostConfig('scheduler = "credit"\nplugins = [ "@xen-ts/no-such-plugin" ]', 'h.cfg');
    await expect(loadPlugins(host)).rejects.toThrow(/^h\.cfg:2: plugin package '@xen-ts\/no-such-plugin' was not found/);
    const bad = parseHostConfig('\nscheduler = "lottery"', 'h.cfg');
    expect(() => XenHost.create(bad, [])).toThrow(/^h\.cfg:2: no scheduler named 'lottery' is registered/);
  });

  it('says which package provides a guest port a domain asks for', async () => {
    const host = parseHostConfig('memory = 64', 'h.cfg');
    const xen = XenHost.create(host, await loadPlugins(host));
    const spec = loadStartConfig([], read).domains[0]!;
    expect(() => xen.createDomain(spec)).toThrow(
      /domain 'xenolinux' has no kernel and type "xenolinux" names a guest port that is not registered \(registered: none\); it is provided by the package @xen-ts\/guest-xenolinux/,
    );
    xen.xen.dispose();
  });
});
