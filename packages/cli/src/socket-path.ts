// Where the control socket lives: --socket, else $XEN_TS_SOCKET, else
// $XDG_RUNTIME_DIR/xen-ts/control.sock, else /tmp/xen-ts-<uid>/control.sock. The directory is
// private (0700) and the socket 0600: whoever reaches it controls the machine.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['XEN_TS_SOCKET']) return env['XEN_TS_SOCKET'];
  const runtime = env['XDG_RUNTIME_DIR'];
  if (runtime) return join(runtime, 'xen-ts', 'control.sock');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join('/tmp', `xen-ts-${uid}`, 'control.sock');
}

/**
 * Creates the socket's directory 0700. A directory of our own naming (xen-ts*) that exists is
 * checked to be ours and made private; a directory the user chose with --socket is left alone.
 */
export function prepareSocketDir(socketPath: string): void {
  const dir = dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!/^xen-ts/.test(basename(dir))) return;
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (st.uid !== uid) throw new Error(`${dir} belongs to another user (uid ${st.uid}); refusing to put the control socket there`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
