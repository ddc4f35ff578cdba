// Processes on XenoLinux: busybox sh runs commands, pipelines and traps, which needs fork
// (copy-on-write), vfork, execve, exit, wait4, pipes, preemptive scheduling and signal
// delivery. Output is compared with the same busybox run natively on this host.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel, busyboxPath, hasBusybox, readBusybox, writeCpio, type CpioEntry } from '../src/index.js';
import { bootXenolinux } from './support/boot.js';

beforeAll(() => {
  buildKernel({ quiet: true });
});

const APPLETS = ['sh', 'echo', 'cat', 'false', 'true', 'sleep', 'kill', 'seq', 'wc', 'tr', 'sort', 'head', 'tail', 'ls', 'setsid', 'cp', 'mkdir'];

function initramfs(extra: CpioEntry[] = []): Uint8Array {
  return writeCpio([
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'dev' },
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'file', path: 'bin/busybox', data: readBusybox(), mode: 0o755 },
    ...APPLETS.map((a) => ({ type: 'symlink' as const, path: `bin/${a}`, target: 'busybox' })),
    ...extra,
  ]);
}

const PANIC = (code: number): string => {
  const msg = `Attempted to kill init! exitcode=0x${code.toString(16).padStart(8, '0')}`;
  return `Kernel panic - not syncing: ${msg}\r\n---[ end Kernel panic - not syncing: ${msg} ]---\r\n`;
};
const onlcr = (s: string): string => s.replace(/\n/g, '\r\n');
/** busybox `sh -c script` run natively, stderr with stdout as on the console. */
const nativeSh = (script: string): string =>
  execFileSync(busyboxPath(), ['sh', '-c', `exec 2>&1\n${script}`], { encoding: 'latin1', env: { PATH: '/nonexistent' } });
/** The same script as init (process 1) on XenoLinux; init's exit ends the run. */
/** The same script run by busybox sh as init (process 1) on XenoLinux (from a file: the kernel
 * command line has no quoting); init's exit ends the run. */
const sh = (script: string, cmdline = 'quiet') =>
  bootXenolinux(initramfs([{ type: 'file', path: 't', data: new TextEncoder().encode(script + '\n') }]), `${cmdline} rdinit=/bin/sh /t`);

const TITLE = hasBusybox() ? 'busybox sh with processes' : `busybox sh with processes (SKIPPED: ${busyboxPath()} is missing)`;
describe.skipIf(!hasBusybox())(TITLE, () => {
  it('runs two commands in sequence', () => {
    const r = sh('echo a; echo b');
    expect(r.output).toBe(onlcr(nativeSh('echo a; echo b')) + PANIC(0));
  });

  const same = (script: string, status = 0): void => {
    const r = sh(script);
    expect(r.output).toBe(onlcr(nativeSh(script)) + PANIC(status << 8));
    expect(r.hostErrors).toBe(0);
  };

  it('runs a pipeline of a builtin into an external program', () => same('echo hi | cat'));
  it('reports the exit status of the last command', () => same('false; echo $?; true; echo $?'));
  it('runs external programs in child processes (fork/vfork + execve + wait4)', () =>
    same('/bin/echo one; /bin/false; echo status $?; /bin/echo two | /bin/cat | /bin/cat'));
  it('moves more than a pipe buffer through a pipeline of two applets', () => same('seq 1 3000 | wc -c; seq 1 200 | tr 0-9 a-j | tail -n 3'));
  it('sleeps and goes on', () => same('sleep 0; echo done'));
  it('reports a child killed by a signal as 128 + the signal', () => same("sh -c 'kill -TERM $$'; echo $?; sh -c 'kill -9 $$'; echo $?"));
  it('delivers SIGINT to a trap handler and resumes the script', () =>
    same('trap "echo caught" INT; kill -INT $$; echo after'));
  it('runs background jobs and waits for them', () => same('(echo bg1) & wait; echo after wait'));
  it('preempts a process that never blocks (round-robin time slices)', () =>
    same('(while :; do :; done) & echo x | cat; kill $!; wait $!; echo killed $?'));
  it('stops and continues a job (SIGSTOP, SIGCONT)', () =>
    same('(sleep 1; echo woke) & kill -STOP $!; echo stopped; kill -CONT $!; wait; echo end'));
  it('makes a new session and process group (setsid), which kill can address as a group', () =>
    same("setsid sh -c 'kill -0 -$$ && echo leader'; kill -0 -99 || echo no group 99"));
  it('executes a program written at run time (execve reads through the file system)', () => {
    const r = sh('mkdir /new && cp /bin/busybox /new/busybox && /new/busybox echo from a copy');
    expect(r.output).toBe('from a copy\r\n' + PANIC(0));
  });
  it('stops a writer whose reader went away with SIGPIPE', () => same('seq 1 100000 | head -n 2; echo ${PIPESTATUS:-done}'));

  it('^C on the console sends SIGINT to the foreground process group (the child dies, init lives)', () => {
    // Linux's n_tty echoes ^C (ECHOCTL) and signals the whole group: cat dies of it, and sh
    // (with a trap, as init must have to receive it) runs the trap and goes on.
    const script = 'trap "echo trapped" INT; cat; echo status $?';
    const r = bootXenolinux(initramfs([{ type: 'file', path: 't', data: new TextEncoder().encode(script + '\n') }]), 'quiet rdinit=/bin/sh /t', {
      input: ['ab\x03'],
    });
    expect(r.output).toBe('ab^Ctrapped\r\nstatus 130\r\n' + PANIC(0));
  });

  it('runs an interactive shell with job control: ^C, ^Z, jobs, fg', () => {
    // ash as init on the console: each input is typed once the domain has gone idle.
    const r = bootXenolinux(initramfs(), 'quiet rdinit=/bin/sh', {
      input: ['echo hi | cat\r', 'cat\r', '\x03', 'cat\r', '\x1a', 'jobs\r', 'fg\r', 'x\r', '\x04', 'exit 3\r'],
    });
    const prompt = '/ # \x1b[6n'; // ash asks the terminal for the cursor position
    // The banner names the same version as `busybox --help` natively.
    const version = execFileSync(busyboxPath(), ['--help'], { encoding: 'latin1' }).split('\n')[0]!.replace(' multi-call binary.', '');
    expect(r.output).toBe(
      `\r\n\r\n${version} built-in shell (ash)\r\nEnter 'help' for a list of built-in commands.\r\n\r\n` +
        `${prompt}echo hi | cat\r\nhi\r\n` +
        `${prompt}cat\r\n^C\r\n` + // SIGINT to the foreground group: cat dies
        `${prompt}cat\r\n^Z[1]+  Stopped                    cat\r\n` + // SIGTSTP: stopped, WUNTRACED
        `${prompt}jobs\r\n[1]+  Stopped                    cat\r\n` +
        `${prompt}fg\r\ncat\r\nx\r\nx\r\n` + // SIGCONT, back in the foreground; ^D ends it
        `${prompt}exit 3\r\n` +
        PANIC(3 << 8),
    );
  });
});
