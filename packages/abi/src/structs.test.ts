import { describe, expect, it } from 'vitest';
import { ALL_STRUCTS } from './c-header.js';
import { sizeOfType, type StructLayout } from './struct.js';
import { START_INFO, StartInfoView } from './start-info.js';
import {
  SHARED_INFO,
  SharedInfoView,
  VCPU_INFO,
  VCPU_TIME_INFO,
  VcpuTimeInfoView,
} from './shared-info.js';
import { MMU_UPDATE, MMUEXT_OP, MmuextCmd, MmuextOpView, MmuUpdateView, MULTICALL_ENTRY } from './mmu-ops.js';
import { TRAP_INFO, TrapInfoView } from './trap-info.js';
import { EVTCHN_ALLOC_UNBOUND, EVTCHN_BIND_INTERDOMAIN, EVTCHN_STATUS } from './event-channel.js';
import {
  GNTTAB_COPY,
  GNTTAB_COPY_PTR,
  GNTTAB_GET_VERSION,
  GNTTAB_MAP_GRANT_REF,
  GNTTAB_QUERY_SIZE,
  GNTTAB_SETUP_TABLE,
  GNTTAB_UNMAP_GRANT_REF,
  GRANT_ENTRY_V1,
} from './grant-table.js';
import { SCHED_POLL } from './sched-ops.js';
import { XENCONS_INTERFACE } from './console.js';
import { XENSTORE_DOMAIN_INTERFACE, XSD_SOCKMSG, decodeXsdSockmsg, encodeXsdSockmsg } from './xenstore.js';
import { SRING_HEADER } from './ring.js';
import {
  VCPU_REGISTER_RUNSTATE_MEMORY_AREA,
  VCPU_REGISTER_VCPU_INFO,
  VCPU_RUNSTATE_INFO,
  VCPU_SET_PERIODIC_TIMER,
  VCPU_SET_SINGLESHOT_TIMER,
} from './vcpu-op.js';
import { XEN_MEMORY_RESERVATION } from './memory-op.js';
import { CALLBACK_REGISTER, CALLBACK_UNREGISTER, XEN_CALLBACK } from './callback.js';
import { XEN_COMPILE_INFO, XEN_FEATURE_INFO, XEN_PLATFORM_PARAMETERS } from './xen-version.js';
import { PHYSDEV_IRQ_STATUS_QUERY, PHYSDEV_SET_IOBITMAP, PHYSDEV_SET_IOPL } from './physdev.js';

function offsets(s: StructLayout): Record<string, number> {
  return Object.fromEntries(Object.entries(s.fields).map(([k, v]) => [k, v.offset]));
}

/** i386 System V alignment: a primitive aligns to min(size, 4); a struct to its widest member. */
function alignOf(t: StructLayout['fields'][string]['type']): number {
  if (typeof t === 'string') return Math.min(sizeOfType(t), 4);
  return Math.max(...Object.values(t.fields).map((fl) => alignOf(fl.type)));
}

describe('struct tables are self-consistent with i386 natural layout', () => {
  for (const s of ALL_STRUCTS) {
    it(s.cName, () => {
      let off = 0;
      let maxAlign = 1;
      for (const [name, fl] of Object.entries(s.fields)) {
        const a = alignOf(fl.type);
        maxAlign = Math.max(maxAlign, a);
        off = Math.ceil(off / a) * a;
        expect(fl.offset, `${s.cName}.${name}`).toBe(off);
        off += fl.size;
      }
      expect(s.size).toBe(Math.ceil(off / maxAlign) * maxAlign);
    });
  }
});

