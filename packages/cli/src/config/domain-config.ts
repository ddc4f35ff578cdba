// A domain configuration in xl.cfg syntax (xl.cfg(5), xen-abi.md §4.2) turned into a
// `DomainSpec`: what the host needs to build the domain, with paths made absolute so the spec can
// travel over the control socket to a running hypervisor.
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { parseDiskSpec, parseVifSpec, type DiskSpec, type VifSpec } from './device-specs.js';
import { parseXlConfig, type XlConfig } from './xl-cfg.js';

/** xl.cfg `on_*` actions this hypervisor can carry out. */
export type OnCrashAction = 'destroy' | 'restart' | 'preserve';
export type OnPoweroffAction = 'destroy' | 'restart';

export interface DomainSpec {
  /** The file it came from (`<default>` for the built-in one), for messages. */
  source: string;
  name: string;
  /** `pv` (a kernel image is given) or the name of a guest port (`xenolinux`) that supplies it. */
  type: string;
  /** Absolute path of the kernel ELF; absent when a guest port supplies it. */
  kernel?: string;
  ramdisk?: string;
  /** The full kernel command line (cmdline=, or root= + extra=). Undefined: the guest port's default. */
  cmdline?: string;
  memoryMb: number;
  vcpus: number;
  onPoweroff: OnPoweroffAction;
  onCrash: OnCrashAction;
  /** Scheduler parameters by scheduler name: `credit: {weight, cap}`, `bvt: {mcuadv, ...}`. */
  sched: Record<string, Record<string, number>>;
  disks: DiskSpec[];
  vifs: VifSpec[];
  /** Keys xl knows that this host does not act on (reported as warnings). */
  ignored: string[];
}

/** Keys of xl.cfg(5) we accept and keep without acting on them. */
const IGNORED_XL_KEYS = new Set([
  'uuid', 'maxmem', 'maxvcpus', 'cpus', 'cpus_soft', 'pool', 'bootloader', 'bootloader_args', 'seclabel',
  'nomigrate', 'driver_domain', 'vfb', 'vnc', 'vnclisten', 'vncpasswd', 'pci', 'localtime', 'vnuma',
  'on_watchdog', 'on_soft_reset', 'builder', 'device_model_version', 'serial', 'channel', 'vtpm', 'p9',
]);

const KNOWN_KEYS = new Set([
  'name', 'type', 'memory', 'vcpus', 'kernel', 'ramdisk', 'extra', 'cmdline', 'root',
  'on_poweroff', 'on_reboot', 'on_crash', 'disk', 'vif', 'cpu_weight', 'cap',
  'bvt_mcuadv', 'bvt_warp', 'bvt_warpl', 'bvt_warpu',
]);

/** Highest vCPU count (hypervisor: MAX_VCPUS, one GDT/LDT window each). */
const MAX_VCPUS = 32;

export interface DomainConfigOptions {
  /** Directory relative kernel/ramdisk paths are resolved against (default: the file's directory). */
  baseDir?: string;
}

/** Reads an xl.cfg text as a domain. `file` is the path shown in errors. */
export function parseDomainConfig(text: string, file: string, options: DomainConfigOptions = {}): DomainSpec {
  return domainFromXl(parseXlConfig(text, file), options.baseDir ?? dirname(resolve(file)));
}

