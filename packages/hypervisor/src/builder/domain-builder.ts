// The PV domain builder (xen-abi.md §2.22; tools/libs/guest/xg_dom_x86.c): memory for the domain,
// the kernel and ramdisk in it, the P2M list, start_info, the xenstore and console pages, the
// bootstrap page tables (read-only, pinned through the same validation every guest update gets),
// the boot stack, the hypercall page, and vCPU 0's initial registers.
import {
  GUEST_TYPE_X86_32,
  GUEST_TYPE_X86_32P,
  MmuextCmd,
  Selector,
  StartInfoView,
  buildHypercallPage,
} from '@xen-ts/abi';
import { mmuextOp, type Mmu } from '@xen-ts/mmu';
import { CS, DS, ES, ESI, ESP, FS, GS, SS } from '@xen-ts/cpu-x86';
import type { Domain } from '../domain/domain.js';
import type { Vcpu } from '../domain/vcpu.js';
import type { FrameAllocator } from '../machine/frame-allocator.js';
import type { HoleLayout } from '../machine/hole-layout.js';
import type { RamMachineMemory } from '../machine/machine-memory.js';
import { KernelImageError, type XenKernelImage } from './xen-kernel-image.js';

const PAGE = 4096;
const MB4 = 4 << 20;
/** Xen's builder flags: L1 entries present+RW+accessed(+dirty); upper levels also user. */
const L1_PROT = 0x1 | 0x2 | 0x20 | 0x40;
const L2_PROT = 0x1 | 0x2 | 0x4 | 0x20 | 0x40;
const L3_PROT = 0x1;
/** At least 512 kB of mapped padding after the last element (§2.22 rule 5). */
const PADDING = 512 * 1024;

export interface BuildRequest {
  domain: Domain;
  image: XenKernelImage;
  ramdisk?: Uint8Array;
  cmdline: string;
  nrPages: number;
  storeEvtchn: number;
  consoleEvtchn: number;
  /** Wall clock and system time are written later by the time code. */
}

export interface BuiltDomain {
  startInfoVa: number;
  startInfoMfn: number;
  storeMfn: number;
  consoleMfn: number;
  ptBaseMfn: number;
  nrPtFrames: number;
  regionEnd: number;
  entry: number;
  stackTop: number;
}

export class DomainBuilder {
  constructor(
    private readonly mem: RamMachineMemory,
    private readonly mmu: Mmu,
    private readonly alloc: FrameAllocator,
    private readonly layout: HoleLayout,
  ) {}

