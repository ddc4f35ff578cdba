// `pnpm build:guests` (also the first half of `pnpm build`): header + make.
import { buildGuests } from '../src/build.js';

try {
  buildGuests();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