export function domainFromXl(cfg: XlConfig, baseDir: string): DomainSpec {
  const file = cfg.file;
  const ignored: string[] = [];
  for (const key of cfg.settings.keys()) {
    if (KNOWN_KEYS.has(key)) continue;
    if (IGNORED_XL_KEYS.has(key)) {
      ignored.push(key);
      continue;
    }
    throw cfg.error(key, `unknown setting '${key}' (domain settings: ${[...KNOWN_KEYS].join(', ')})`);
  }

  const name = cfg.string('name');
  if (name === undefined) throw new ConfigError(file, 0, `'name' is mandatory: add a line like name = "guest1"`);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw cfg.error('name', `'name' must be 1..64 characters of A-Z a-z 0-9 _ . -, got "${name}"`);

  const type = cfg.string('type') ?? 'pv';
  if (!/^[a-z][a-z0-9-]*$/.test(type)) throw cfg.error('type', `'type' must be "pv" or the name of a guest port (e.g. "xenolinux"), got "${type}"`);
  if (type === 'hvm' || type === 'pvh') throw cfg.error('type', `type "${type}" is not supported: this hypervisor runs PV guests (type = "pv")`);

  const path = (key: string): string | undefined => {
    const p = cfg.string(key);
    if (p === undefined) return undefined;
    if (p === '') throw cfg.error(key, `'${key}' is empty: give the path of the file`);
    return isAbsolute(p) ? p : resolve(baseDir, p);
  };
  const kernel = path('kernel');
  if (kernel === undefined && type === 'pv') {
    throw new ConfigError(file, 0, `'kernel' is mandatory for a PV domain: add kernel = "/path/to/kernel.elf", or type = "<guest port>" (e.g. "xenolinux") to boot a registered guest port`);
  }
  const ramdisk = path('ramdisk');

  let cmdline = cfg.string('cmdline');
  if (cmdline === undefined) {
    // xl.cfg: root= appends "root=…", extra= is appended; cmdline= overrides both.
    const root = cfg.string('root');
    const extra = cfg.string('extra');
    const parts = [root === undefined ? undefined : `root=${root}`, extra].filter((s): s is string => s !== undefined && s !== '');
    if (root !== undefined || extra !== undefined) cmdline = parts.join(' ');
  }

  const memoryMb = cfg.integer('memory', 1, 3072, 'MiB') ?? 128;
  const vcpus = cfg.integer('vcpus', 1, MAX_VCPUS) ?? 1;

  const onPoweroff = actionOf(cfg, 'on_poweroff', ['destroy', 'restart'], 'destroy');
  const onCrash = actionOf(cfg, 'on_crash', ['destroy', 'restart', 'preserve'], 'destroy');
  // The hypervisor always builds a rebooting domain again (Hypervisor.reap); only that is accepted.
  actionOf(cfg, 'on_reboot', ['restart'], 'restart');

  const credit: Record<string, number> = {};
  const weight = cfg.integer('cpu_weight', 1, 65535);
  if (weight !== undefined) credit['weight'] = weight;
  const cap = cfg.integer('cap', 0, 65535, '% of one pCPU');
  if (cap !== undefined) credit['cap'] = cap;
  const bvt: Record<string, number> = {};
  const u32 = 0xffff_ffff;
  const s32 = 0x7fff_ffff;
  for (const [key, param, min, max] of [
    ['bvt_mcuadv', 'mcuadv', 1, u32],
    ['bvt_warp', 'warp', 0, s32],
    ['bvt_warpl', 'warpl', 0, s32],
    ['bvt_warpu', 'warpu', 0, s32],
  ] as const) {
    const v = cfg.integer(key, min, max);
    if (v !== undefined) bvt[param] = v;
  }

  const disks = (cfg.stringList('disk') ?? []).map((spec, i) => {
    try {
      return parseDiskSpec(spec);
    } catch (e) {
      throw cfg.error('disk', `disk ${i + 1}: ${(e as Error).message}`);
    }
  });
  for (const d of disks) if (d.target !== '' && !isAbsolute(d.target)) d.target = resolve(baseDir, d.target);
  const vifs = (cfg.stringList('vif') ?? []).map((spec, i) => {
    try {
      return parseVifSpec(spec, i);
    } catch (e) {
      throw cfg.error('vif', `vif ${i + 1}: ${(e as Error).message}`);
    }
  });

  return {
    source: file,
    name,
    type,
    ...(kernel === undefined ? {} : { kernel }),
    ...(ramdisk === undefined ? {} : { ramdisk }),
    ...(cmdline === undefined ? {} : { cmdline }),
    memoryMb,
    vcpus,
    onPoweroff,
    onCrash,
    sched: { credit, bvt },
    disks,
    vifs,
    ignored,
  };
}

function actionOf<T extends string>(cfg: XlConfig, key: string, supported: readonly T[], fallback: T): T {
  const v = cfg.string(key);
  if (v === undefined) return fallback;
  const xlActions = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart', 'soft-reset'];
  if (!xlActions.includes(v)) throw cfg.error(key, `'${key}' must be one of ${xlActions.join(', ')}, got "${v}"`);
  if (!(supported as readonly string[]).includes(v)) {
    throw cfg.error(key, `${key} = "${v}" is not supported by this hypervisor yet; use ${supported.map((s) => `"${s}"`).join(' or ')}`);
  }
  return v as T;
}
