/**
 * Command-line and environment configuration of `batchwatch-simulator`, kept apart from process side effects
 * so it can be tested directly. Flags win over environment variables.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isGuid } from '@batchwatch/openapi';
import { isScenarioName, loadScenarioFile, scenarioNames, scenarios } from './scenarios.js';
import type { ScenarioDefinition } from './types.js';
import { parseVariantFlags, variantFlags, type WireVariants } from './variants.js';

export const DEFAULT_CLI_PORT = 8790;

export interface CliConfig {
  host: string;
  port: number;
  /** `null`: any bearer token is accepted (`--token '*'`). */
  token: string | null;
  speed: number;
  scenarios: ScenarioDefinition[];
  customerId: string | undefined;
  variants: WireVariants;
}

export type CliCommand = { kind: 'run'; config: CliConfig } | { kind: 'help' } | { kind: 'version' } | { kind: 'error'; message: string };

export const usage = `Usage: batchwatch-simulator [options]

A fake Microsoft Partner Center (device batch upload status) over real HTTP.

Options:
  --port <n>            Port to listen on (0 = any free port)     [env BATCHWATCH_SIMULATOR_PORT, default ${DEFAULT_CLI_PORT}]
  --host <host>         Interface to bind                          [env BATCHWATCH_SIMULATOR_HOST, default 127.0.0.1]
  --token <token>       Accepted bearer token; '*' accepts any     [env BATCHWATCH_SIMULATOR_TOKEN, default simulator-token]
  --speed <x>           Clock speed multiplier (10 = ten times faster) [env BATCHWATCH_SIMULATOR_SPEED, default 1]
  --scenario <s>        Built-in scenario name or a .json/.yaml scenario file; repeatable
                                                                   [env BATCHWATCH_SIMULATOR_SCENARIO, comma-separated, default demo]
  --customer-id <guid>  Customer of the seeded batches             [env BATCHWATCH_SIMULATOR_CUSTOMER_ID]
  --variant <v>         A real-world wire variant; repeatable      [env BATCHWATCH_SIMULATOR_VARIANTS, comma-separated]
                        ${Object.keys(variantFlags).join(', ')}
                        (unknown-status=<status>, duplicate-devices=<n>)
  -h, --help            Show this help
  -v, --version         Show the version

Built-in scenarios: ${scenarioNames.join(', ')}

Prints one line per seeded batch on stdout: "<scenario> <status URL>". Stop with Ctrl+C.`;

const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  speed: { type: 'string' },
  scenario: { type: 'string', multiple: true },
  'customer-id': { type: 'string' },
  variant: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

class UsageError extends Error {}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${text}"`);
  return port;
}

function parseSpeed(text: string): number {
  const speed = Number(text);
  if (text.trim() === '' || !Number.isFinite(speed) || speed <= 0) throw new UsageError(`--speed must be a number > 0, got "${text}"`);
  return speed;
}

function loadScenario(ref: string): ScenarioDefinition {
  if (isScenarioName(ref)) return scenarios[ref];
  if (!existsSync(ref)) {
    throw new UsageError(`--scenario "${ref}" is neither a built-in scenario (${scenarioNames.join(', ')}) nor an existing file`);
  }
  try {
    return loadScenarioFile(ref);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A repeatable flag, or else the comma-separated variable. */
function listOf(flags: readonly string[] | undefined, env: string | undefined): string[] {
  if (flags !== undefined && flags.length > 0) return [...flags];
  return (env ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function scenarioRefs(flags: readonly string[] | undefined, env: string | undefined): string[] {
  const refs = listOf(flags, env);
  return refs.length > 0 ? refs : ['demo'];
}

function parseVariants(flags: readonly string[]): WireVariants {
  try {
    return parseVariantFlags(flags);
  } catch (error) {
    throw new UsageError(`--variant: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function buildConfig(values: Record<string, string | string[] | boolean | undefined>, env: NodeJS.ProcessEnv): CliConfig {
  // An empty variable counts as unset, as in most shells' `VAR= command`.
  const str = (flag: string, variable: string) => (values[flag] as string | undefined) ?? (env[variable] || undefined);
  const port = str('port', 'BATCHWATCH_SIMULATOR_PORT');
  const speed = str('speed', 'BATCHWATCH_SIMULATOR_SPEED');
  const token = str('token', 'BATCHWATCH_SIMULATOR_TOKEN');
  const customerId = str('customer-id', 'BATCHWATCH_SIMULATOR_CUSTOMER_ID');
  if (customerId !== undefined && !isGuid(customerId)) throw new UsageError(`--customer-id must be a GUID, got "${customerId}"`);
  if (token === '') throw new UsageError("--token must not be empty (use '*' to accept any token)");
  const refs = scenarioRefs(values['scenario'] as string[] | undefined, env['BATCHWATCH_SIMULATOR_SCENARIO']);
  return {
    host: str('host', 'BATCHWATCH_SIMULATOR_HOST') || '127.0.0.1',
    port: port === undefined ? DEFAULT_CLI_PORT : parsePort(port),
    token: token === '*' ? null : (token ?? 'simulator-token'),
    speed: speed === undefined ? 1 : parseSpeed(speed),
    scenarios: refs.map(loadScenario),
    customerId,
    variants: parseVariants(listOf(values['variant'] as string[] | undefined, env['BATCHWATCH_SIMULATOR_VARIANTS'])),
  };
}

/** Interprets argv (without node and the script) and the environment. Never throws. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    if (values.help) return { kind: 'help' };
    if (values.version) return { kind: 'version' };
    return { kind: 'run', config: buildConfig(values, env) };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
