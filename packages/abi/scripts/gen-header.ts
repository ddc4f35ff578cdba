// Writes the generated C header: `pnpm --filter @xen-ts/abi gen:header <out.h>`.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { generateCHeader } from '../src/c-header.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const target = args[0];
if (args.length !== 1 || target === undefined) {
  process.stderr.write('usage: gen:header <path/to/xen-ts-abi.h>\n');
  process.exit(2);
}
const path = resolve(process.env.INIT_CWD ?? process.cwd(), target);
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, generateCHeader());
process.stdout.write(`wrote ${path}\n`);
