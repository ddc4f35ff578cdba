/**
 * The initial process stack as Linux's binfmt_elf lays it out
 * (fs/exec.c copy_strings + fs/binfmt_elf.c create_elf_tables), from the top:
 * a NULL word, the executable's file name (AT_EXECFN), the environment and
 * argument strings, the platform string, 16 AT_RANDOM bytes, then (16-byte
 * aligned) argc, argv[], NULL, envp[], NULL and the auxiliary vector.
 */
import type { AddressSpace } from './address-space.js';

export const AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8;
export const AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16;
export const AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_MINSIGSTKSZ = 51;

export interface InitialStackInput {
  top: number;
  argv: Uint8Array[];
  envp: Uint8Array[];
  execfn: Uint8Array;
  platform: string;
  random: Uint8Array;
  /** Auxiliary vector entries without AT_RANDOM, AT_EXECFN, AT_PLATFORM and AT_NULL (added here). */
  auxv: [number, number][];
}

export interface InitialStack {
  sp: number;
  argvAddrs: number[];
  envpAddrs: number[];
}

export function buildInitialStack(as: AddressSpace, input: InitialStackInput): InitialStack {
  let p = input.top - 4;
  as.write32(p, 0);
  const putString = (s: Uint8Array): number => {
    p -= s.length + 1;
    as.writeBytes(p, s);
    as.write8(p + s.length, 0);
    return p;
  };
  const execfnAddr = putString(input.execfn);
  const envpAddrs: number[] = new Array(input.envp.length);
  for (let i = input.envp.length - 1; i >= 0; i--) envpAddrs[i] = putString(input.envp[i]);
  const argvAddrs: number[] = new Array(input.argv.length);
  for (let i = input.argv.length - 1; i >= 0; i--) argvAddrs[i] = putString(input.argv[i]);

  p = (p & ~15) >>> 0;
  const platformAddr = putString(Buffer.from(input.platform, 'latin1'));
  p -= 16;
  const randomAddr = p;
  as.writeBytes(randomAddr, input.random.subarray(0, 16));

  const auxv: [number, number][] = [
    ...input.auxv,
    [AT_RANDOM, randomAddr],
    [AT_EXECFN, execfnAddr],
    [AT_PLATFORM, platformAddr],
    [AT_NULL, 0],
  ];
  const items = 1 + input.argv.length + 1 + input.envp.length + 1;
  const sp = ((p - auxv.length * 8 - items * 4) & ~15) >>> 0;
  let q = sp;
  const put = (v: number): void => {
    as.write32(q, v);
    q += 4;
  };
  put(input.argv.length);
  for (const a of argvAddrs) put(a);
  put(0);
  for (const e of envpAddrs) put(e);
  put(0);
  for (const [k, v] of auxv) {
    put(k);
    put(v);
  }
  return { sp: sp >>> 0, argvAddrs, envpAddrs };
}
