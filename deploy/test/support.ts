/**
 * Disposable helpers for the deployment tests: the artifact built once per test file (by the same command the
 * Dockerfile runs), a proxy process started from it, files of deploy/ read as YAML/JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { parseAllDocuments } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEPLOY = join(ROOT, 'deploy');

const cleanups: Array<() => unknown> = [];
export function defer(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const fileCleanups: Array<() => unknown> = [];
afterAll(async () => {
  while (fileCleanups.length) await fileCleanups.pop()!();
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `batchwatch-${prefix}-`));
  fileCleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a command to completion; rejects with its output when it exits non-zero. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolvePromise({ stdout, stderr }) : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stdout}\n${stderr}`)),
    );
  });
}

/** The Dockerfile's build command, taken from the Dockerfile itself: `npm run deploy:proxy -- <dir>`. */
export function dockerfileBuildCommand(): { args: string[]; outDir: string } {
  const match = /^RUN (npm run deploy:proxy -- (\S+))$/m.exec(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'));
  if (!match) throw new Error('deploy/Dockerfile has no `RUN npm run deploy:proxy -- <dir>` line');
  return { args: match[1]!.split(' ').slice(1), outDir: match[2]! };
}

let artifact: Promise<string> | undefined;

/**
 * Builds the artifact with the Dockerfile's own command (into a temp dir instead of its path), then copies it
 * into an empty directory, as a container image would hold it. Once per test file.
 */
export function builtArtifact(): Promise<string> {
  return (artifact ??= (async () => {
    const { args, outDir } = dockerfileBuildCommand();
    const built = join(tempDir('artifact-build'), 'out');
    await run(
      'npm',
      args.map((arg) => (arg === outDir ? built : arg)),
      { cwd: ROOT },
    );
    const empty = tempDir('artifact-run');
    cpSync(built, empty, { recursive: true });
    return empty;
  })());
}

export interface RunningArtifact {
  url: string;
  child: ChildProcess;
  /** Every stdout line so far, parsed. */
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * Starts `node bin/batchwatch-proxy.mjs` in `dir` with only the given variables (no PATH, no NODE_PATH, no
 * node_modules anywhere above the directory) and waits for its "listening" line.
 */
export async function startArtifact(dir: string, env: Record<string, string>): Promise<RunningArtifact> {
  const child = spawn(process.execPath, ['bin/batchwatch-proxy.mjs'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  defer(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const lines: Array<Record<string, unknown>> = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.msg === 'batchwatch-proxy listening') resolveUrl(String(line.url));
    });
    void exited.then((code) => reject(new Error(`the artifact exited ${code} before listening:\n${stderr}`)));
  });
  return { url, child, lines, stderr: () => stderr, exited };
}

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Every YAML document of a file (Kubernetes manifests hold several). */
export function readYamlDocuments(path: string): Array<Record<string, any>> {
  return parseAllDocuments(readText(path)).map((doc) => {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    return doc.toJS() as Record<string, any>;
  });
}
