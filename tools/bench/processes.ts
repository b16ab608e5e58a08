/**
 * The benchmarks' child processes: a bench file forks itself with `--role=<name>`; the child starts one server,
 * reports its URL over IPC, and answers numbered messages (`call`). Shared by proxy.ts and fleet.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';

export type Message = { cmd: string; [key: string]: unknown };

export interface Child {
  url: string;
  process: ChildProcess;
  /** Sends `message` with a fresh id and resolves with the child's answer carrying that id. */
  call(message: Message): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Passed to the child as JSON in BENCH_ENV (the proxy's configuration, a baseline's body). */
  env?: Record<string, string>;
  /** Added to the child's own environment. */
  extraEnv?: Record<string, string>;
  /** Another Node binary (Node 24 from `node@24`). */
  execPath?: string;
  /** More Node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** The child's stdout is shown (debugging) rather than dropped. */
  showOutput?: boolean;
}

/** Forks `file` as `role` and waits for the URL it reports. */
export async function spawnRole(file: string, role: string, options: SpawnOptions = {}): Promise<Child> {
  const proc = fork(file, [`--role=${role}`], {
    ...(options.execPath ? { execPath: options.execPath } : {}),
    execArgv: [...(options.nodeArgs ?? []), '--conditions=@batchwatch/source', '--import', 'tsx'],
    env: { ...process.env, ...options.extraEnv, BENCH_ENV: JSON.stringify(options.env ?? {}) },
    stdio: ['ignore', options.showOutput ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('message', (message: { url: string }) => resolve(message.url));
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code} before it was ready`)));
  });
  let next = 0;
  return {
    url,
    process: proc,
    call(message) {
      const id = ++next;
      return new Promise((resolve) => {
        const onMessage = (answer: { id?: number }) => {
          if (answer.id !== id) return;
          proc.off('message', onMessage);
          resolve(answer as Record<string, unknown>);
        };
        proc.on('message', onMessage);
        proc.send({ ...message, id });
      });
    },
    stop: () => stopProcess(proc),
  };
}

/** SIGTERM (a clean exit writes a CPU profile), then SIGKILL after `graceMs`. */
export function stopProcess(proc: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), graceMs).unref();
  });
}

/** The role this process was forked as, if any. */
export function roleOf(argv: string[]): string | undefined {
  return argv.find((arg) => arg.startsWith('--role='))?.slice('--role='.length);
}
