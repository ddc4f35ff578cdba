// A deliberately minimal PV host on @xen-ts/cpu-x86, used only to smoke-test this package's
// framework (entry, hypercall page, page-table walks in both layouts, printf, trap bounces,
// ring 3, expected-fault capture, event upcalls and HYPERVISOR_iret) before @xen-ts/hypervisor can
// boot the guests. It implements just the hypercalls the smoke-tested guests use, with Xen's
// register convention, bounce-frame layout and start-of-day state (xen-abi.md 2.1, 2.6, 2.7,
// 2.22). It validates almost nothing and is not a model of Xen.
import { Cpu, PhysicalMemory, StopReason, CS, SS, DS, ES, FS, GS, EAX, EBX, ECX, EDX, ESI, EDI, ESP } from '@xen-ts/cpu-x86';
import { CR0_PE, CR0_PG, CR0_WP, CR0_NE, CR0_ET, CR0_MP, CR4_PAE } from '@xen-ts/cpu-x86';

export type SmokeLayout = '2level' | 'pae';

export interface SmokeResult {
  console: string;
  shutdownReason: number | undefined;
  instructions: number;
}

const PAGE = 4096;
const VIRT_BASE = 0xc0000000;
const GDT_LIN = 0xfc800000; // 16 pages
const IDT_LIN = 0xfc810000;
const TSS_LIN = 0xfc811000;
const HSTACK_TOP = 0xfc818000; // 3 pages below, above the TSS
const ENTRY_LIN = 0xfc820000; // host entry points, 16 bytes per vector
const MFN_OFFSET = 0x400; // guest pfn p lives at mfn p + 0x400: a non-identity P2M
const HAS_EC = new Set([8, 10, 11, 12, 13, 14, 17]);
const ENOSYS = -38, EFAULT = -14, EINVAL = -22, EEXIST = -17, ENOENT = -2;
const NS_PER_CYCLE = 10; // a nominal 100 MHz clock: system time = cycles * 10 ns
const NR_PORTS = 1024;

class GuestFault extends Error {}

type Port =
  | { kind: 'free' }
  | { kind: 'virq'; virq: number }
  | { kind: 'ipi' }
  | { kind: 'unbound'; remote: number }
  | { kind: 'inter'; peer: number };

