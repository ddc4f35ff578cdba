// What a new user does: `xen start` on a terminal with the built-in default, wait for busybox's
// prompt in XenoLinux, type commands, read the screen. Driven through a pseudo-terminal made by
// util-linux script(1), with the real bin/xen.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasBusybox } from '@xen-ts/guest-xenolinux';
import { describe, expect, it } from 'vitest';
import { eventually, tempDir } from './support.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'xen.mjs');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasScript || !hasBusybox())('a shell in XenoLinux through `xen start`', () => {
  it('runs commands, a pipeline, a script, sha256sum, vi and job control', async () => {
    const dir = tempDir();
    const env = { ...process.env, XEN_TS_SOCKET: join(dir, 'x', 'control.sock') };
    const child = spawn('script', ['-qfec', `'${process.execPath}' '${BIN}' start -F --pace 0`, '/dev/null'], { env, cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // ash's prompt is the working directory then "# " at the start of a line (what is typed
    // follows it on the same line).
    const prompts = (): number => (screen.match(/^\/[^\r\n]* # /gm) ?? []).length;
    /** Types a line and waits for the next prompt; returns what appeared in between. */
    const run = async (line: string): Promise<string> => {
      const before = screen.length;
      const n = prompts();
      child.stdin.write(`${line}\r`);
      await eventually(() => prompts() > n && screen.slice(before).includes(line), `the prompt after '${line}'`, 12_000);
      return screen.slice(before).replace(/\r/g, '');
    };
    try {
      await eventually(() => prompts() > 0, 'the first shell prompt', 24_000);
      expect(await run('echo hello from xenolinux')).toMatch(/^hello from xenolinux$/m);
      expect(await run('echo one two three | wc -w')).toMatch(/^3$/m);
      expect(await run('ls /')).toMatch(/bin\s+dev\s+etc/);
      await run("printf 'echo script ran with $1\\n' > /tmp/s.sh");
      expect(await run('sh /tmp/s.sh arg1')).toMatch(/^script ran with arg1$/m);
      await run("printf 'abc\\n' > /tmp/f");
      const digest = createHash('sha256').update('abc\n').digest('hex');
      expect(await run('sha256sum /tmp/f')).toContain(`${digest}  /tmp/f`);
      // vi: insert a line, leave insert mode, write and quit; the file holds the line.
      child.stdin.write('vi /tmp/v\r');
      await eventually(() => screen.includes('/tmp/v'), 'vi showing its file', 12_000);
      child.stdin.write('ihello vi');
      await eventually(() => screen.includes('hello vi'), 'the inserted text', 12_000);
      child.stdin.write('\x1b'); // vi waits a moment for the rest of an escape sequence
      await new Promise((r) => setTimeout(r, 300));
      const mark = screen.length;
      child.stdin.write(':wq\r');
      // vi leaves the cursor after its status line, so the prompt need not start a line.
      await eventually(() => / # /.test(screen.slice(mark)), 'the prompt after vi', 12_000);
      expect(await run('cat /tmp/v')).toMatch(/^hello vi$/m);
      // A busy background job (unpaced, a sleeping one would finish at once: simulated time
      // jumps ahead while everything waits), then kill it by job number.
      await run('while :; do :; done &');
      expect(await run('jobs')).toMatch(/\[1\]\+\s+Running\s+while :; do :; done/);
      await run('kill %1');
      expect(await run('jobs')).toMatch(/\[1\]\+\s+Terminated\s+while :; do :; done/);
    } finally {
      child.stdin.write('\x1d'); // detach, then stop the hypervisor it left running
      spawnSync(process.execPath, [BIN, 'stop'], { env, cwd: dir, encoding: 'utf8', timeout: 60_000 });
      child.kill('SIGTERM');
      await exited;
    }
  }, 180_000);
});
