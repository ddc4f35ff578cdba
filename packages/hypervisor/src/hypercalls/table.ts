// The hypercall table (xen-abi.md §2.2): number → handler. Anything missing answers -ENOSYS.
import { Hypercall } from '@xen-ts/abi';
import { callbackOp, fpuTaskswitch, iret, setCallbacks, setTrapTable, stackSwitch } from './cpu-state.js';
import { eventChannelOp, eventChannelOpCompat } from './event-channel-op.js';
import { grantTableOp } from './grant-table-op.js';
import type { HypercallHandler } from './hypercall.js';
import { memoryOp } from './memory-op.js';
import {
  mmuUpdateCall,
  mmuextOpCall,
  setGdtCall,
  updateDescriptorCall,
  updateVaMappingCall,
  updateVaMappingOtherdomainCall,
} from './memory.js';
import { multicall } from './multicall.js';
import { consoleIo, getDebugreg, physdevOp, physdevOpCompat, platformOp, setDebugreg, vmAssist, xenVersion } from './platform.js';
import { schedOp, schedOpCompat, setTimerOp, vcpuOp } from './scheduling.js';

export const HYPERCALLS: (HypercallHandler | undefined)[] = [];

const H = Hypercall;
HYPERCALLS[H.set_trap_table] = setTrapTable;
HYPERCALLS[H.mmu_update] = mmuUpdateCall;
HYPERCALLS[H.set_gdt] = setGdtCall;
HYPERCALLS[H.stack_switch] = stackSwitch;
HYPERCALLS[H.set_callbacks] = setCallbacks;
HYPERCALLS[H.fpu_taskswitch] = fpuTaskswitch;
HYPERCALLS[H.sched_op_compat] = schedOpCompat;
HYPERCALLS[H.platform_op] = platformOp;
HYPERCALLS[H.set_debugreg] = setDebugreg;
HYPERCALLS[H.get_debugreg] = getDebugreg;
HYPERCALLS[H.update_descriptor] = updateDescriptorCall;
HYPERCALLS[H.memory_op] = memoryOp;
HYPERCALLS[H.multicall] = multicall;
HYPERCALLS[H.update_va_mapping] = updateVaMappingCall;
HYPERCALLS[H.set_timer_op] = setTimerOp;
HYPERCALLS[H.event_channel_op_compat] = eventChannelOpCompat;
HYPERCALLS[H.xen_version] = xenVersion;
HYPERCALLS[H.console_io] = consoleIo;
HYPERCALLS[H.physdev_op_compat] = physdevOpCompat;
HYPERCALLS[H.grant_table_op] = grantTableOp;
HYPERCALLS[H.vm_assist] = vmAssist;
HYPERCALLS[H.update_va_mapping_otherdomain] = updateVaMappingOtherdomainCall;
HYPERCALLS[H.iret] = iret;
HYPERCALLS[H.vcpu_op] = vcpuOp;
HYPERCALLS[H.mmuext_op] = mmuextOpCall;
HYPERCALLS[H.sched_op] = schedOp;
HYPERCALLS[H.callback_op] = callbackOp;
HYPERCALLS[H.event_channel_op] = eventChannelOp;
HYPERCALLS[H.physdev_op] = (h) => physdevOp(h);
