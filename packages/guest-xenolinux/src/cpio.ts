// A cpio "newc" archive writer: the initramfs format Linux unpacks (and ours, kernel/initramfs.c).
// Each entry: "070701", 13 eight-digit hex fields (ino, mode, uid, gid, nlink, mtime, filesize,
// devmajor, devminor, rdevmajor, rdevminor, namesize, check), the NUL-terminated name padded to
// 4 bytes, the data padded to 4; the archive ends with "TRAILER!!!".

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number };

export interface CpioOptions {
  /** mtime of every entry (seconds); fixed so archives are reproducible. */
  mtime?: number;
}

const encoder = new TextEncoder();

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio: field value ${n} does not fit 32 bits`);
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Builds a newc archive from `entries`, in order (parents before children, as Linux expects). */
export function writeCpio(entries: readonly CpioEntry[], options: CpioOptions = {}): Uint8Array {
  const mtime = options.mtime ?? 0;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array): void => {
    chunks.push(b);
    size += b.length;
  };
  let ino = 1;
  const add = (name: string, mode: number, data: Uint8Array, nlink: number, rdev: [number, number]): void => {
    if (name.length === 0 || name.includes('\0')) throw new RangeError(`cpio: bad path ${JSON.stringify(name)}`);
    const nameBytes = encoder.encode(`${name}\0`);
    const fields = [ino++, mode, 0, 0, nlink, mtime, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
    const header = encoder.encode(`070701${fields.map(hex8).join('')}`);
    push(header);
    push(nameBytes);
    push(new Uint8Array(pad4(header.length + nameBytes.length)));
    push(data);
    push(new Uint8Array(pad4(data.length)));
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    switch (e.type) {
      case 'dir':
        add(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), 2, [0, 0]);
        break;
      case 'file':
        add(path, S_IFREG | (e.mode ?? 0o644), e.data, 1, [0, 0]);
        break;
      case 'symlink':
        add(path, S_IFLNK | 0o777, encoder.encode(e.target), 1, [0, 0]);
        break;
      case 'chardev':
        add(path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), 1, [e.major, e.minor]);
        break;
    }
  }
  ino = 0;
  add('TRAILER!!!', 0, new Uint8Array(0), 1, [0, 0]);
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Reads a newc archive back (for tests and tools). Throws on a malformed archive. */
export function readCpio(bytes: Uint8Array): { path: string; mode: number; data: Uint8Array; rdev: [number, number] }[] {
  const dec = new TextDecoder('latin1');
  const out: { path: string; mode: number; data: Uint8Array; rdev: [number, number] }[] = [];
  let off = 0;
  for (;;) {
    if (off + 110 > bytes.length) throw new RangeError(`cpio: truncated header at ${off}`);
    const h = dec.decode(bytes.subarray(off, off + 110));
    if (h.slice(0, 6) !== '070701') throw new RangeError(`cpio: bad magic at ${off}`);
    const f = (i: number): number => parseInt(h.slice(6 + i * 8, 14 + i * 8), 16);
    const namesize = f(11);
    const filesize = f(6);
    const nameEnd = off + 110 + namesize;
    const path = dec.decode(bytes.subarray(off + 110, nameEnd - 1));
    const dataStart = nameEnd + pad4(110 + namesize);
    if (dataStart + filesize > bytes.length) throw new RangeError(`cpio: truncated data of ${path}`);
    if (path === 'TRAILER!!!') return out;
    out.push({ path, mode: f(1), data: bytes.subarray(dataStart, dataStart + filesize), rdev: [f(9), f(10)] });
    off = dataStart + filesize + pad4(filesize);
  }
}