export function runSmokeGuest(
  image: Uint8Array,
  opts: { layout?: SmokeLayout; memoryMb?: number; cmdline?: string; budget?: number } = {},
): SmokeResult {
  const pae = opts.layout === 'pae';
  const hvStart = pae ? 0xf5800000 : 0xfc000000;
  const m2pEnd = pae ? 0xf6800000 : 0xfc400000;
  const segLimitPages = ((m2pEnd >>> 12) - 1) >>> 0; // segments end at the M2P end
  const pteSize = pae ? 8 : 4;
  const nrPages = ((opts.memoryMb ?? 16) << 20) / PAGE;
  const machinePages = nrPages + MFN_OFFSET + 64;
  const mem = new PhysicalMemory(machinePages * PAGE);
  const cpu = new Cpu({ memory: mem });
  let nextHvFrame = 1; // machine frames 1..MFN_OFFSET-1 belong to the host
  const hvFrame = (): number => nextHvFrame++;
  const m2pFrames = Math.ceil((machinePages * 4) / PAGE);
  const m2pBase = hvFrame();
  for (let i = 1; i < m2pFrames; i++) hvFrame();
  for (let m = 0; m < machinePages; m++) mem.write32(m2pBase * PAGE + m * 4, 0xffffffff);
  const mfnOf = (pfn: number): number => pfn + MFN_OFFSET;
  const wrEntry = (phys: number, v: number): void => {
    mem.write32(phys, v >>> 0);
    if (pae) mem.write32(phys + 4, 0);
  };

  // --- Load the ELF (PT_LOAD at paddr = vaddr, pfn = (vaddr - VIRT_BASE) / 4096).
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  let imageEnd = VIRT_BASE;
  for (let i = 0; i < dv.getUint16(44, true); i++) {
    const p = phoff + i * dv.getUint16(42, true);
    if (dv.getUint32(p, true) !== 1) continue;
    const off = dv.getUint32(p + 4, true), va = dv.getUint32(p + 8, true);
    const filesz = dv.getUint32(p + 16, true), memsz = dv.getUint32(p + 20, true);
    for (let b = 0; b < filesz; b++) {
      const v = va + b - VIRT_BASE;
      mem.write8(mfnOf(v >>> 12) * PAGE + (v & 0xfff), image[off + b]!);
    }
    imageEnd = Math.max(imageEnd, va + memsz);
  }
  let nextPfn = Math.ceil((imageEnd - VIRT_BASE) / PAGE);
  const allocPfn = (n = 1): number => { const p = nextPfn; nextPfn += n; return p; };
  const vaOf = (pfn: number): number => VIRT_BASE + pfn * PAGE;

  // Hypercall page (the HYPERCALL_PAGE note: VIRT_BASE + 0x1000).
  const hcPhys = mfnOf(1) * PAGE;
  for (let i = 0; i < 128; i++) {
    const b = i === 23 ? [0x50, 0xb8, 23, 0, 0, 0, 0xcd, 0x82] : [0xb8, i, 0, 0, 0, 0xcd, 0x82, 0xc3];
    b.forEach((x, k) => mem.write8(hcPhys + i * 32 + k, x));
  }

  // --- Builder layout (2.22): p2m, start_info, xenstore, console, page tables, stack.
  const p2mPfn = allocPfn(Math.ceil((nrPages * 4) / PAGE));
  for (let p = 0; p < nrPages; p++) {
    mem.write32(mfnOf(p2mPfn) * PAGE + p * 4, mfnOf(p));
    mem.write32(m2pBase * PAGE + mfnOf(p) * 4, p);
  }
  const siPfn = allocPfn(), storePfn = allocPfn(), consPfn = allocPfn();
  const topPfn = allocPfn();
  const l2Pfn = pae ? allocPfn() : topPfn;
  const l1Pfns = pae ? [allocPfn(), allocPfn()] : [allocPfn()];
  const stackPfn = allocPfn();
  if (nextPfn > 1024 - 128) throw new Error('smoke host: image too large for the 4 MiB region');
  const sharedMfn = hvFrame();
  const ptPfns = new Set([topPfn, l2Pfn, ...l1Pfns]);

  // Guest tables mapping pfns 0..1023 (the first 4 MiB), tables read-only.
  const top = mfnOf(topPfn) * PAGE, l2 = mfnOf(l2Pfn) * PAGE;
  if (pae) wrEntry(top + 3 * 8, l2 | 1); // L3 slot 3 -> the L2 for 0xC0000000..
  const l2Index = (va: number): number => (pae ? ((va >>> 21) & 511) : va >>> 22);
  l1Pfns.forEach((f, i) => wrEntry(l2 + (l2Index(VIRT_BASE) + i) * pteSize, (mfnOf(f) * PAGE) | 0x67));
  for (let p = 0; p < 1024; p++) {
    const l1 = mfnOf(l1Pfns[pae ? p >>> 9 : 0]!) * PAGE;
    wrEntry(l1 + (pae ? p & 511 : p) * pteSize, (mfnOf(p) * PAGE) | (ptPfns.has(p) ? 0x21 : 0x63));
  }
  // Xen slots: the hole's L1s (M2P read-only and user-readable, then the host's own pages).
  const holeL1 = new Map<number, number>();
  const perL1 = pae ? 1 << 21 : 1 << 22;
  for (let lin = hvStart; lin !== 0 && lin >>> 0 >= hvStart; lin = (lin + perL1) >>> 0) {
    const f = hvFrame();
    holeL1.set(Math.floor(lin / perL1), f);
    wrEntry(l2 + l2Index(lin) * pteSize, (f * PAGE) | 0x67);
  }
  const mapHv = (lin: number, frame: number, flags: number): void => {
    const f = holeL1.get(Math.floor(lin / perL1))!;
    wrEntry(f * PAGE + ((lin >>> 12) & (pae ? 511 : 1023)) * pteSize, (frame * PAGE) | flags);
  };
  for (let i = 0; i < m2pFrames; i++) mapHv(hvStart + i * PAGE, m2pBase + i, 0x25);
  const gdtZero = hvFrame(), gdtXen = hvFrame();
  for (let i = 0; i < 16; i++) mapHv(GDT_LIN + i * PAGE, i === 14 ? gdtXen : gdtZero, i === 14 ? 0x63 : 0x21);
  const idtF = hvFrame(), tssF = hvFrame(), entF = hvFrame();
  mapHv(IDT_LIN, idtF, 0x63);
  mapHv(TSS_LIN, tssF, 0x63);
  for (let a = HSTACK_TOP - 3 * PAGE; a < HSTACK_TOP; a += PAGE) mapHv(a, hvFrame(), 0x63);
  mapHv(ENTRY_LIN, entF, 0x63);

  // GDT (x86_32 Xen's reserved entries), TSS, IDT.
  const desc = (idx: number, lo: number, hi: number): void => {
    mem.write32(gdtXen * PAGE + (idx - 0x1c00) * 8, lo >>> 0);
    mem.write32(gdtXen * PAGE + (idx - 0x1c00) * 8 + 4, hi >>> 0);
  };
  const flat = (access: number, limitPages: number): [number, number] => [
    limitPages & 0xffff,
    0x00c00000 | (limitPages & 0xf0000) | (access << 8),
  ];
  desc(0x1c01, ...flat(0x9a, 0xfffff)); // 0xe008 ring-0 code
  desc(0x1c02, ...flat(0x92, 0xfffff)); // 0xe010 ring-0 data
  desc(0x1c03, ...flat(0xba, segLimitPages)); // 0xe019 ring-1 code
  desc(0x1c04, ...flat(0xb2, segLimitPages)); // 0xe021 ring-1 data
  desc(0x1c05, ...flat(0xfa, segLimitPages)); // 0xe02b ring-3 code
  desc(0x1c06, ...flat(0xf2, segLimitPages)); // 0xe033 ring-3 data
  desc(0x1c08, ((TSS_LIN & 0xffff) << 16) | 0x67, (TSS_LIN & 0xff000000) | ((TSS_LIN >>> 16) & 0xff) | 0x8900);
  mem.write32(tssF * PAGE + 4, HSTACK_TOP);
  mem.write32(tssF * PAGE + 8, 0xe010);
  mem.write16(tssF * PAGE + 102, 104);
  for (let v = 0; v < 256; v++) {
    const off = ENTRY_LIN + v * 16;
    const dpl = v === 3 || v === 4 || v === 0x80 || v === 0x81 ? 3 : v === 0x82 ? 1 : 0;
    mem.write32(idtF * PAGE + v * 8, ((0xe008 << 16) | (off & 0xffff)) >>> 0);
    mem.write32(idtF * PAGE + v * 8 + 4, ((off & 0xffff0000) | 0x8e00 | (dpl << 13)) >>> 0);
    cpu.addHostEntry(off, () => enter(v));
  }

  // start_info (2.4) and shared_info's time (2.5): system time = TSC * 10 ns.
  const si = mfnOf(siPfn) * PAGE;
  const magic = pae ? 'xen-3.0-x86_32p' : 'xen-3.0-x86_32';
  for (let i = 0; i < magic.length; i++) mem.write8(si + i, magic.charCodeAt(i));
  mem.write32(si + 32, nrPages);
  mem.write32(si + 36, sharedMfn * PAGE);
  mem.write32(si + 44, mfnOf(storePfn));
  mem.write32(si + 52, mfnOf(consPfn));
  mem.write32(si + 60, vaOf(topPfn));
  mem.write32(si + 64, ptPfns.size);
  mem.write32(si + 68, vaOf(p2mPfn));
  const cmd = opts.cmdline ?? '';
  for (let i = 0; i < cmd.length; i++) mem.write8(si + 80 + i, cmd.charCodeAt(i));
  const shared = sharedMfn * PAGE;
  mem.write32(shared + 32 + 24, 0xa0000000); // tsc_to_system_mul: (tsc << 4) * 0.625 = tsc * 10
  mem.write8(shared + 32 + 28, 4); // tsc_shift
  mem.write32(shared + 2308, 1_000_000_000); // wc_sec

  // --- CPU state (2.22).
  cpu.cr3 = top;
  if (pae) cpu.cr4 = CR4_PAE;
  cpu.cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP;
  cpu.gdtrBase = GDT_LIN;
  cpu.gdtrLimit = 0xffff;
  cpu.idtrBase = IDT_LIN;
  cpu.idtrLimit = 256 * 8 - 1;
  cpu.trSel = 0xe040;
  cpu.trBase = TSS_LIN;
  cpu.trLimit = 0x67;
  cpu.trType = 11;
  cpu.cpl = 1;
  cpu.setEflags(0x202);
  cpu.updateModeMasks();
  cpu.flushTlb(true);
  const segLimit = (segLimitPages * PAGE + 0xfff) >>> 0;
  cpu.setSegmentCache(CS, 0xe019, 0, segLimit, 0xc0bb);
  for (const s of [SS, DS, ES, FS, GS]) cpu.setSegmentCache(s, 0xe021, 0, segLimit, 0xc0b3);
  cpu.eip = entry;
  cpu.reg32[ESP] = vaOf(stackPfn + 1);
  cpu.reg32[ESI] = vaOf(siPfn);

  // --- Guest memory through the guest's tables (host-side, no permission checks).
  const pteAddr = (va: number): number => {
    let table = (cpu.cr3 >>> 0) & ~0x1f;
    if (pae) {
      const l3e = mem.read32(table + (va >>> 30) * 8);
      if (!(l3e & 1)) throw new GuestFault();
      table = (l3e & ~0xfff) >>> 0;
    } else table = table & ~0xfff;
    const l2e = mem.read32(table + l2Index(va) * pteSize);
    if (!(l2e & 1)) throw new GuestFault();
    return ((l2e & ~0xfff) >>> 0) + ((va >>> 12) & (pae ? 511 : 1023)) * pteSize;
  };
  const translate = (va: number): number => {
    const pte = mem.read32(pteAddr(va));
    if (!(pte & 1)) throw new GuestFault();
    return ((pte & ~0xfff) >>> 0) + (va & 0xfff);
  };
  const rd32 = (va: number): number => mem.read32(translate(va >>> 0));
  const wr32 = (va: number, v: number): void => mem.write32(translate(va >>> 0), v >>> 0);
  const rd8 = (va: number): number => mem.read8(translate(va >>> 0));

  // --- Per-domain state.
  const traps = new Map<number, { cs: number; eip: number; dpl: number }>();
  let kernelSs = 0xe021, kernelSp = vaOf(stackPfn + 1);
  let eventCs = 0, eventEip = 0;
  let consoleOut = '';
  let shutdownReason: number | undefined;
  const ports: Port[] = [{ kind: 'free' }];
  let timerPort = 0;
  let timerDeadline = 0n; // ns, 0 = off
  const now = (): bigint => BigInt(Math.floor(cpu.cycles + cpu.tscOffset)) * BigInt(NS_PER_CYCLE);

  const bit = (base: number, port: number): [number, number] => [shared + base + (port >>> 5) * 4, 1 << (port & 31)];
  const setPending = (port: number): void => {
    const [pa, m] = bit(2048, port);
    const was = mem.read32(pa);
    if (was & m) return;
    mem.write32(pa, (was | m) >>> 0);
    const [ma, mm] = bit(2176, port);
    if (mem.read32(ma) & mm) return;
    const sel = mem.read32(shared + 4);
    const w = 1 << (port >>> 5);
    if (!(sel & w)) {
      mem.write32(shared + 4, (sel | w) >>> 0);
      mem.write8(shared + 0, 1);
    }
  };
  const checkTimer = (): void => {
    if (timerDeadline !== 0n && now() >= timerDeadline) {
      timerDeadline = 0n;
      if (timerPort) setPending(timerPort);
    }
  };
  const upcallWanted = (): boolean => mem.read8(shared) !== 0 && mem.read8(shared + 1) === 0 && eventEip !== 0;

  // Pushes a Xen bounce frame on the guest stack for a ring-0 frame at `frame` (EIP, CS, EFLAGS,
  // ESP, SS) and aims the frame at cs:eip. `event` bounces also set the upcall mask.
  const bounceTo = (cs: number, eip: number, ec: number | undefined, frame: number, event: boolean): void => {
    const oeip = cpu.sysRead32(frame), ocs = cpu.sysRead32(frame + 4) & 0xffff;
    const eflags = cpu.sysRead32(frame + 8), esp = cpu.sysRead32(frame + 12), ss = cpu.sysRead32(frame + 16) & 0xffff;
    const fromRing3 = (ocs & 3) === 3;
    let sp = fromRing3 ? kernelSp : esp;
    const mask = mem.read8(shared + 1);
    const push = (v: number): void => { sp = (sp - 4) >>> 0; wr32(sp, v); };
    if (fromRing3) { push(ss); push(esp); }
    push((eflags & ~0x200) | (mask ? 0 : 0x200));
    push(ocs | (mask << 16));
    push(oeip);
    if (ec !== undefined) push(ec);
    if (event) mem.write8(shared + 1, 1);
    cpu.sysWrite32(frame, eip);
    cpu.sysWrite32(frame + 4, cs);
    cpu.sysWrite32(frame + 12, sp);
    cpu.sysWrite32(frame + 16, fromRing3 ? kernelSs : ss);
  };
  const bounce = (vector: number, ec: number | undefined, frame: number): void => {
    const t = traps.get(vector);
    if (!t) { shutdownReason = 3; cpu.requestStop(); return; } // no handler: domain_crash
    bounceTo(t.cs, t.eip, ec, frame, false);
  };

  const portOk = (p: number): boolean => p > 0 && p < ports.length && ports[p]!.kind !== 'free';
  const newPort = (p: Port): number => {
    let i = ports.findIndex((x, k) => k > 0 && x.kind === 'free');
    if (i < 0) { i = ports.length; ports.push(p); } else ports[i] = p;
    return i;
  };
  const evtchnOp = (cmd: number, arg: number): number => {
    switch (cmd) {
      case 0: { // bind_interdomain (to ourselves only)
        const rp = rd32(arg + 4);
        const r = ports[rp];
        if (!r || r.kind !== 'unbound') return EINVAL;
        const lp = newPort({ kind: 'inter', peer: rp });
        ports[rp] = { kind: 'inter', peer: lp };
        wr32(arg + 8, lp);
        return 0;
      }
      case 1: { // bind_virq
        const virq = rd32(arg), vcpu = rd32(arg + 4);
        if (virq >= 24) return EINVAL;
        if (vcpu !== 0) return ENOENT;
        if (virq === 0 && timerPort) return EEXIST;
        const p = newPort({ kind: 'virq', virq });
        if (virq === 0) timerPort = p;
        wr32(arg + 8, p);
        return 0;
      }
      case 3: { // close
        const p = rd32(arg);
        if (!portOk(p)) return EINVAL;
        const x = ports[p]!;
        if (x.kind === 'inter') ports[x.peer] = { kind: 'unbound', remote: 0 };
        if (x.kind === 'virq' && x.virq === 0) timerPort = 0;
        ports[p] = { kind: 'free' };
        return 0;
      }
      case 4: { // send
        const p = rd32(arg);
        if (!portOk(p)) return EINVAL;
        const x = ports[p]!;
        if (x.kind === 'ipi') setPending(p);
        else if (x.kind === 'inter') setPending(x.peer);
        else if (x.kind !== 'unbound') return EINVAL;
        return 0;
      }
      case 5: { // status
        const p = rd32(arg + 4);
        if (p >= NR_PORTS) return EINVAL;
        const x = ports[p] ?? { kind: 'free' };
        const st = { free: 0, unbound: 1, inter: 2, virq: 4, ipi: 5 }[x.kind];
        wr32(arg + 8, st);
        wr32(arg + 12, 0);
        wr32(arg + 16, x.kind === 'virq' ? x.virq : 0);
        wr32(arg + 20, x.kind === 'inter' ? x.peer : 0);
        return 0;
      }
      case 6: { // alloc_unbound
        wr32(arg + 4, newPort({ kind: 'unbound', remote: 0 }));
        return 0;
      }
      case 7: { // bind_ipi
        if (rd32(arg) !== 0) return ENOENT;
        wr32(arg + 4, newPort({ kind: 'ipi' }));
        return 0;
      }
      case 9: { // unmask: clear and re-deliver
        const p = rd32(arg);
        if (p >= NR_PORTS) return EINVAL;
        const [ma, mm] = bit(2176, p);
        mem.write32(ma, (mem.read32(ma) & ~mm) >>> 0);
        const [pa, pm] = bit(2048, p);
        if (mem.read32(pa) & pm) {
          mem.write32(pa, (mem.read32(pa) & ~pm) >>> 0);
          setPending(p);
        }
        return 0;
      }
      default:
        return ENOSYS;
    }
  };

  // Advances simulated time (the TSC) to `ns`.
  const advanceTo = (ns: bigint): void => {
    const d = ns - now();
    if (d > 0n) cpu.tscOffset += Number(d / BigInt(NS_PER_CYCLE)) + 1;
  };

  const hypercall = (nr: number, a: number[], frame: number): number => {
    switch (nr) {
      case 0: { // set_trap_table
        if (a[0] === 0) { traps.clear(); return 0; }
        for (let p = a[0]!; ; p += 8) {
          const w0 = rd32(p), addr = rd32(p + 4);
          if (addr === 0) return 0;
          let tcs = w0 >>> 16;
          if ((tcs & 3) === 0) tcs |= 1; // fixup_guest_code_selector
          traps.set(w0 & 0xff, { cs: tcs, eip: addr, dpl: (w0 >>> 8) & 3 });
        }
      }
      case 1: { // mmu_update: unvalidated writes, enough for alloc_va
        let i = 0;
        for (; i < a[1]!; i++) {
          const ptr = rd32(a[0]! + i * 16), val = rd32(a[0]! + i * 16 + 8), valHi = rd32(a[0]! + i * 16 + 12);
          if ((ptr & 3) === 0) {
            mem.write32(ptr & ~3, val);
            if (pae) mem.write32((ptr & ~3) + 4, valHi);
          } else if ((ptr & 3) === 1) mem.write32(m2pBase * PAGE + (ptr >>> 12) * 4, val);
          else return EINVAL;
        }
        if (a[2]) wr32(a[2], i);
        cpu.flushTlb(true);
        return 0;
      }
      case 3: kernelSs = a[0]! | ((a[0]! & 3) === 0 ? 1 : 0); kernelSp = a[1]!; return 0;
      case 4: eventCs = a[0]!; eventEip = a[1]!; return 0; // set_callbacks (failsafe unused)
      case 14: { // update_va_mapping(va, lo, hi, flags)
        const va = a[0]! >>> 0;
        if (va >= hvStart) return EINVAL;
        const mfn = a[1]! >>> 12;
        if ((a[1]! & 1) && mfn !== sharedMfn && (mfn < MFN_OFFSET || mfn >= MFN_OFFSET + nrPages)) return EINVAL;
        const pa = pteAddr(va);
        mem.write32(pa, a[1]!);
        if (pae) mem.write32(pa + 4, a[2]!);
        cpu.flushTlb(true);
        return 0;
      }
      case 15: { // set_timer_op(lo, hi)
        const t = (BigInt(a[1]! >>> 0) << 32n) | BigInt(a[0]! >>> 0);
        timerDeadline = t;
        if (t !== 0n) checkTimer();
        return 0;
      }
      case 17: // xen_version
        if (a[0] === 0) return 0x30000;
        if (a[0] === 6) { wr32(a[1]! + 4, 0); return 0; }
        if (a[0] === 7) return PAGE;
        if (a[0] === 5) { wr32(a[1]!, hvStart); return 0; }
        return ENOSYS;
      case 18: { // console_io write
        if (a[0] !== 0) return ENOSYS;
        for (let i = 0; i < a[1]!; i++) consoleOut += String.fromCharCode(rd8(a[2]! + i));
        return 0;
      }
      case 23: { // iret: {EAX, EIP, CS, EFLAGS, [ESP, SS]} on the guest stack
        const gsp = cpu.sysRead32(frame + 12);
        const eax = rd32(gsp), eip = rd32(gsp + 4), cs = rd32(gsp + 8) & 0xffff, eflags = rd32(gsp + 12);
        mem.write8(shared + 1, eflags & 0x200 ? 0 : 1);
        cpu.sysWrite32(frame, eip);
        cpu.sysWrite32(frame + 4, cs);
        cpu.sysWrite32(frame + 8, (eflags | 0x200) & ~0x3000);
        if ((cs & 3) === 3) {
          cpu.sysWrite32(frame + 12, rd32(gsp + 16));
          cpu.sysWrite32(frame + 16, rd32(gsp + 20));
        } else cpu.sysWrite32(frame + 12, gsp + 16);
        return eax;
      }
      case 24: return a[0] === 7 ? 0 : ENOSYS; // vcpu_op stop_periodic_timer (none runs here)
      case 26: { // mmuext_op: TLB maintenance only
        const c = rd32(a[0]!);
        if (c === 6 || c === 7) { cpu.flushTlb(true); return 0; }
        return ENOSYS;
      }
      case 29: // sched_op
        if (a[0] === 0) return 0;
        if (a[0] === 1) { // block: unmask, sleep until an event (the timer) is pending
          mem.write8(shared + 1, 0);
          if (!mem.read8(shared) && timerDeadline !== 0n) { advanceTo(timerDeadline); checkTimer(); }
          return 0;
        }
        if (a[0] === 2) { shutdownReason = rd32(a[1]!); cpu.requestStop(); return 0; }
        return ENOSYS;
      case 32: return evtchnOp(a[0]!, a[1]!);
      default:
        return ENOSYS;
    }
  };

  function enter(v: number): void {
    let frame = cpu.reg32[ESP]! >>> 0;
    let ec: number | undefined;
    if (HAS_EC.has(v)) { ec = cpu.sysRead32(frame); frame += 4; }
    const cs = cpu.sysRead32(frame + 4) & 0xffff;
    if (v === 0x82) {
      const r = cpu.reg32;
      let rc: number;
      try {
        rc = hypercall(r[EAX]!, [r[EBX]!, r[ECX]!, r[EDX]!, r[ESI]!, r[EDI]!], frame);
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        rc = EFAULT;
      }
      cpu.reg32[EAX] = rc;
    } else if (v === 0x80 || v === 0x81) {
      const t = traps.get(v);
      if (!t || t.dpl < (cs & 3)) { // software int the guest did not permit: #GP(vec << 3 | 2)
        cpu.sysWrite32(frame, (cpu.sysRead32(frame) - 2) >>> 0);
        bounce(13, (v << 3) | 2, frame);
      } else bounce(v, undefined, frame);
    } else {
      if (v === 14) mem.write32(shared + 8, cpu.cr2); // vcpu_info.arch.cr2
      bounce(v, ec, frame);
    }
    checkTimer();
    if (shutdownReason === undefined && upcallWanted()) bounceTo(eventCs, eventEip, undefined, frame, true);
    cpu.reg32[ESP] = frame;
    cpu.returnFromInterrupt();
  }

  // An event that became pending while the guest ran: deliver it at this instruction boundary as
  // Xen would on its next exit, by building the frame from the live state.
  const injectUpcall = (): void => {
    const fromRing3 = cpu.cpl === 3;
    let sp = fromRing3 ? kernelSp : cpu.reg32[ESP]! >>> 0;
    const mask = mem.read8(shared + 1);
    const push = (v: number): void => { sp = (sp - 4) >>> 0; wr32(sp, v); };
    if (fromRing3) { push(cpu.segSel[SS]!); push(cpu.reg32[ESP]!); }
    push((cpu.getEflags() & ~0x200) | (mask ? 0 : 0x200));
    push(cpu.segSel[CS]! | (mask << 16));
    push(cpu.eip);
    mem.write8(shared + 1, 1);
    if (fromRing3) {
      cpu.cpl = 1;
      cpu.setSegmentCache(SS, kernelSs, 0, segLimit, 0xc0b3);
      cpu.updateModeMasks();
    }
    cpu.setSegmentCache(CS, eventCs, 0, segLimit, 0xc0bb);
    cpu.reg32[ESP] = sp;
    cpu.eip = eventEip;
  };

  const budget = opts.budget ?? 400_000_000;
  let done = 0;
  while (shutdownReason === undefined && done < budget) {
    const before = cpu.instructions;
    const why = cpu.run(Math.min(20_000, budget - done));
    done += cpu.instructions - before;
    if (why === StopReason.Shutdown || why === StopReason.Halt) {
      consoleOut += `\n[smoke host: cpu stopped (${why === StopReason.Halt ? 'hlt' : 'triple fault'}) at eip 0x${(cpu.eip >>> 0).toString(16)}]\n`;
      break;
    }
    checkTimer();
    if (shutdownReason === undefined && upcallWanted() && cpu.cpl !== 0) injectUpcall();
  }
  return { console: consoleOut, shutdownReason, instructions: cpu.instructions };
}
