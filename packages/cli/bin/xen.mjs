#!/usr/bin/env node
// xen: the xen-ts toolstack (see ../README.md). Runs the TypeScript sources through tsx with the
// `@xen-ts/source` export condition (workspace packages resolve to src/ on a clean clone), or
// the built dist/ when tsx is absent. tsx reads tsconfig.base.json for the decorators the
// scheduler plugins use.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(pkg, 'src', 'main.ts');
const dist = join(pkg, 'dist', 'main.js');

let tsx;
try {
  tsx = createRequire(join(pkg, 'package.json')).resolve('tsx');
} catch {
  tsx = undefined;
}

let args;
const env = { ...process.env };
if (tsx !== undefined && existsSync(src)) {
  const base = join(pkg, '..', '..', 'tsconfig.base.json');
  if (env.TSX_TSCONFIG_PATH === undefined && existsSync(base)) env.TSX_TSCONFIG_PATH = base;
  args = ['--conditions=@xen-ts/source', '--import', pathToFileURL(tsx).href, src];
} else if (existsSync(dist)) {
  args = [dist];
} else {
  process.stderr.write("xen: cannot find tsx (run 'pnpm install' in the workspace) nor a built dist/main.js (pnpm build)\n");
  process.exit(70);
}

const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit', env });
// ^C (when the terminal is not in raw mode) reaches both processes from the terminal: the child
// decides. Other termination signals are passed on.
process.on('SIGINT', () => undefined);
for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGHUP');
  if (signal !== null) process.kill(process.pid, signal);
  else process.exit(code ?? 70);
});
