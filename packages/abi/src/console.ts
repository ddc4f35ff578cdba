// The PV console ring, io/console.h (xen-abi.md §2.18), and console_io (§2.14).
import { defineStruct, f } from './struct.js';

export const XENCONS_INTERFACE = defineStruct('xencons_interface', 3092, {
  in: f(0, 'char', 1024),
  out: f(1024, 'char', 2048),
  in_cons: f(3072, 'u32'),
  in_prod: f(3076, 'u32'),
  out_cons: f(3080, 'u32'),
  out_prod: f(3084, 'u32'),
  connection: f(3088, 'u8'),
});

export const XENCONSOLE_CONNECTED = 0;
export const XENCONSOLE_DISCONNECTED = 1;
export const CONSOLEIO_write = 0;
export const CONSOLEIO_read = 1;

/** MASK_XENCONS_IDX(idx, ring) = idx & (sizeof(ring) − 1). */
export function maskXenconsIdx(idx: number, ringBytes: number): number {
  return (idx & (ringBytes - 1)) >>> 0;
}
