// The control protocol end to end: a hypervisor server in this process with test guests, and
// `xen` commands through a real unix socket.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../src/client/control-client.js';
import { runCli, COMMANDS } from '../src/cli.js';
import { parseHostConfig } from '../src/config/host-config.js';
import { parseDomainConfig } from '../src/config/domain-config.js';
import { HypervisorServer } from '../src/server/hypervisor-server.js';
import type { ListRow } from '../src/server/xen-host.js';
import { ensureGuests, eventually, tempDir, terminal, writeDomainCfg, xen } from './support.js';

let dir: string;
let socket: string;
let server: HypervisorServer;

async function rows(): Promise<ListRow[]> {
  return (await request(socket, 'list')) as ListRow[];
}

beforeAll(async () => {
  ensureGuests();
  dir = tempDir();
  socket = join(dir, 'run', 'control.sock');
  const host = parseHostConfig('memory = 128\npace = 0', join(dir, 'host.cfg'));
  const idle = parseDomainConfig(readFileSync(writeDomainCfg(dir, 'idle1', 'idle', 'cpu_weight = 300'), 'utf8'), join(dir, 'idle1.cfg'));
  server = await HypervisorServer.start(host, [idle], { socketPath: socket });
});

afterAll(async () => {
  await server?.stop();
});

