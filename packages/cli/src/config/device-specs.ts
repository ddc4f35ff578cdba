// DISKSPEC and NETSPEC strings of `disk=[…]` and `vif=[…]` (xl-disk-configuration(5),
// xl-network-configuration(5)). Parsed and checked here, kept on the domain for the block and
// network backends (plugins) to use.

export interface DiskSpec {
  target: string;
  format: 'raw' | 'qcow' | 'qcow2' | 'vhd' | 'qed';
  vdev: string;
  access: 'rw' | 'ro';
  devtype: 'disk' | 'cdrom';
  backend: string;
  backendtype?: string;
}

export interface VifSpec {
  devid: number;
  mac?: string;
  bridge: string;
  ip?: string;
  vifname?: string;
  script?: string;
  model?: string;
  rate?: string;
  mtu?: number;
  backend: string;
  /** Other keys, kept verbatim for backends. */
  extra: Record<string, string>;
}

const FORMATS = ['raw', 'qcow', 'qcow2', 'vhd', 'qed'] as const;

/** Throws an Error with a plain message; the caller adds file and line. */
export function parseDiskSpec(spec: string): DiskSpec {
  const out: Partial<DiskSpec> = { access: undefined, devtype: 'disk', backend: '0' };
  const positional: string[] = [];
  let rest = spec.trim();
  // `target=` must come last and takes the rest of the string, commas included.
  const targetAt = /(^|,)\s*target=/.exec(rest);
  if (targetAt !== null) {
    out.target = rest.slice(targetAt.index + targetAt[0].length).trim();
    rest = rest.slice(0, targetAt.index);
  }
  const items = rest === '' ? [] : rest.split(',').map((s) => s.trim());
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      if (item === 'cdrom') out.devtype = 'cdrom';
      else positional.push(item);
      continue;
    }
    const k = item.slice(0, eq).trim();
    const v = item.slice(eq + 1).trim();
    switch (k) {
      case 'format':
        if (!(FORMATS as readonly string[]).includes(v)) throw new Error(`disk format must be one of ${FORMATS.join(', ')}, got '${v}'`);
        out.format = v as DiskSpec['format'];
        break;
      case 'vdev':
        out.vdev = v;
        break;
      case 'access':
        out.access = parseAccess(v);
        break;
      case 'devtype':
        if (v !== 'cdrom' && v !== 'disk') throw new Error(`disk devtype must be 'cdrom' or 'disk', got '${v}'`);
        out.devtype = v;
        break;
      case 'backend':
        out.backend = v;
        break;
      case 'backendtype':
        if (!['phy', 'qdisk', 'standalone', 'tap'].includes(v)) throw new Error(`disk backendtype must be phy, qdisk, standalone or tap, got '${v}'`);
        out.backendtype = v;
        break;
      default:
        throw new Error(`unknown disk key '${k}' (known: target, format, vdev, access, devtype, backend, backendtype)`);
    }
  }
  // Positional order: target, format, vdev, access (an empty item keeps the default).
  if (positional.length > 4) throw new Error(`too many positional items in disk spec '${spec}' (target, format, vdev, access)`);
  // The deprecated 'format:target,vdev,access' form has no format item.
  const deprecated = /^(raw|qcow|qcow2|vhd|qed|phy|file|aio|tap|tap2):/.test(positional[0] ?? '');
  if (deprecated && positional.length > 3) throw new Error(`too many items in the deprecated disk spec '${spec}' (format:target, vdev, access)`);
  const [pTarget, pFormat, pVdev, pAccess] = deprecated ? [positional[0], undefined, positional[1], positional[2]] : positional;
  if (pTarget !== undefined && pTarget !== '') {
    // Deprecated `format:target` form, e.g. 'raw:/dev/vg/guest'.
    const legacy = /^(raw|qcow|qcow2|vhd|qed|phy|file|aio|tap|tap2):(.*)$/.exec(pTarget);
    if (legacy !== null) {
      if ((FORMATS as readonly string[]).includes(legacy[1]!)) out.format ??= legacy[1] as DiskSpec['format'];
      out.target ??= legacy[2]!;
    } else {
      out.target ??= pTarget;
    }
  }
  if (pFormat !== undefined && pFormat !== '') {
    if (!(FORMATS as readonly string[]).includes(pFormat)) throw new Error(`disk format must be one of ${FORMATS.join(', ')}, got '${pFormat}'`);
    out.format = pFormat as DiskSpec['format'];
  }
  if (pVdev !== undefined && pVdev !== '') out.vdev = pVdev;
  if (pAccess !== undefined && pAccess !== '') out.access = parseAccess(pAccess);
  if (out.vdev === undefined) throw new Error(`disk spec '${spec}' has no vdev (e.g. 'disk.img,raw,xvda,rw'); vdev is mandatory`);
  if (out.target === undefined && out.devtype !== 'cdrom') throw new Error(`disk spec '${spec}' has no target (a file or device)`);
  return {
    target: out.target ?? '',
    format: out.format ?? 'raw',
    vdev: out.vdev,
    access: out.access ?? (out.devtype === 'cdrom' ? 'ro' : 'rw'),
    devtype: out.devtype ?? 'disk',
    backend: out.backend ?? '0',
    ...(out.backendtype === undefined ? {} : { backendtype: out.backendtype }),
  };
}

