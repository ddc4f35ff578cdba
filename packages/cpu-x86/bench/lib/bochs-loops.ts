/**
 * Runs the bare-metal loops in Bochs, booting the floppy image with the Bochs
 * BIOS. Debian's Bochs is built with the debugger and without the "nogui"
 * display, so it runs with the RFB display (no client, `timeout=0`), inside
 * an empty network namespace when `unshare` allows it, and with an rc file
 * that tells the debugger to continue. The guest's port 0xE9 bytes arrive on
 * Bochs' stdout (port_e9_hack) and are timed as they arrive; Bochs is killed
 * once the guest prints its last marker.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseMarkers, GUEST_RAM, type LoopParams, type LoopResult, type Marker } from './guest.js';
import { isReadable, which } from './util.js';

export const BOCHS_BIOS = '/usr/share/bochs/BIOS-bochs-latest';
export const VGA_BIOS = '/usr/share/bochs/VGABIOS-lgpl-latest';

/** Why Bochs cannot run here, or null when it can. */
export function bochsMissing(): string | null {
  if (which('bochs') === null) return 'bochs not installed (apt-get install bochs bochsbios vgabios)';
  if (!isReadable(BOCHS_BIOS)) return `${BOCHS_BIOS} missing (apt-get install bochsbios)`;
  if (!isReadable(VGA_BIOS)) return `${VGA_BIOS} missing (apt-get install vgabios)`;
  return null;
}

function canUnshareNet(): boolean {
  if (which('unshare') === null) return false;
  return spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

export interface BochsLoopResult extends LoopResult {
  /** Seconds from spawning Bochs to the guest's first marker (BIOS boot). */
  bootSeconds: number | null;
}

export async function runBochsLoops(floppy: Uint8Array, p: LoopParams, timeoutMs: number): Promise<BochsLoopResult> {
  const dir = mkdtempSync(join(tmpdir(), 'xen-ts-bochs-'));
  try {
    const img = join(dir, 'floppy.img');
    writeFileSync(img, floppy);
    const rc = join(dir, 'bochsrc');
    writeFileSync(
      rc,
      [
        `megs: ${GUEST_RAM >> 20}`,
        `romimage: file=${BOCHS_BIOS}`,
        `vgaromimage: file=${VGA_BIOS}`,
        `floppya: 1_44=${img}, status=inserted`,
        'boot: floppy',
        'display_library: rfb, options="timeout=0"',
        `log: ${join(dir, 'bochs.log')}`,
        'port_e9_hack: enabled=1',
        'clock: sync=none',
        'cpu: count=1, ips=100000000',
        'mouse: enabled=0',
        'speaker: enabled=0',
        'sound: driver=dummy',
        '',
      ].join('\n'),
    );
    const cmds = join(dir, 'debugger.rc');
    writeFileSync(cmds, 'c\n');
    const bochsArgs = ['-q', '-f', rc, '-rc', cmds];
    const [cmd, args] = canUnshareNet() ? ['unshare', ['-n', 'bochs', ...bochsArgs]] : ['bochs', bochsArgs];
    return await new Promise<BochsLoopResult>((resolve) => {
      const start = performance.now();
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      // Every stdout byte with its arrival time; the guest's bytes start at "RA" on a fresh line.
      const bytes: number[] = [];
      const times: number[] = [];
      let text = '';
      let stderr = '';
      let guestStart = -1;
      let error: string | null = null;
      let finished = false;
      const finish = (why: string | null): void => {
        if (finished) return;
        finished = true;
        error = why;
        clearTimeout(timer);
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => finish(`timed out after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        const now = performance.now();
        for (const b of d) {
          bytes.push(b);
          times.push(now);
        }
        text += d.toString('latin1');
        if (guestStart < 0) {
          const i = text.indexOf('\nRA');
          if (i >= 0) guestStart = i + 1;
        }
        if (guestStart >= 0) {
          const guest = text.slice(guestStart);
          if (guest.includes('Q') || /!./.test(guest)) finish(null);
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < 1 << 16) stderr += d.toString();
      });
      child.on('close', (code) => {
        if (!finished) {
          const why = /Bochs is exiting with the following message:\s*\n\[[^\]]*\]\s*(.*)/.exec(stderr)?.[1];
          error = `bochs exited (${code})${why ? `: ${why}` : ''}`;
        }
        clearTimeout(timer);
        const markers: Marker[] = [];
        if (guestStart >= 0) for (let i = guestStart; i < bytes.length; i++) markers.push({ byte: bytes[i], ms: times[i] });
        const r = analyseMarkers(markers, p, error);
        resolve({ ...r, bootSeconds: guestStart >= 0 ? (times[guestStart] - start) / 1000 : null });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