describe('control socket', () => {
  it('is private: directory 0700, socket 0600', () => {
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  it('lists domains with xl columns, and as JSON', async () => {
    await eventually(async () => (await rows()).find((r) => r.name === 'idle1')?.state === '-b----', 'idle1 blocks');
    const r = await xen(socket, dir, 'list');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)$/);
    expect(lines[1]).toMatch(/^Domain-0\s+0\s+0\s+0\s+r-----\s+0\.0$/);
    expect(lines[2]).toMatch(/^idle1\s+1\s+8\s+1\s+-b----\s+\d+\.\d$/);
    const json = JSON.parse((await xen(socket, dir, 'list', '--json')).stdout) as ListRow[];
    expect(json.map((d) => [d.name, d.id, d.mem, d.vcpus])).toEqual([
      ['Domain-0', 0, 0, 0],
      ['idle1', 1, 8, 1],
    ]);
    const one = await xen(socket, dir, 'list', '-l', 'idle1');
    expect((JSON.parse(one.stdout) as ListRow[]).map((d) => d.name)).toEqual(['idle1']);
    const missing = await xen(socket, dir, 'list', 'nosuch');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no domain 'nosuch'/);
  });

  it('creates, pauses, unpauses and destroys a domain', async () => {
    const cfg = writeDomainCfg(dir, 'idle2', 'idle');
    const created = await xen(socket, dir, 'create', cfg);
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/Domain 'idle2' created as d2/);
    expect((await xen(socket, dir, 'create', cfg)).stderr).toMatch(/a domain named 'idle2' already exists/);

    expect((await xen(socket, dir, 'pause', 'idle2')).code).toBe(0);
    expect((await rows()).find((d) => d.name === 'idle2')?.state).toMatch(/^..p---$/);
    expect((await xen(socket, dir, 'unpause', '2')).code).toBe(0);
    const again = await xen(socket, dir, 'unpause', 'idle2');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/domain 'idle2' is not paused/);

    expect((await xen(socket, dir, 'destroy', 'idle2')).code).toBe(0);
    expect((await rows()).map((d) => d.name)).not.toContain('idle2');
    const gone = await xen(socket, dir, 'destroy', 'idle2');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^xen destroy: no domain 'idle2' \(see 'xen list'\)/);
    expect((await xen(socket, dir, 'destroy', '0')).code).toBe(1);
  });

  it('applies KEY=VALUE overrides and refuses bad configs with file:line (exit 3)', async () => {
    const cfg = writeDomainCfg(dir, 'over', 'idle');
    const r = await xen(socket, dir, 'create', '-p', cfg, 'name="over2"', 'memory=12');
    expect(r.code).toBe(0);
    expect((await rows()).find((d) => d.name === 'over2')).toMatchObject({ mem: 12, state: '--p---' });
    await xen(socket, dir, 'destroy', 'over2');

    const bad = join(dir, 'bad.cfg');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, 'name = "bad"\nmemory = lots\n');
    const b = await xen(socket, dir, 'create', bad);
    expect(b.code).toBe(3);
    expect(b.stderr).toBe(`xen create: ${bad}:2: expected a value for 'memory': a quoted string, a number or a list [ … ], found 'lots'\n`);
    const missing = await xen(socket, dir, 'create', 'nope.cfg');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.cfg: cannot read the config file: no such file/);
    writeFileSync(bad, `name = "bad"\nkernel = "${join(dir, 'no-kernel.elf')}"\n`);
    const k = await xen(socket, dir, 'create', bad);
    expect(k.code).toBe(1);
    expect(k.stderr).toMatch(/kernel '.*no-kernel\.elf' of domain 'bad': no such file/);
  });

  it('shows and sets credit parameters through SchedCore.adjust', async () => {
    const show = await xen(socket, dir, 'sched-credit');
    expect(show.stdout).toMatch(/^Name\s+ID\s+Weight\s+Cap\nidle1\s+1\s+300\s+0\n$/);
    expect((await xen(socket, dir, 'sched-credit', '-d', 'idle1', '-w', '512', '-c', '25')).code).toBe(0);
    const json = JSON.parse((await xen(socket, dir, 'sched-credit', '-d', 'idle1', '--json')).stdout) as { params: Record<string, number> }[];
    expect(json[0]!.params).toEqual({ weight: 512, cap: 25 });
    const zero = await xen(socket, dir, 'sched-credit', '-d', 'idle1', '-w', '0');
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/weight/);
    expect((await xen(socket, dir, 'sched-credit', '-w', '5')).code).toBe(2);
    expect((await xen(socket, dir, 'sched-credit', '-d', 'idle1', '-w', 'x')).code).toBe(2);
    const bvt = await xen(socket, dir, 'sched-bvt');
    expect(bvt.code).toBe(1);
    expect(bvt.stderr).toMatch(/the running scheduler is 'credit', not 'bvt'/);
  });

  it('attaches a console: replays, streams, takes input and ends with the domain', async () => {
    const cfg = writeDomainCfg(dir, 'ring', 'console-ring');
    expect((await xen(socket, dir, 'create', '-p', cfg)).code).toBe(0);
    const t = terminal(dir);
    const attached = runCli(['console', '--no-tty', 'ring', '--socket', socket], t.io);
    t.stdin.write('typed\n');
    await eventually(async () => (await xen(socket, dir, 'unpause', 'ring')).code === 0, 'unpause ring');
    expect(await attached).toBe(0);
    expect(t.stdout()).toContain('XTF-RING console ring works\n');
    expect(t.stdout()).toContain('XTF-DONE console-ring 4 0');
    expect(t.stderr()).toMatch(/\[domain \d+ 'ring' shut down \(poweroff\)\]/);
    const none = await xen(socket, dir, 'console', '--no-tty', 'ring');
    expect(none.code).toBe(1);
  });

  it('detaches from a console with ^] and leaves the domain running', async () => {
    const t = terminal(dir);
    const attached = runCli(['console', '--no-tty', 'idle1', '--socket', socket], t.io);
    await eventually(() => t.stdout().includes('XTF-IDLE ready'), 'replayed output');
    t.stdin.write('ab\x1dcd');
    expect(await attached).toBe(0);
    expect(t.stderr()).toMatch(/detached from 'idle1'/);
    expect((await rows()).find((d) => d.name === 'idle1')?.state).toBe('-b----');
  });

  it('shuts a domain down: through xenstore control/shutdown, or from outside with -F', async () => {
    const cfg = writeDomainCfg(dir, 'downer', 'idle');
    await xen(socket, dir, 'create', cfg);
    const asked = await xen(socket, dir, 'shutdown', 'downer');
    expect(asked.code).toBe(0);
    expect(asked.stderr).toMatch(/Shutdown requested for 'downer'/);
    expect(server.host.xen.store.read(`/local/domain/${server.host.findDomain('downer').id}/control/shutdown`)).toBe('poweroff');
    const forced = await xen(socket, dir, 'shutdown', '-F', 'downer', '--json');
    expect(JSON.parse(forced.stdout)).toMatchObject([{ name: 'downer', how: 'forced' }]);
    await eventually(async () => !(await rows()).some((d) => d.name === 'downer'), 'downer is reaped');
    expect((await xen(socket, dir, 'dmesg')).stdout).toMatch(/'downer' shut down: poweroff/);
    expect((await xen(socket, dir, 'shutdown')).code).toBe(2);
  });

  it('restarts a powered-off domain with on_poweroff = "restart"', async () => {
    const cfg = writeDomainCfg(dir, 'phoenix', 'hello', 'on_poweroff = "restart"');
    await xen(socket, dir, 'create', cfg);
    const first = (await rows()).find((d) => d.name === 'phoenix')!.id;
    await eventually(async () => ((await rows()).find((d) => d.name === 'phoenix')?.id ?? first) > first, 'phoenix comes back');
    expect((await xen(socket, dir, 'dmesg')).stdout).toMatch(new RegExp(`d${first} 'phoenix' restarted as d\\d+`));
    expect((await xen(socket, dir, 'destroy', 'phoenix')).code).toBe(0);
    expect((await rows()).some((d) => d.name === 'phoenix')).toBe(false);
  });

  it('prints the hypervisor log and clears it with -c', async () => {
    const r = await xen(socket, dir, 'dmesg');
    expect(r.stdout).toMatch(/^\(XEN\) \[0\.000000\] xen-ts: 128 MiB, 1 pCPU\(s\), 2level paging, scheduler credit$/m);
    expect(r.stdout).toMatch(/d1 'idle1': 8 MiB, 1 vCPU\(s\)/);
    const json = JSON.parse((await xen(socket, dir, 'dmesg', '--json', '-c')).stdout) as string[];
    expect(json.length).toBeGreaterThan(3);
    expect(JSON.parse((await xen(socket, dir, 'dmesg', '--json')).stdout)).toEqual([]);
  });

  it('records a trace and writes trace-event JSON', async () => {
    expect((await xen(socket, dir, 'trace', 'start')).stdout).toBe('tracing on\n');
    const cfg = writeDomainCfg(dir, 'traced', 'hello');
    await xen(socket, dir, 'create', cfg);
    await eventually(async () => !(await rows()).some((d) => d.name === 'traced'), 'hello finishes');
    const out = join(dir, 'trace.json');
    const r = await xen(socket, dir, 'trace', 'save', 'trace.json');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/wrote .*trace\.json \(\d+ bytes\); recording is on/);
    const trace = JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: { name: string }[] };
    expect(trace.traceEvents.length).toBeGreaterThan(10);
    expect((await xen(socket, dir, 'trace', 'stop')).stdout).toBe('tracing off\n');
    expect((await xen(socket, dir, 'trace', 'status', '--json')).stdout).toBe('{"on":false}\n');
    expect((await xen(socket, dir, 'trace')).code).toBe(2);
  });

  it('samples top once, in text and JSON', async () => {
    const r = await xen(socket, dir, 'top', '--once');
    expect(r.stdout).toMatch(/^xen-ts\s+[\d.]+ s simulated\s+scheduler credit\s+1 pCPU\(s\)/);
    expect(r.stdout).toMatch(/\nNAME\s+STATE\s+CPU\(sec\)\s+CPU\(%\)\s+MEM\(k\)\s+MEM\(%\)\s+MAXMEM\(k\)\s+VCPUS\s+HCALLS\s+UPCALLS\s+BOUNCES\n/);
    expect(r.stdout).toMatch(/\nidle1\s+-b----\s+/);
    const snap = JSON.parse((await xen(socket, dir, 'top', '--once', '--json')).stdout) as { domains: { name: string; hypercalls: number }[] };
    expect(snap.domains.find((d) => d.name === 'idle1')!.hypercalls).toBeGreaterThan(0);
    const two = await xen(socket, dir, 'top', '-b', '-i', '2', '-d', '0.01');
    expect(two.stdout.match(/^xen-ts /gm)).toHaveLength(2);
  });

  it('answers bad requests with an error, never a crash', async () => {
    const raw = (text: string): Promise<string> =>
      new Promise((resolve) => {
        const c = createConnection(socket);
        let got = '';
        c.setEncoding('utf8');
        c.on('data', (d: string) => {
          got += d;
          if (got.includes('\n')) {
            c.end();
            resolve(got);
          }
        });
        c.write(text);
      });
    expect(JSON.parse(await raw('not json\n'))).toMatchObject({ ok: false, error: { code: 'EPROTO' } });
    expect(JSON.parse(await raw('{"id":7,"op":"frobnicate"}\n'))).toEqual({ id: 7, ok: false, error: { code: 'EINVAL', message: "unknown op 'frobnicate'" } });
    expect(JSON.parse(await raw('{"op":"create","spec":{"name":"x"}}\n'))).toMatchObject({ ok: false, error: { code: 'EINVAL' } });
    expect(JSON.parse(await raw('{"op":"destroy","domain":{"a":1}}\n'))).toMatchObject({ ok: false, error: { code: 'EINVAL' } });
    expect(JSON.parse(await raw('{"op":"trace","action":"save","path":"relative.json"}\n'))).toMatchObject({ ok: false, error: { code: 'EINVAL' } });
    expect(JSON.parse(await raw('{"op":"sched","scheduler":"credit","domain":"idle1","set":{"weight":"heavy"}}\n'))).toMatchObject({ ok: false, error: { code: 'EINVAL' } });
    expect((await rows()).map((d) => d.name)).toContain('idle1');
  });

  it('refuses a second hypervisor on the same socket', async () => {
    const host = parseHostConfig('memory = 32', join(dir, 'h2.cfg'));
    await expect(HypervisorServer.start(host, [], { socketPath: socket })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(existsSync(socket)).toBe(true);
    expect((await rows()).length).toBeGreaterThan(0);
  });
});