function parseAccess(v: string): 'rw' | 'ro' {
  if (v === 'rw' || v === 'w') return 'rw';
  if (v === 'ro' || v === 'r') return 'ro';
  throw new Error(`disk access must be rw, w, ro or r, got '${v}'`);
}

const VIF_KEYS = ['mac', 'bridge', 'gatewaydev', 'netdev', 'type', 'model', 'vifname', 'script', 'ip', 'backend', 'rate', 'devid', 'mtu'];

/** One vif entry; `index` is its place in the list (its default DEVID). */
export function parseVifSpec(spec: string, index: number): VifSpec {
  const out: VifSpec = { devid: index, bridge: 'xenbr0', backend: '0', extra: {} };
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) throw new Error(`vif item '${item}' is not key=value (known keys: ${VIF_KEYS.join(', ')})`);
    const k = item.slice(0, eq).trim();
    const v = item.slice(eq + 1).trim();
    switch (k) {
      case 'mac':
        // Xen's OUI 00:16:3e is the default; any unicast MAC is accepted.
        if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(v)) throw new Error(`vif mac must look like 00:16:3e:xx:xx:xx, got '${v}'`);
        if ((parseInt(v.slice(0, 2), 16) & 1) !== 0) throw new Error(`vif mac '${v}' is a multicast address`);
        out.mac = v.toLowerCase();
        break;
      case 'bridge':
        out.bridge = v;
        break;
      case 'ip':
        out.ip = v;
        break;
      case 'vifname':
        out.vifname = v;
        break;
      case 'script':
        out.script = v;
        break;
      case 'model':
        out.model = v;
        break;
      case 'rate':
        if (!/^\d+(\.\d+)?[KMG]?[bB]\/s(@\d+[mu]?s)?$/.test(v)) throw new Error(`vif rate must look like 10Mb/s or 10Mb/s@20ms, got '${v}'`);
        out.rate = v;
        break;
      case 'backend':
        out.backend = v;
        break;
      case 'devid':
      case 'mtu': {
        const n = Number(v);
        if (!/^\d+$/.test(v) || (k === 'mtu' && (n < 68 || n > 65535))) throw new Error(`vif ${k} must be ${k === 'mtu' ? '68..65535' : 'a non-negative integer'}, got '${v}'`);
        if (k === 'devid') out.devid = n;
        else out.mtu = n;
        break;
      }
      case 'gatewaydev':
      case 'netdev':
      case 'type':
        out.extra[k === 'netdev' ? 'gatewaydev' : k] = v;
        break;
      default:
        throw new Error(`unknown vif key '${k}' (known: ${VIF_KEYS.join(', ')})`);
    }
  }
  return out;
}
