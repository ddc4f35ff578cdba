// `xen start` as a user runs it: the real bin/xen.mjs in a child process, with pipes (--no-tty)
// and on a pseudo-terminal made by util-linux script(1).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, eventually, tempDir, writeDomainCfg } from './support.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'xen.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function xenSync(env: NodeJS.ProcessEnv, cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function envFor(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, XEN_TS_SOCKET: join(dir, 'x', 'control.sock') };
}

const started: { env: NodeJS.ProcessEnv; cwd: string }[] = [];
afterEach(() => {
  for (const s of started.splice(0)) xenSync(s.env, s.cwd, 'stop');
});

beforeAll(() => ensureGuests());

describe('xen start', () => {
  it('boots the configured domains, shows the boot log and the first console (--no-tty)', () => {
    const dir = tempDir();
    const env = envFor(dir);
    writeDomainCfg(dir, 'ring', 'console-ring');
    writeDomainCfg(dir, 'quiet', 'idle');
    writeFileSync(join(dir, 'host.cfg'), '# test host\nscheduler = "credit"\nmemory = 64\npace = 0\ndomains = [ "ring.cfg",\n  "quiet.cfg" ]\n');
    started.push({ env, cwd: dir });
    const r = xenSync(env, dir, 'start', '--no-tty', 'host.cfg');
    expect(r.stderr).toMatch(/\[domain 1 'ring' shut down \(poweroff\)\]/);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^\(XEN\) \[0\.000000\] xen-ts: 64 MiB, 1 pCPU\(s\), 2level paging, scheduler credit$/m);
    expect(out).toMatch(/^\(XEN\) \[0\.000000\] d1 'ring': 8 MiB, 1 vCPU\(s\)/m);
    expect(out).toContain('XTF-RING console ring works\n');
    expect(out).toContain('XTF-DONE console-ring 4 0\n');
    expect(out).toMatch(/d1 'ring' shut down: poweroff/);
    // The guest's console_io lines are shown once, not again as (d1) log lines.
    expect(out).not.toMatch(/\(d1\) XTF-DONE/);
    // The machine keeps running in the background with the other domain.
    const list = xenSync(env, dir, 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^quiet\s+2\s+8\s+1\s+/m);
    expect(list.stdout).not.toMatch(/^ring /m);

    const again = xenSync(env, dir, 'start', '--no-tty', 'host.cfg');
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/already running/);
    expect(xenSync(env, dir, 'stop').code).toBe(0);
    expect(xenSync(env, dir, 'list').code).toBe(4);
  });

  it('explains config errors with file:line and exit code 3, before going to the background', () => {
    const dir = tempDir();
    const env = envFor(dir);
    writeFileSync(join(dir, 'bad.cfg'), 'name = "b"\nkernel = "/k"\nvcpus = 0\n');
    const r = xenSync(env, dir, 'start', '--no-tty', 'bad.cfg');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`xen start: ${join(dir, 'bad.cfg')}:3: 'vcpus' must be 1..32, got 0\n`);
    expect(xenSync(env, dir, 'list').code).toBe(4);
  });

  it('with no config, boots the built-in default: XenoLinux with busybox', () => {
    const dir = tempDir();
    const env = envFor(dir);
    started.push({ env, cwd: dir });
    const r = xenSync(env, dir, 'start', '-d');
    expect(r.code, r.stderr).toBe(0);
    const list = xenSync(env, dir, 'list');
    expect(list.stdout).toMatch(/^xenolinux\s+1\s+64\s+1\s+/m);
    expect(xenSync(env, dir, 'dmesg').stdout).toMatch(/d1 'xenolinux': 64 MiB, 1 vCPU\(s\), entry 0xc0000000, xenolinux \(notes\)/);
  });

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('attaches a pseudo-terminal in raw mode: ^C goes to the guest, ^] detaches', async () => {
    const dir = tempDir();
    const env = envFor(dir);
    writeDomainCfg(dir, 'tty1', 'idle');
    started.push({ env, cwd: dir });
    const child = spawn('script', ['-qfec', `'${process.execPath}' '${BIN}' start --pace 0 tty1.cfg`, '/dev/null'], { env, cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await eventually(() => out.includes('XTF-IDLE ready'), 'the guest output on the terminal', 6000);
    expect(out).toMatch(/xen-ts: 256 MiB/);
    child.stdin.write('\x03'); // raw mode: a byte for the guest, not SIGINT
    await eventually(() => xenSync(env, dir, 'list').stdout.includes('tty1'), 'still attached after ^C');
    child.stdin.write('\x1d');
    expect(await exited).toBe(0);
    expect(out).toMatch(/\[detached from 'tty1' \(d1\); it keeps running/);
    expect(xenSync(env, dir, 'list').stdout).toMatch(/^tty1\s+1\s+8\s+1\s+-b----/m);
    // Reattach from "another terminal", replaying what it printed.
    const again = spawnSync(process.execPath, [BIN, 'console', '--no-tty', 'tty1'], { env, cwd: dir, input: '\x1d', encoding: 'utf8', timeout: 60_000 });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('XTF-IDLE ready');
  });
});