describe('the command line', () => {
  it('has --help on every command', async () => {
    for (const c of COMMANDS) {
      const r = await xen(socket, dir, c.name, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: xen ${c.name}`));
      expect(r.stdout).toMatch(/Exit codes: 0 ok/);
    }
  });

  it('exits 2 on usage errors and 4 when no hypervisor runs', async () => {
    const t = terminal(dir);
    expect(await runCli(['frob'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/unknown command 'frob'/);
    expect((await xen(socket, dir, 'list', '--frob')).code).toBe(2);
    expect((await xen(socket, dir, 'destroy')).code).toBe(2);
    expect((await xen(socket, dir, 'pause', 'a', 'b')).code).toBe(2);
    const r = await xen(join(dir, 'nobody.sock'), dir, 'list');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no hypervisor is running on .*nobody\.sock/);
  });
});

describe('another scheduler', () => {
  it('swaps the scheduler from the host file and sets BVT parameters', async () => {
    const d2 = tempDir();
    const sock = join(d2, 'b.sock');
    const host = parseHostConfig('scheduler = "bvt"\npace = 0\nmemory = 64', join(d2, 'host.cfg'));
    const spec = parseDomainConfig(readFileSync(writeDomainCfg(d2, 'warped', 'idle', 'bvt_mcuadv = 10'), 'utf8'), join(d2, 'warped.cfg'));
    const s = await HypervisorServer.start(host, [spec], { socketPath: sock });
    try {
      const before = JSON.parse((await xen(sock, d2, 'sched-bvt', '--json')).stdout) as { params: Record<string, number> }[];
      expect(before[0]!.params['mcuadv']).toBe(10);
      expect((await xen(sock, d2, 'sched-bvt', '-d', 'warped', '-m', '20', '-w', '5', '-l', '1000', '-u', '2000')).code).toBe(0);
      const after = await xen(sock, d2, 'sched-bvt');
      expect(after.stdout).toMatch(/^Name\s+ID\s+MCUAdv\s+Warp\s+WarpL\s+WarpU\nwarped\s+1\s+20\s+5\s+1000\s+2000\n$/);
      expect((await xen(sock, d2, 'sched-credit')).stderr).toMatch(/the running scheduler is 'bvt'/);
      expect((await xen(sock, d2, 'info', '--json')).stdout).toMatch(/"scheduler": "bvt"/);
      expect((await xen(sock, d2, 'stop')).code).toBe(0);
    } finally {
      await s.stop();
    }
    await eventually(() => !existsSync(sock), 'the socket is removed after xen stop');
  });
});
