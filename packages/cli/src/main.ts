// Process entry of the `xen` command (bin/xen.mjs starts it).
import { runCli } from './cli.js';

// Run as the root package's `pnpm xen` script, the process starts in the workspace root; config
// paths the user typed are relative to where they typed them (pnpm passes that as INIT_CWD).
const cwd = process.env['npm_lifecycle_event'] === 'xen' && process.env['INIT_CWD'] ? process.env['INIT_CWD'] : process.cwd();

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd,
});
process.exitCode = code;
