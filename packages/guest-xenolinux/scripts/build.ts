// `pnpm build:kernel` (also the first half of `pnpm build`): header + make.
import { buildKernel } from '../src/build.js';

try {
  buildKernel();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