  build(req: BuildRequest, v0: Vcpu): BuiltDomain {
    const { domain: d, image } = req;
    const what = `domain ${d.id} (${d.name})`;
    const pae = this.layout.mode === 'pae';
    if (pae && image.paeMode === 'no') {
      throw new KernelImageError(what, 'the kernel is non-PAE (PAE_MODE no) but the hypervisor runs PAE paging; set `paging: 2level` in the host config');
    }
    if (!pae && image.paeMode === 'yes') {
      throw new KernelImageError(what, 'the kernel needs PAE (PAE_MODE yes) but the hypervisor runs 2-level paging; set `paging: pae` in the host config');
    }
    if (image.kend > this.layout.hypervisorVirtStart) {
      throw new KernelImageError(what, `the image reaches 0x${image.kend.toString(16)}, inside the hypervisor hole at 0x${this.layout.hypervisorVirtStart.toString(16)}`);
    }
    const base = image.virtBase >>> 0;
    const pageUp = (x: number): number => Math.ceil(x / PAGE) * PAGE;

    // Virtual layout, in the order of §2.22.
    let cursor = pageUp(image.kend);
    const ramdiskVa = cursor;
    const ramdiskLen = req.ramdisk?.length ?? 0;
    cursor = pageUp(cursor + ramdiskLen);
    const p2mVa = cursor;
    cursor = pageUp(cursor + req.nrPages * 4);
    const startInfoVa = cursor;
    cursor += PAGE;
    const storeVa = cursor;
    cursor += PAGE;
    const consoleVa = cursor;
    cursor += PAGE;
    const ptVa = cursor;
    // The page tables must map the whole region, which depends on how many there are.
    let nPt = 1;
    let regionEnd = 0;
    for (;;) {
      const stackVa = ptVa + nPt * PAGE;
      regionEnd = Math.ceil((stackVa + PAGE + PADDING) / MB4) * MB4;
      const need = this.countTables(base, regionEnd);
      if (need <= nPt) break;
      nPt = need;
    }
    const stackVa = ptVa + nPt * PAGE;
    const regionPages = (regionEnd - base) / PAGE;
    if (regionEnd > this.layout.hypervisorVirtStart) {
      throw new KernelImageError(what, 'the boot region (kernel, ramdisk, tables, padding) would reach the hypervisor hole; give the domain less memory or a smaller ramdisk');
    }
    if (regionPages > req.nrPages) {
      throw new KernelImageError(what, `needs at least ${Math.ceil((regionPages * PAGE) / (1 << 20))} MiB for its boot region; raise memory= (has ${Math.floor((req.nrPages * PAGE) / (1 << 20))} MiB)`);
    }

    // Machine memory: nrPages frames, owned by the domain, P2M pfn → mfn.
    if (this.alloc.freeFrames < req.nrPages + 1) {
      throw new RangeError(`${what}: not enough free machine memory (${req.nrPages} pages wanted, ${this.alloc.freeFrames} free)`);
    }
    const p2m: number[] = [];
    for (let pfn = 0; pfn < req.nrPages; pfn++) {
      const mfn = this.alloc.alloc();
      this.mem.clearFrame(mfn);
      this.mmu.ft.assign(mfn, d.id);
      this.mmu.m2p[mfn] = pfn;
      p2m.push(mfn);
    }
    d.p2m = p2m;
    d.maxPages = req.nrPages;
    d.totPages = req.nrPages;
    const mfnOf = (va: number): number => p2m[(va - base) >>> 12]!;
    const write = (va: number, bytes: Uint8Array): void => {
      for (let done = 0; done < bytes.length; ) {
        const a = (va + done) >>> 0;
        const n = Math.min(bytes.length - done, PAGE - (a & 0xfff));
        this.mem.u8.set(bytes.subarray(done, done + n), mfnOf(a) * PAGE + (a & 0xfff));
        done += n;
      }
    };

    for (const s of image.segments) write(s.vaddr, image.bytes.subarray(s.offset, s.offset + s.filesz));
    if (req.ramdisk !== undefined) write(ramdiskVa, req.ramdisk);
    const p2mBytes = new Uint8Array(req.nrPages * 4);
    const p2mView = new DataView(p2mBytes.buffer);
    p2m.forEach((mfn, pfn) => p2mView.setUint32(pfn * 4, mfn, true));
    write(p2mVa, p2mBytes);
    if (image.hypercallPage >= 0) write(image.hypercallPage, buildHypercallPage());

    // Page tables: the top table first, then the tables below it, all read-only in the region.
    const ptMfns: number[] = [];
    for (let i = 0; i < nPt; i++) ptMfns.push(mfnOf(ptVa + i * PAGE));
    const isPt = (va: number): boolean => va >= ptVa && va < ptVa + nPt * PAGE;
    const top = ptMfns[0]!;
    let next = 1;
    const takeTable = (): number => {
      const m = ptMfns[next++];
      if (m === undefined) throw new Error('domain builder: page-table count miscomputed');
      return m;
    };
    if (!pae) {
      const l1For = new Map<number, number>();
      for (let va = base; va < regionEnd; va += PAGE) {
        const slot = va >>> 22;
        let l1 = l1For.get(slot);
        if (l1 === undefined) {
          l1 = takeTable();
          l1For.set(slot, l1);
          this.mem.writePte(false, top, slot, (l1 * PAGE) | L2_PROT);
        }
        this.mem.writePte(false, l1, (va >>> 12) & 1023, (mfnOf(va) * PAGE) | (isPt(va) ? L1_PROT & ~2 : L1_PROT));
      }
    } else {
      const l2For = new Map<number, number>();
      const l1For = new Map<number, number>();
      const l2 = (slot3: number): number => {
        let m = l2For.get(slot3);
        if (m === undefined) {
          m = takeTable();
          l2For.set(slot3, m);
          this.mem.writePte(true, top, slot3, (m * PAGE) | L3_PROT);
        }
        return m;
      };
      l2(3); // the L2 that carries the hole always exists (Xen fills its slots)
      for (let va = base; va < regionEnd; va += PAGE) {
        const slot2 = va >>> 21;
        let l1 = l1For.get(slot2);
        if (l1 === undefined) {
          l1 = takeTable();
          l1For.set(slot2, l1);
          this.mem.writePte(true, l2(va >>> 30), slot2 & 511, (l1 * PAGE) | L2_PROT);
        }
        this.mem.writePte(true, l1, (va >>> 12) & 511, (mfnOf(va) * PAGE) | (isPt(va) ? L1_PROT & ~2 : L1_PROT));
      }
    }

    // Pin the top table: every entry is validated exactly as a guest's own tables would be.
    const pin = mmuextOp(this.mmu, d.id, [
      { cmd: pae ? MmuextCmd.MMUEXT_PIN_L3_TABLE : MmuextCmd.MMUEXT_PIN_L2_TABLE, arg1: top, arg2: 0 },
      { cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: top, arg2: 0 },
    ]);
    if (pin.rc !== 0) throw new Error(`${what}: the bootstrap page tables failed validation (rc ${pin.rc}); this is a builder bug`);
    v0.baseMfn = top;

    // start_info (§2.4).
    const siMfn = mfnOf(startInfoVa);
    const si = new StartInfoView(this.mem.view, siMfn * PAGE);
    si.magic = pae ? GUEST_TYPE_X86_32P : GUEST_TYPE_X86_32;
    si.nrPages = req.nrPages;
    si.sharedInfo = d.sharedInfoMfn * PAGE;
    si.flags = d.privileged ? 0x3 : 0; // SIF_PRIVILEGED | SIF_INITDOMAIN
    si.storeMfn = mfnOf(storeVa);
    si.storeEvtchn = req.storeEvtchn;
    si.consoleMfn = mfnOf(consoleVa);
    si.consoleEvtchn = req.consoleEvtchn;
    si.ptBase = ptVa;
    si.nrPtFrames = nPt;
    si.mfnList = p2mVa;
    si.modStart = ramdiskLen > 0 ? ramdiskVa : 0;
    si.modLen = ramdiskLen;
    const cmd = req.cmdline.length > 1023 ? req.cmdline.slice(0, 1023) : req.cmdline;
    si.cmdLine = cmd;

    // vCPU 0's registers (§2.22 table).
    const c = v0.ctx;
    c.reg32.fill(0);
    c.eip = image.entry;
    c.reg32[ESP] = stackVa + PAGE;
    c.reg32[ESI] = startInfoVa;
    c.eflags = 0x202;
    c.cpl = 1;
    const limit = (this.layout.guestSegmentEnd - 1) >>> 0;
    const code = 0xbb | 0xc000; // present, DPL 1, code exec/read accessed; G and D
    const data = 0xb3 | 0xc000; // present, DPL 1, data read/write accessed; G and B
    c.segSel[CS] = Selector.FLAT_KERNEL_CS;
    c.segBase[CS] = 0;
    c.segLimit[CS] = limit;
    c.segAttr[CS] = code;
    for (const s of [DS, ES, FS, GS, SS]) {
      c.segSel[s] = Selector.FLAT_KERNEL_DS;
      c.segBase[s] = 0;
      c.segLimit[s] = limit;
      c.segAttr[s] = data;
    }
    v0.kernelSs = Selector.FLAT_KERNEL_SS;
    v0.kernelSp = stackVa + PAGE;
    return {
      startInfoVa,
      startInfoMfn: siMfn,
      storeMfn: mfnOf(storeVa),
      consoleMfn: mfnOf(consoleVa),
      ptBaseMfn: top,
      nrPtFrames: nPt,
      regionEnd,
      entry: image.entry,
      stackTop: stackVa + PAGE,
    };
  }

  /** Page-table pages needed to map [base, end). */
  private countTables(base: number, end: number): number {
    if (this.layout.mode !== 'pae') {
      return 1 + (Math.ceil(end / MB4) - Math.floor(base / MB4));
    }
    const l1s = Math.ceil(end / (2 << 20)) - Math.floor(base / (2 << 20));
    const l2Slots = new Set<number>([3]);
    for (let g = Math.floor(base / (1 << 30)); g <= Math.floor((end - 1) / (1 << 30)); g++) l2Slots.add(g);
    return 1 + l2Slots.size + l1s;
  }
}