describe('layouts from xen-abi.md', () => {
  it('vcpu_op arguments (§2.11)', () => {
    expect(VCPU_RUNSTATE_INFO.size).toBe(44);
    expect(offsets(VCPU_RUNSTATE_INFO)).toEqual({ state: 0, state_entry_time: 4, time: 12 });
    expect(VCPU_RUNSTATE_INFO.fields.time.size).toBe(32);
    expect(VCPU_REGISTER_RUNSTATE_MEMORY_AREA.size).toBe(8);
    expect(VCPU_SET_PERIODIC_TIMER.size).toBe(8);
    expect(VCPU_SET_SINGLESHOT_TIMER.size).toBe(12);
    expect(offsets(VCPU_SET_SINGLESHOT_TIMER)).toEqual({ timeout_abs_ns: 0, flags: 8 });
    expect(VCPU_REGISTER_VCPU_INFO.size).toBe(16);
    expect(offsets(VCPU_REGISTER_VCPU_INFO)).toEqual({ mfn: 0, offset: 8, rsvd: 12 });
  });
  it('xen_memory_reservation (§2.12): 20 bytes on i386', () => {
    expect(XEN_MEMORY_RESERVATION.size).toBe(20);
    expect(offsets(XEN_MEMORY_RESERVATION)).toEqual({
      extent_start: 0,
      nr_extents: 4,
      extent_order: 8,
      mem_flags: 12,
      domid: 16,
    });
  });
  it('callback_register (§2.6): 12 bytes on i386', () => {
    expect(CALLBACK_REGISTER.size).toBe(12);
    expect(offsets(CALLBACK_REGISTER)).toEqual({ type: 0, flags: 2, address: 4 });
    expect(CALLBACK_REGISTER.fields.address.type).toBe(XEN_CALLBACK);
    expect(offsets(XEN_CALLBACK)).toEqual({ cs: 0, eip: 4 });
    expect(CALLBACK_UNREGISTER.size).toBe(4);
  });
  it('xen_version and physdev_op arguments (§2.14)', () => {
    expect(XEN_PLATFORM_PARAMETERS.size).toBe(4);
    expect(offsets(XEN_FEATURE_INFO)).toEqual({ submap_idx: 0, submap: 4 });
    expect(XEN_COMPILE_INFO.size).toBe(144);
    expect(offsets(XEN_COMPILE_INFO)).toEqual({ compiler: 0, compile_by: 64, compile_domain: 80, compile_date: 112 });
    expect(PHYSDEV_SET_IOPL.size).toBe(4);
    expect(PHYSDEV_SET_IOBITMAP.size).toBe(8);
    expect(offsets(PHYSDEV_IRQ_STATUS_QUERY)).toEqual({ irq: 0, flags: 4 });
  });
  it('gnttab_copy, query_size, get_version (§2.13)', () => {
    expect(GNTTAB_COPY.size).toBe(24);
    expect(offsets(GNTTAB_COPY)).toEqual({ source: 0, dest: 8, len: 16, flags: 18, status: 20 });
    expect(offsets(GNTTAB_COPY_PTR)).toEqual({ u: 0, domid: 4, offset: 6 });
    expect(GNTTAB_QUERY_SIZE.size).toBe(16);
    expect(offsets(GNTTAB_QUERY_SIZE)).toEqual({ dom: 0, nr_frames: 4, max_nr_frames: 8, status: 12 });
    expect(offsets(GNTTAB_GET_VERSION)).toEqual({ dom: 0, pad: 2, version: 4 });
  });
  it('start_info (§2.4): 1112 bytes', () => {
    expect(START_INFO.size).toBe(1112);
    expect(offsets(START_INFO)).toEqual({
      magic: 0,
      nr_pages: 32,
      shared_info: 36,
      flags: 40,
      store_mfn: 44,
      store_evtchn: 48,
      console_mfn: 52,
      console_evtchn: 56,
      pt_base: 60,
      nr_pt_frames: 64,
      mfn_list: 68,
      mod_start: 72,
      mod_len: 76,
      cmd_line: 80,
      first_p2m_pfn: 1104,
      nr_p2m_frames: 1108,
    });
  });
  it('shared_info, vcpu_info, vcpu_time_info (§2.5)', () => {
    expect(SHARED_INFO.size).toBe(2344);
    expect(offsets(SHARED_INFO)).toEqual({
      vcpu_info: 0,
      evtchn_pending: 2048,
      evtchn_mask: 2176,
      wc_version: 2304,
      wc_sec: 2308,
      wc_nsec: 2312,
      arch: 2316,
    });
    expect(SHARED_INFO.fields.vcpu_info.size).toBe(32 * 64);
    expect(SHARED_INFO.fields.arch.size).toBe(28);
    expect(VCPU_INFO.size).toBe(64);
    expect(offsets(VCPU_INFO)).toEqual({
      evtchn_upcall_pending: 0,
      evtchn_upcall_mask: 1,
      evtchn_pending_sel: 4,
      arch: 8,
      time: 32,
    });
    expect(VCPU_TIME_INFO.size).toBe(32);
    expect(offsets(VCPU_TIME_INFO)).toEqual({
      version: 0,
      pad0: 4,
      tsc_timestamp: 8,
      system_time: 16,
      tsc_to_system_mul: 24,
      tsc_shift: 28,
      flags: 29,
      pad1: 30,
    });
  });
  it('mmu_update 16, mmuext_op 12, multicall_entry 32 (§2.8)', () => {
    expect(MMU_UPDATE.size).toBe(16);
    expect(MMUEXT_OP.size).toBe(12);
    expect(MULTICALL_ENTRY.size).toBe(32);
  });
  it('trap_info 8 with address at +4 (§2.7)', () => {
    expect(TRAP_INFO.size).toBe(8);
    expect(TRAP_INFO.fields.address.offset).toBe(4);
  });
  it('event-channel structs (§2.9)', () => {
    expect(EVTCHN_BIND_INTERDOMAIN.size).toBe(12);
    expect(EVTCHN_STATUS.size).toBe(24);
    expect(EVTCHN_ALLOC_UNBOUND.size).toBe(8);
  });
  it('sched_poll 16 (§2.10)', () => {
    expect(SCHED_POLL.size).toBe(16);
  });
  it('grant structs (§2.13)', () => {
    expect(offsets(GRANT_ENTRY_V1)).toEqual({ flags: 0, domid: 2, frame: 4 });
    expect(GRANT_ENTRY_V1.size).toBe(8);
    expect(offsets(GNTTAB_MAP_GRANT_REF)).toEqual({
      host_addr: 0,
      flags: 8,
      ref: 12,
      dom: 16,
      status: 18,
      handle: 20,
      dev_bus_addr: 24,
    });
    expect(GNTTAB_MAP_GRANT_REF.size).toBe(32);
    expect(GNTTAB_UNMAP_GRANT_REF.size).toBe(24);
    expect(GNTTAB_SETUP_TABLE.size).toBe(16);
  });
  it('ring header (§2.15), console (§2.18), xenstore (§2.19)', () => {
    expect(SRING_HEADER.size).toBe(64);
    expect(offsets(SRING_HEADER)).toMatchObject({ req_prod: 0, req_event: 4, rsp_prod: 8, rsp_event: 12, pvt: 16 });
    expect(XENCONS_INTERFACE.size).toBe(3092);
    expect(offsets(XENCONS_INTERFACE)).toEqual({
      in: 0,
      out: 1024,
      in_cons: 3072,
      in_prod: 3076,
      out_cons: 3080,
      out_prod: 3084,
      connection: 3088,
    });
    expect(XSD_SOCKMSG.size).toBe(16);
    expect(XENSTORE_DOMAIN_INTERFACE.size).toBe(2080);
    expect(XENSTORE_DOMAIN_INTERFACE.fields.evtchn_port.offset).toBe(2076);
  });
});

