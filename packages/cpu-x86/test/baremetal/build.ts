// Builds the bare-metal test programs (src/) with nasm, gcc -m32 and GNU ld,
// into node_modules/.cache/baremetal/<hash>/, where <hash> covers every
// source file, the flags and the tool versions: a rebuild happens only when
// one of them changes. Parallel test workers may race: each builds into a
// private directory and renames it into place.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = join(HERE, 'src');
const PACKAGE_ROOT = resolve(HERE, '..', '..');
const CACHE_DIR = join(PACKAGE_ROOT, 'node_modules', '.cache', 'baremetal');

const CFLAGS = [
  '-m32', '-march=i686', '-ffreestanding', '-fno-pic', '-fno-pie', '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables', '-fcf-protection=none', '-mgeneral-regs-only', '-O2', '-Wall', '-Wextra',
  '-Werror', '-nostdlib', '-fno-builtin', '-fno-strict-aliasing',
];
const LDFLAGS = ['-m', 'elf_i386', '-nostdlib', '--build-id=none', '-z', 'noexecstack', '--no-warn-rwx-segments'];

/** The built images. */
export interface BareMetalImages {
  dir: string;
  /** 64 KiB firmware image for --rom / qemu -bios / Bochs romimage. */
  rom: string;
  /** Multiboot kernel, ELF32 (the header has no address fields). */
  multibootElf: string;
  /** Multiboot kernel, flat binary with the a.out-kludge header. */
  multibootAout: string;
}

const COMMON_ASM = ['trap', 'tests'];
const C_FILES = ['kernel', 'lib'];

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`${cmd}: ${r.error.message} (install it: see test/baremetal/README.md)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

function toolVersions(): string {
  return [
    run('nasm', ['-v'], HERE),
    run('gcc', ['-dumpfullversion'], HERE),
    run('ld', ['--version'], HERE).split('\n')[0],
  ].join('|');
}

/** True when nasm, gcc -m32 and ld are there (or the images are already cached). */
export function toolchainAvailable(): boolean {
  try {
    buildBareMetal();
    return true;
  } catch {
    return false;
  }
}

let built: BareMetalImages | undefined;

export function buildBareMetal(): BareMetalImages {
  if (built !== undefined) return built;
  const hash = createHash('sha256');
  for (const f of readdirSync(SOURCE_DIR).sort()) hash.update(f).update(readFileSync(join(SOURCE_DIR, f)));
  hash.update(CFLAGS.join(' ')).update(LDFLAGS.join(' ')).update(toolVersions());
  const dir = join(CACHE_DIR, hash.digest('hex').slice(0, 16));
  const images: BareMetalImages = {
    dir,
    rom: join(dir, 'rom.bin'),
    multibootElf: join(dir, 'multiboot.elf'),
    multibootAout: join(dir, 'multiboot-aout.bin'),
  };
  if (!existsSync(images.rom)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    try {
      compile(tmp);
      try {
        renameSync(tmp, dir);
      } catch (e) {
        if (!existsSync(images.rom)) throw e; // another worker won the race
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  built = images;
  return images;
}

function compile(out: string): void {
  const inc = `${SOURCE_DIR}/`;
  const asm = (name: string): string => {
    run('nasm', ['-f', 'elf32', '-I', inc, '-o', join(out, `${name}.o`), join(SOURCE_DIR, `${name}.asm`)], out);
    return join(out, `${name}.o`);
  };
  const cc = (name: string): string => {
    run('gcc', [...CFLAGS, '-I', SOURCE_DIR, '-c', '-o', join(out, `${name}.o`), join(SOURCE_DIR, `${name}.c`)], out);
    return join(out, `${name}.o`);
  };
  const common = [...COMMON_ASM.map(asm), ...C_FILES.map(cc)];
  const ld = (script: string, output: string, objects: string[], extra: string[] = []): void => {
    run('ld', [...LDFLAGS, ...extra, '-T', join(SOURCE_DIR, script), '-o', join(out, output), ...objects], out);
  };

  ld('rom.ld', 'rom.elf', [asm('rom-entry'), ...common]);
  run('objcopy', ['-O', 'binary', 'rom.elf', 'rom.bin'], out);
  const romSize = readFileSync(join(out, 'rom.bin')).length;
  if (romSize !== 0x10000) throw new Error(`rom.bin is ${romSize} bytes, expected 65536 (see rom.ld)`);

  const mbEntry = asm('mb-entry');
  ld('multiboot.ld', 'multiboot.elf', [asm('mb-header-elf'), mbEntry, ...common], ['-z', 'max-page-size=0x1000']);
  ld('multiboot.ld', 'multiboot-aout.elf', [asm('mb-header-aout'), mbEntry, ...common], ['-z', 'max-page-size=0x1000']);
  run('objcopy', ['-O', 'binary', 'multiboot-aout.elf', 'multiboot-aout.bin'], out);
}
