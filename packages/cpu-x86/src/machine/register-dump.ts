/**
 * `--dump`: the final register state as stable text, one `name=value` per
 * line in a fixed order, values in lowercase hex of fixed width (8 digits for
 * 32-bit registers, 4 for selectors):
 *
 *   eax ecx edx ebx esp ebp esi edi   (encoding order)
 *   eip eflags
 *   es cs ss ds fs gs                 (selectors, encoding order)
 *   cr0 cr2 cr3 cr4
 *
 * EFLAGS has its lazy arithmetic flags folded in. Nothing else is printed, so
 * the format can be diffed and parsed line by line.
 */
import type { Cpu } from '../cpu.js';
import { SEG_NAMES } from '../constants.js';

const GPR_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

function hex(value: number, digits: number): string {
  return (value >>> 0).toString(16).padStart(digits, '0');
}

/** The register dump as an ordered list of [name, value] pairs. */
export function registerValues(cpu: Cpu): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let r = 0; r < 8; r++) out.push([GPR_NAMES[r], cpu.reg32[r] >>> 0]);
  out.push(['eip', cpu.eip >>> 0], ['eflags', cpu.getEflags() >>> 0]);
  for (let s = 0; s < 6; s++) out.push([SEG_NAMES[s], cpu.segSel[s]]);
  out.push(['cr0', cpu.cr0 >>> 0], ['cr2', cpu.cr2 >>> 0], ['cr3', cpu.cr3 >>> 0], ['cr4', cpu.cr4 >>> 0]);
  return out;
}

/** Formats the dump: `eax=00000000\n...cr4=00000000\n`. */
export function formatRegisterDump(cpu: Cpu): string {
  return registerValues(cpu)
    .map(([name, v]) => `${name}=${hex(v, SEG_NAMES.includes(name as (typeof SEG_NAMES)[number]) ? 4 : 8)}\n`)
    .join('');
}
