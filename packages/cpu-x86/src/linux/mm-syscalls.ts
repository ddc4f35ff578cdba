/**
 * Memory system calls: brk, mmap/mmap2 (anonymous and private file
 * mappings), munmap, mprotect, mremap, madvise. Mappings only reserve ranges;
 * pages arrive on first touch through the page-fault handler.
 */
import { MMAP_MIN_ADDR, pageDown, pageUp, type VmaBacking } from './address-space.js';
import { HostFile } from './file-description.js';
import {
  EACCES, EEXIST, EINVAL, ENODEV, ENOMEM, Errno, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN,
  MAP_PRIVATE, MAP_SHARED, MMAP_BASE, MREMAP_FIXED, MREMAP_MAYMOVE, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, TASK_SIZE,
} from './linux-abi.js';
import type { LinuxProcess } from './linux-process.js';
import type { SyscallGroup } from './syscall-types.js';

const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;

function brk(p: LinuxProcess, addr: number): number {
  const want = addr >>> 0;
  if (want < p.brkStart) return p.brk;
  const oldEnd = pageUp(p.brk);
  const newEnd = pageUp(want);
  if (newEnd > oldEnd) {
    if (newEnd > MMAP_BASE || !p.as.isFree(oldEnd, newEnd)) return p.brk;
    const heap = p.as.findVma(oldEnd - 1);
    if (heap !== undefined && heap.kind === 'heap' && heap.end === oldEnd) heap.end = newEnd;
    else p.as.addVma({ start: oldEnd, end: newEnd, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE, kind: 'heap', backing: null });
  } else if (newEnd < oldEnd) {
    p.as.unmap(newEnd, oldEnd);
  }
  p.brk = want;
  return want;
}

export function mmap(p: LinuxProcess, addr: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
  addr >>>= 0;
  const len = pageUp(length >>> 0);
  if ((length >>> 0) === 0 || len === 0 || len > TASK_SIZE) throw new Errno(length === 0 ? EINVAL : ENOMEM);
  if ((offset % PAGE_SIZE) !== 0) throw new Errno(EINVAL);
  const type = flags & (MAP_SHARED | MAP_PRIVATE);
  if (type === 0) throw new Errno(EINVAL);
  let backing: VmaBacking | null = null;
  let fileBytes: Uint8Array | null = null;
  if ((flags & MAP_ANONYMOUS) === 0) {
    const d = p.fds.get(fd);
    if (!(d instanceof HostFile) || d.isDirectory) throw new Errno(ENODEV);
    if (!d.readable) throw new Errno(EACCES);
    if ((flags & MAP_SHARED) !== 0 && (prot & PROT_WRITE) !== 0 && !d.writable) throw new Errno(EACCES);
    const st = d.stat();
    if (st.isCharacterDevice()) {
      // /dev/zero and friends: an anonymous mapping.
    } else if (!st.isFile()) {
      throw new Errno(ENODEV);
    } else {
      const size = Number(st.size);
      const n = Math.max(0, Math.min(len, size - offset));
      fileBytes = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const k = d.pread(fileBytes.subarray(got), offset + got);
        if (k === 0) break;
        got += k;
      }
    }
  }
  let start: number;
  if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0) {
    if ((addr & 0xfff) !== 0) throw new Errno(EINVAL);
    if (addr < MMAP_MIN_ADDR || addr + len > TASK_SIZE) throw new Errno(addr < MMAP_MIN_ADDR ? 1 /* EPERM */ : ENOMEM);
    if ((flags & MAP_FIXED) === 0 && !p.as.isFree(addr, addr + len)) throw new Errno(EEXIST);
    start = addr;
    p.as.unmap(start, start + len);
  } else {
    const hint = pageDown(addr);
    if (hint >= MMAP_MIN_ADDR && hint + len <= TASK_SIZE && p.as.isFree(hint, hint + len)) start = hint;
    else {
      start = p.as.findFree(len, MMAP_BASE);
      if (start < 0) throw new Errno(ENOMEM);
    }
  }
  if (fileBytes !== null) backing = { data: fileBytes, fileStart: start, dataOffset: 0, fileEnd: start + fileBytes.length };
  p.as.addVma({ start, end: start + len, prot: prot & PROT_MASK, flags: flags & (MAP_SHARED | MAP_PRIVATE | MAP_GROWSDOWN), kind: 'mmap', backing });
  return start | 0;
}

function munmap(p: LinuxProcess, addr: number, length: number): number {
  addr >>>= 0;
  if ((addr & 0xfff) !== 0 || (length >>> 0) === 0) throw new Errno(EINVAL);
  const end = pageUp(addr + (length >>> 0));
  if (end > TASK_SIZE) throw new Errno(EINVAL);
  p.as.unmap(addr, end);
  return 0;
}

