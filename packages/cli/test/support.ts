// Test helpers: a captured terminal for runCli, guest configs, polling on the control socket.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildGuests, guestPath, type Layout } from '@xen-ts/test-guests';
import { afterAll } from 'vitest';
import { runCli } from '../src/cli.js';
import type { CliIo } from '../src/command.js';

let built = false;
export function ensureGuests(): void {
  if (!built) buildGuests({ quiet: true });
  built = true;
}

/** A private directory with a short path (unix socket paths are limited to ~107 bytes). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xcli-'));
  made.push(dir);
  return dir;
}
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function writeDomainCfg(dir: string, name: string, guest: string, extra = '', layout: Layout = '2level'): string {
  const path = join(dir, `${name}.cfg`);
  writeFileSync(path, `name = "${name}"\nmemory = 8\nkernel = "${guestPath(guest, layout)}"\n${extra}\n`);
  return path;
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestTerminal {
  io: CliIo;
  stdin: PassThrough;
  stdout(): string;
  stderr(): string;
}

export function terminal(cwd: string): TestTerminal {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdin, stdout, stderr, env: {}, cwd }, stdin, stdout: () => out, stderr: () => err };
}

/** Runs `xen ARGS` in-process against `socket` and captures its output. */
export async function xen(socket: string, cwd: string, ...args: string[]): Promise<Captured> {
  const t = terminal(cwd);
  const code = await runCli([...args, '--socket', socket], t.io);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

/** Polls until `check` returns true (the machine runs on its own; no wall-clock assertion is made). */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, tries = 2000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}
