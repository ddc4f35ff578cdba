/** Host (Node) errors as Linux errno values. The host is Linux, so the numbers agree. */
import { constants } from 'node:os';
import { EIO } from './linux-abi.js';

const errnoByCode = constants.errno as Record<string, number>;

export function hostErrno(e: unknown): number {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && errnoByCode[err.code] !== undefined) return errnoByCode[err.code];
  if (err && typeof err.errno === 'number' && err.errno < 0) return -err.errno;
  if (err instanceof Error && !('code' in err)) throw err; // a bug, not a host error
  return EIO;
}
