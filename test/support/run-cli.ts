import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * The built CLI (`node dist/cli/main.js …`), driven as an operator would: the one way tests
 * start it, to completion (`runCli`) or as a long-running process (`spawnCli`).
 * Build first: `npm run build`.
 */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CLI_PATH = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CliOptions {
  /**
   * The child's environment besides PATH and HOME (default: nothing more). Nothing else of
   * the test process leaks in, so a STORE_URL or PORT set on the host cannot change a test.
   */
  env?: Record<string, string>;
  /** Working directory (default REPO_ROOT, where relative paths such as mappings/default.json resolve). */
  cwd?: string;
}

export interface RunCliOptions extends CliOptions {
  /**
   * Kill the process and fail after this long (default 20 s: under Jest's 30 s test
   * timeout, so that this failure, with the process's stderr, is the one reported).
   */
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_RUN_TIMEOUT_MS = 20_000;

/** Throws a clear message when dist/ has not been built; warns when it is older than src/. */
export function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run \`npm run build\` before these tests (they drive the built binary).`);
  }
  for (const module of ['bridge', 'store/sqlite-store', 'delivery/worker-pool', 'intake/webhook-route']) {
    const source = path.join(REPO_ROOT, 'src', `${module}.ts`);
    const output = path.join(REPO_ROOT, 'dist', `${module}.js`);
    if (existsSync(source) && (!existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs)) {
      console.warn(
        `dist/${module}.js is older than src/${module}.ts: these tests run the build; rebuild with \`npm run build\`.`,
      );
    }
  }
}

/** A CLI child process: no stdin, stdout and stderr piped to the test. */
export type CliProcess = ChildProcessByStdio<null, Readable, Readable>;

/** Starts the built CLI; the caller reads its output, waits for it and stops it. */
export function spawnCli(args: string[], { env = {}, cwd = REPO_ROOT }: CliOptions = {}): CliProcess {
  return spawn(process.execPath, [CLI_PATH, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the built CLI to completion and returns its exit code and everything it printed. */
export function runCli(
  args: string[],
  { timeoutMs = DEFAULT_RUN_TIMEOUT_MS, ...options }: RunCliOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pulsara-fhir-bridge ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close', not 'exit': it comes once stdout and stderr are drained, so no output is lost.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