function mprotect(p: LinuxProcess, addr: number, length: number, prot: number): number {
  addr >>>= 0;
  if ((addr & 0xfff) !== 0) throw new Errno(EINVAL);
  const end = pageUp(addr + (length >>> 0));
  if (end > TASK_SIZE || end < addr) throw new Errno(ENOMEM);
  if (end === addr) return 0;
  if (!p.as.isMapped(addr, end)) throw new Errno(ENOMEM);
  p.as.protect(addr, end, prot & PROT_MASK);
  return 0;
}

function mremap(p: LinuxProcess, oldAddr: number, oldSize: number, newSize: number, flags: number, newAddr: number): number {
  oldAddr >>>= 0;
  if ((oldAddr & 0xfff) !== 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) !== 0) throw new Errno(EINVAL);
  const oldLen = pageUp(oldSize >>> 0);
  const newLen = pageUp(newSize >>> 0);
  if (newLen === 0) throw new Errno(EINVAL);
  const vma = p.as.findVma(oldAddr);
  if (vma === undefined || !p.as.isMapped(oldAddr, oldAddr + oldLen)) throw new Errno(14 /* EFAULT */);
  if ((flags & MREMAP_FIXED) !== 0) {
    if ((flags & MREMAP_MAYMOVE) === 0 || ((newAddr >>> 0) & 0xfff) !== 0) throw new Errno(EINVAL);
    const to = newAddr >>> 0;
    p.as.unmap(to, to + newLen);
    return moveTo(p, oldAddr, oldLen, newLen, to);
  }
  if (newLen <= oldLen) {
    if (newLen < oldLen) p.as.unmap(oldAddr + newLen, oldAddr + oldLen);
    return oldAddr | 0;
  }
  const tailEnd = oldAddr + newLen;
  const last = p.as.findVma(oldAddr + oldLen - 1);
  if (tailEnd <= TASK_SIZE && p.as.isFree(oldAddr + oldLen, tailEnd) && last !== undefined && last.end === oldAddr + oldLen) {
    p.as.addVma({ ...last, start: oldAddr + oldLen, end: tailEnd, backing: last.backing });
    return oldAddr | 0;
  }
  if ((flags & MREMAP_MAYMOVE) === 0) throw new Errno(ENOMEM);
  const to = p.as.findFree(newLen, MMAP_BASE);
  if (to < 0) throw new Errno(ENOMEM);
  return moveTo(p, oldAddr, oldLen, newLen, to);
}

function moveTo(p: LinuxProcess, from: number, oldLen: number, newLen: number, to: number): number {
  const keep = Math.min(oldLen, newLen);
  const last = p.as.findVma(from + keep - 1)!;
  const template = { ...last };
  p.as.move(from, keep, to);
  if (oldLen > keep) p.as.unmap(from + keep, from + oldLen);
  if (newLen > keep) {
    const delta = to - from;
    const b = template.backing;
    p.as.addVma({
      ...template, start: to + keep, end: to + newLen,
      backing: b === null ? null : { ...b, fileStart: b.fileStart + delta, fileEnd: b.fileEnd + delta },
    });
  }
  return to | 0;
}

export const mmSyscalls: SyscallGroup = {
  brk: (p, addr) => brk(p, addr),
  mmap2: (p, addr, len, prot, flags, fd, pgoff) => mmap(p, addr, len, prot, flags, fd, (pgoff >>> 0) * PAGE_SIZE),
  mmap: (p, args) => {
    const a = (i: number): number => p.as.read32(args + 4 * i);
    return mmap(p, a(0), a(1), a(2), a(3), a(4), a(5) >>> 0);
  },
  munmap: (p, addr, len) => munmap(p, addr, len),
  mprotect: (p, addr, len, prot) => mprotect(p, addr, len, prot),
  mremap: (p, a, os, ns, flags, na) => mremap(p, a, os, ns, flags, na),
  madvise: (p, addr, len, advice) => {
    // MADV_DONTNEED (4) drops the pages of private anonymous memory: they read as zero afterwards.
    if (advice === 4) {
      const start = addr >>> 0;
      const end = pageUp(start + (len >>> 0));
      for (let a = start; a < end;) {
        const v = p.as.findVma(a);
        if (v === undefined) { a += PAGE_SIZE; continue; }
        const e = Math.min(v.end, end);
        if (v.backing === null) {
          const saved = { ...v };
          p.as.unmap(a, e);
          p.as.addVma({ ...saved, start: a, end: e });
        }
        a = e;
      }
    }
    return 0;
  },
  msync: () => 0,
  mlock: () => 0,
  munlock: () => 0,
  mlockall: () => 0,
  munlockall: () => 0,
  mincore: (p, addr, len, vec) => {
    const n = pageUp(len >>> 0) / PAGE_SIZE;
    if (!p.as.isMapped(addr >>> 0, (addr >>> 0) + n * PAGE_SIZE)) throw new Errno(ENOMEM);
    p.as.writeBytes(vec, new Uint8Array(n).fill(1));
    return 0;
  },
};

