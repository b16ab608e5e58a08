/**
 * The environment before it is parsed: secrets from mounted files (`NAME_FILE`, the convention of container
 * images and Kubernetes/Docker secrets), and no silently ignored typos (an unknown `BATCHWATCH_*` name is an
 * error that suggests the closest known one).
 */
import { readFileSync } from 'node:fs';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigError } from './config.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Variables of the other batchwatch programs (simulator, demo, terminal UI), which a shell or a compose file
 * may hold next to the proxy's own: not the proxy's business, and not typos.
 */
const OTHER_PROGRAMS = /^BATCHWATCH_(SIMULATOR_|DEMO_)|^BATCHWATCH_(TOKEN|BASE_URL|TIMEOUT|INTERVAL)$/;

/**
 * `NAME_FILE=/path` stands for `NAME=<the file's contents>` (one trailing line break removed) for each secret
 * variable. Setting both is an error: which one would win is not obvious to whoever reads the manifest.
 */
export function withSecretFiles(env: Env, secrets: readonly string[]): Env {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const name of secrets) {
    const path = env[`${name}_FILE`]?.trim();
    if (!path) continue;
    if (env[name]?.trim()) throw new ConfigError(`set either ${name} or ${name}_FILE, not both`);
    try {
      resolved[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError(`${name}_FILE: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return resolved;
}

/** Throws on the first `BATCHWATCH_*` variable that is neither known nor another batchwatch program's. */
export function rejectUnknownVariables(env: Env, known: readonly string[]): void {
  const knownSet = new Set(known);
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith('BATCHWATCH_') && env[name] !== undefined && !knownSet.has(name) && !OTHER_PROGRAMS.test(name))
    .sort();
  if (unknown.length === 0) return;
  const described = unknown.map((name) => {
    const guess = closest(name, known as string[]);
    // Close enough to be a typo (a third of the name at most), or the same words in another order/unit.
    const likely = distance(name, guess) <= Math.max(3, Math.floor(name.length / 3)) || guess.startsWith(name) || name.startsWith(guess);
    return likely ? `${name} (did you mean ${guess}?)` : name;
  });
  throw new ConfigError(`unknown variable${unknown.length > 1 ? 's' : ''} ${described.join(', ')}; see --help for the proxy's variables`);
}
