import { describe, expect, it } from 'vitest';
import { formatRegisterDump, registerValues } from './register-dump.js';
import { RomMachine } from './rom-machine.js';

describe('register dump', () => {
  it('prints the reset state in a fixed order and width', () => {
    const m = new RomMachine({ rom: new Uint8Array(4096).fill(0xf4) });
    expect(formatRegisterDump(m.cpu)).toBe(
      [
        'eax=00000000', 'ecx=00000000', 'edx=00000619', 'ebx=00000000', 'esp=00000000', 'ebp=00000000',
        'esi=00000000', 'edi=00000000', 'eip=0000fff0', 'eflags=00000002', 'es=0000', 'cs=f000', 'ss=0000',
        'ds=0000', 'fs=0000', 'gs=0000', 'cr0=60000010', 'cr2=00000000', 'cr3=00000000', 'cr4=00000000', '',
      ].join('\n'),
    );
  });

  it('shows unsigned 32-bit values and folds the lazy flags into EFLAGS', () => {
    const m = new RomMachine({ rom: new Uint8Array(4096) });
    m.cpu.reg32[0] = -1;
    m.cpu.cr0 = 0x80000011 | 0;
    m.cpu.setEflags(0x246);
    const values = new Map(registerValues(m.cpu));
    expect(values.get('eax')).toBe(0xffffffff);
    expect(values.get('cr0')).toBe(0x80000011);
    expect(formatRegisterDump(m.cpu)).toContain('eax=ffffffff\n');
    expect(formatRegisterDump(m.cpu)).toContain('eflags=00000246\n');
  });
});
