// The host file: how the machine is built (scheduler, pCPUs, memory, paging, plugins) and which
// domains `xen start` boots. Same syntax as xl.cfg, so one parser and one set of error messages
// serve both. A file with a `name =` line is a domain config; anything else is a host file.
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { parseDomainConfig, type DomainSpec } from './domain-config.js';
import { parseXlConfig, type XlConfig } from './xl-cfg.js';

export interface HostSpec {
  source: string;
  scheduler: string;
  pcpus: number;
  memoryMb: number;
  paging: '2level' | 'pae';
  /** Plugins to load by package name, beyond the built-in schedulers. */
  plugins: string[];
  schedulerOptions: Record<string, number>;
  cpuMhz: number;
  quantumNs: number;
  /** Simulated seconds per wall-clock second for interactive runs; 0 = as fast as the host goes. */
  pace: number;
  trace: boolean;
  commandLine: string;
  /** Domain config files to boot, absolute. */
  domainFiles: string[];
  /** Domains given inline (the built-in default). */
  domains: DomainSpec[];
  /** Line of each setting in the source file, for errors found later (plugins, scheduler). */
  lines: Record<string, number>;
}

export const HOST_KEYS = [
  'scheduler', 'pcpus', 'memory', 'paging', 'plugins', 'sched_options', 'cpu_mhz', 'quantum_us', 'pace', 'trace',
  'commandline', 'domains',
] as const;

/** The package that provides a guest port, by the port's name (guest-<name>, DESIGN.md §4). */
export function guestPortPackage(port: string): string {
  return `@xen-ts/guest-${port}`;
}

/**
 * The built-in default (DESIGN.md §6: "dom0 plus a guest with a shell on its console"): one
 * xenolinux domain whose kernel comes from the xenolinux guest port.
 */
export function defaultConfig(): HostSpec {
  return {
    source: '<default>',
    scheduler: 'credit',
    pcpus: 1,
    memoryMb: 256,
    paging: '2level',
    plugins: [guestPortPackage('xenolinux')],
    schedulerOptions: {},
    cpuMhz: 1000,
    quantumNs: 100_000,
    pace: 1,
    trace: false,
    commandLine: '',
    domainFiles: [],
    lines: {},
    domains: [
      {
        source: '<default>',
        name: 'xenolinux',
        type: 'xenolinux',
        memoryMb: 64,
        vcpus: 1,
        onPoweroff: 'destroy',
        onCrash: 'destroy',
        sched: { credit: {}, bvt: {} },
        disks: [],
        vifs: [],
        ignored: [],
      },
    ],
  };
}

/** The defaults a host file starts from: the default machine, with no domains and no extra plugins. */
function emptyHost(source: string): HostSpec {
  return { ...defaultConfig(), source, plugins: [], domains: [] };
}

export function parseHostConfig(text: string, file: string): HostSpec {
  return hostFromXl(parseXlConfig(text, file), dirname(resolve(file)));
}

export function hostFromXl(cfg: XlConfig, baseDir: string): HostSpec {
  for (const key of cfg.settings.keys()) {
    if (!(HOST_KEYS as readonly string[]).includes(key)) {
      const hint = key === 'name' || key === 'kernel' ? ' (this looks like a domain config mixed into a host file)' : '';
      throw cfg.error(key, `unknown host setting '${key}'${hint} (host settings: ${HOST_KEYS.join(', ')})`);
    }
  }
  const h = emptyHost(cfg.file);
  for (const [key, setting] of cfg.settings) h.lines[key] = setting.line;
  const scheduler = cfg.string('scheduler');
  if (scheduler !== undefined) {
    if (!/^[a-z][a-z0-9_-]*$/.test(scheduler)) throw cfg.error('scheduler', `'scheduler' must be a scheduler name like "credit", "bvt" or "rr", got "${scheduler}"`);
    h.scheduler = scheduler;
  }
  h.pcpus = cfg.integer('pcpus', 1, 16) ?? h.pcpus;
  h.memoryMb = cfg.integer('memory', 16, 3072, 'MiB') ?? h.memoryMb;
  h.paging = cfg.choice('paging', ['2level', 'pae'] as const) ?? h.paging;
  h.plugins = cfg.stringList('plugins') ?? [];
  for (const p of h.plugins) {
    if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(p) && !isAbsolute(p)) {
      throw cfg.error('plugins', `'plugins' lists package names (e.g. "@xen-ts/guest-xenolinux") or absolute module paths; "${p}" is neither`);
    }
  }
  for (const item of cfg.stringList('sched_options') ?? []) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(-?\d+(?:\.\d+)?)\s*$/.exec(item);
    if (m === null) throw cfg.error('sched_options', `'sched_options' items look like "tsliceMs=30", got "${item}"`);
    h.schedulerOptions[m[1]!] = Number(m[2]);
  }
  h.cpuMhz = cfg.integer('cpu_mhz', 1, 10000, 'MHz') ?? h.cpuMhz;
  const quantumUs = cfg.integer('quantum_us', 1, 1_000_000, 'µs');
  if (quantumUs !== undefined) h.quantumNs = quantumUs * 1000;
  h.pace = cfg.number('pace', 0, 1e6) ?? h.pace;
  const trace = cfg.integer('trace', 0, 1);
  if (trace !== undefined) h.trace = trace === 1;
  h.commandLine = cfg.string('commandline') ?? '';
  h.domainFiles = (cfg.stringList('domains') ?? []).map((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
  return h;
}

/** Is this xl.cfg text a domain (it has `name =`) rather than a host file? */
export function isDomainConfig(cfg: XlConfig): boolean {
  return cfg.has('name');
}

export interface LoadedConfig {
  host: HostSpec;
  domains: DomainSpec[];
}

/**
 * What `xen start FILE...` boots: at most one host file, any number of domain files (after the
 * host file's own `domains = [...]`). With no file at all: {@link defaultConfig}.
 */
export function loadStartConfig(files: readonly string[], read: (path: string) => string): LoadedConfig {
  if (files.length === 0) {
    const host = defaultConfig();
    return { host, domains: host.domains };
  }
  let host: HostSpec | undefined;
  const extra: DomainSpec[] = [];
  for (const file of files) {
    const text = readConfigFile(file, read);
    const cfg = parseXlConfig(text, file);
    if (isDomainConfig(cfg)) {
      extra.push(parseDomainConfig(text, file));
    } else {
      if (host !== undefined) throw new ConfigError(file, 0, `a second host file (the first was ${host.source}); give one host file and any number of domain files`);
      host = hostFromXl(cfg, dirname(resolve(file)));
    }
  }
  host ??= emptyHost('<default host>');
  const domains = host.domainFiles.map((f) => parseDomainConfig(readConfigFile(f, read, host.source), f));
  domains.push(...extra);
  const seen = new Map<string, string>();
  for (const d of domains) {
    const before = seen.get(d.name);
    if (before !== undefined) throw new ConfigError(d.source, 0, `domain name '${d.name}' is already used by ${before}; names are unique on a host`);
    seen.set(d.name, d.source);
  }
  return { host, domains };
}

export function readConfigFile(file: string, read: (path: string) => string, from?: string): string {
  try {
    return read(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new ConfigError(file, 0, `cannot read the config file: ${why}${from === undefined ? '' : ` (listed in ${from})`}`);
  }
}