describe('accessors', () => {
  it('start_info round-trips every field at an offset', () => {
    const view = new DataView(new ArrayBuffer(8192));
    const si = new StartInfoView(view, 4096);
    si.magic = 'xen-3.0-x86_32p';
    si.nrPages = 0x4000;
    si.sharedInfo = 0xfeedf000;
    si.flags = 3;
    si.storeMfn = 11;
    si.storeEvtchn = 1;
    si.consoleMfn = 12;
    si.consoleEvtchn = 2;
    si.ptBase = 0xc0400000;
    si.nrPtFrames = 4;
    si.mfnList = 0xc0300000;
    si.modStart = 0xc0200000;
    si.modLen = 123;
    si.cmdLine = 'console=hvc0 root=/dev/xvda';
    si.firstP2mPfn = 7;
    si.nrP2mFrames = 8;
    const again = new StartInfoView(view, 4096);
    expect(again.magic).toBe('xen-3.0-x86_32p');
    expect([again.nrPages, again.sharedInfo, again.flags, again.storeMfn, again.storeEvtchn]).toEqual([
      0x4000, 0xfeedf000, 3, 11, 1,
    ]);
    expect([again.consoleMfn, again.consoleEvtchn, again.ptBase, again.nrPtFrames, again.mfnList]).toEqual([
      12, 2, 0xc0400000, 4, 0xc0300000,
    ]);
    expect([again.modStart, again.modLen, again.firstP2mPfn, again.nrP2mFrames]).toEqual([0xc0200000, 123, 7, 8]);
    expect(again.cmdLine).toBe('console=hvc0 root=/dev/xvda');
    // little endian, at the documented offsets
    expect(view.getUint32(4096 + 36, true)).toBe(0xfeedf000);
    expect(view.getUint8(4096 + 80)).toBe('c'.charCodeAt(0));
    expect(() => (si.magic = 'x'.repeat(32))).toThrow(RangeError);
    expect(() => new StartInfoView(view, 8192 - 1000)).toThrow(RangeError);
  });

  it('shared_info / vcpu_info / vcpu_time_info round-trip', () => {
    const view = new DataView(new ArrayBuffer(4096));
    const sh = new SharedInfoView(view);
    const v1 = sh.vcpuInfo(1);
    v1.evtchnUpcallPending = 1;
    v1.evtchnUpcallMask = 1;
    v1.evtchnPendingSel = 0x80000001;
    v1.cr2 = 0xdeadb000;
    v1.time.version = 3;
    v1.time.tscTimestamp = 0x1_0000_0000n;
    v1.time.systemTime = 5_000_000_000n;
    v1.time.tscToSystemMul = 0x80000000;
    v1.time.tscShift = -1;
    v1.time.flags = 1;
    expect(view.getUint8(64 + 0)).toBe(1);
    expect(view.getUint32(64 + 4, true)).toBe(0x80000001);
    expect(view.getUint32(64 + 8, true)).toBe(0xdeadb000);
    expect(view.getUint32(64 + 32, true)).toBe(3);
    expect(view.getInt8(64 + 32 + 28)).toBe(-1);
    const t = new VcpuTimeInfoView(view, 64 + 32);
    expect([t.version, t.tscTimestamp, t.systemTime, t.tscToSystemMul, t.tscShift, t.flags]).toEqual([
      3, 0x1_0000_0000n, 5_000_000_000n, 0x80000000, -1, 1,
    ]);
    // (4000 >> 1) * 0.5 = 1000 ns after system_time
    expect(t.systemTimeAt(0x1_0000_0000n + 4000n)).toBe(5_000_001_000n);

    sh.setEvtchnPendingWord(1, 1 << 3);
    sh.setEvtchnMaskWord(31, 0x80000000);
    expect(sh.isEvtchnPending(35)).toBe(true);
    expect(sh.isEvtchnPending(34)).toBe(false);
    expect(sh.isEvtchnMasked(1023)).toBe(true);
    expect(view.getUint32(2048 + 4, true)).toBe(8);
    sh.wcVersion = 2;
    sh.wcSec = 1_700_000_000;
    sh.wcNsec = 999;
    sh.wcSecHi = 1;
    sh.maxPfn = 0x4000;
    sh.pfnToMfnFrameListList = 0x55;
    sh.nmiReason = 0;
    sh.p2mCr3 = 6;
    sh.p2mVaddr = 0xc1000000;
    sh.p2mGeneration = 9;
    expect([sh.wcVersion, sh.wcSec, sh.wcNsec, sh.wcSecHi, sh.maxPfn]).toEqual([2, 1_700_000_000, 999, 1, 0x4000]);
    expect([sh.pfnToMfnFrameListList, sh.p2mCr3, sh.p2mVaddr, sh.p2mGeneration]).toEqual([0x55, 6, 0xc1000000, 9]);
    expect(view.getUint32(2316 + 24, true)).toBe(1);
    expect(() => sh.vcpuInfo(32)).toThrow(RangeError);
  });

  it('mmu_update and mmuext_op round-trip', () => {
    const view = new DataView(new ArrayBuffer(64));
    const u = new MmuUpdateView(view, 16);
    u.ptr = 0x1_2345_6001n; // MMU_MACHPHYS_UPDATE
    u.val = 0xffff_ffff_ffff_ffffn;
    expect(u.cmd).toBe(1);
    expect(u.address).toBe(0x1_2345_6000n);
    expect(view.getUint32(16, true)).toBe(0x23456001);
    expect(view.getUint32(20, true)).toBe(1);
    expect(u.val).toBe(0xffff_ffff_ffff_ffffn);

    const op = new MmuextOpView(view, 40);
    op.cmd = MmuextCmd.MMUEXT_COPY_PAGE;
    op.mfn = 0x1234;
    op.srcMfn = 0x5678;
    expect([op.cmd, op.arg1, op.linearAddr, op.arg2, op.nrEnts]).toEqual([17, 0x1234, 0x1234, 0x5678, 0x5678]);
    expect(view.getUint32(48, true)).toBe(0x5678);
  });

  it('trap_info round-trips', () => {
    const view = new DataView(new ArrayBuffer(16));
    const t = new TrapInfoView(view, 8);
    t.vector = 0x80;
    t.flags = 3 | 4;
    t.cs = 0xe019;
    t.address = 0xc0101234;
    expect([t.vector, t.flags, t.dpl, t.maskEvents, t.cs, t.address]).toEqual([0x80, 7, 3, true, 0xe019, 0xc0101234]);
    expect(view.getUint32(12, true)).toBe(0xc0101234);
    expect(new TrapInfoView(view, 0).isTerminator).toBe(true);
  });

  it('xsd_sockmsg encodes and decodes', () => {
    const m = { type: 2, reqId: 7, txId: 0, len: 12 };
    const b = encodeXsdSockmsg(m);
    expect(b.length).toBe(16);
    expect(b[4]).toBe(7);
    expect(decodeXsdSockmsg(b)).toEqual(m);
  });
});
