// Loads the plugins a host file names by package (`plugins = [ "@xen-ts/guest-xenolinux" ]`).
// A package's plugins are its exported values shaped like a XenPlugin. The three schedulers of
// the project are always loaded, so `scheduler =` alone swaps between them.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { XenPlugin } from '@xen-ts/plugin-api';
import { schedBvtPlugin } from '@xen-ts/sched-bvt';
import { schedCreditPlugin } from '@xen-ts/sched-credit';
import { schedRrPlugin } from '@xen-ts/sched-rr';
import { ConfigError } from '../config/config-error.js';
import { guestPortPackage, type HostSpec } from '../config/host-config.js';

export const BUILTIN_PLUGINS: readonly XenPlugin[] = [schedCreditPlugin, schedBvtPlugin, schedRrPlugin];

export function isXenPlugin(v: unknown): v is XenPlugin {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return typeof p['name'] === 'string' && typeof p['apiVersion'] === 'number' && typeof p['register'] === 'function';
}

/** Imports a package: from this package's dependencies first, then from the working directory's. */
async function importPackage(name: string, cwd: string): Promise<Record<string, unknown>> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch (first) {
    if ((first as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' && (first as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw first;
    let resolved: string;
    try {
      resolved = createRequire(join(cwd, 'package.json')).resolve(name);
    } catch {
      throw first;
    }
    return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  }
}

/** Every plugin for this host: the built-ins plus those of the listed packages, each once. */
export async function loadPlugins(host: HostSpec, cwd = process.cwd()): Promise<XenPlugin[]> {
  const plugins = new Map<string, XenPlugin>(BUILTIN_PLUGINS.map((p) => [p.name, p]));
  for (const name of host.plugins) {
    let mod: Record<string, unknown>;
    try {
      mod = await importPackage(name, cwd);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
      if (host.source === '<default>' && name === guestPortPackage('xenolinux')) {
        throw new ConfigError(
          host.source,
          0,
          `the default configuration boots the 'xenolinux' guest port, provided by the package ${name}, ` +
            `which ${missing ? 'is not installed' : `failed to load (${(e as Error).message})`}. ` +
            `Install and build it, or start with a configuration of your own: xen start my-domain.cfg (see 'xen start --help')`,
        );
      }
      throw new ConfigError(host.source, host.lines['plugins'] ?? 0, `plugin package '${name}' ${missing ? 'was not found (is it installed?)' : `failed to load: ${(e as Error).message}`}`);
    }
    const found = Object.values(mod).filter(isXenPlugin);
    if (found.length === 0) {
      throw new ConfigError(host.source, host.lines['plugins'] ?? 0, `package '${name}' exports no plugin (an object { name, apiVersion, register })`);
    }
    for (const p of found) plugins.set(p.name, p);
  }
  return [...plugins.values()];
}
