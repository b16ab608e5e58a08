/** `batchwatch-simulator`: runs the simulator until SIGINT/SIGTERM. Exit codes: 0 ok, 1 failed to start, 2 bad usage. */
import { createRequire } from 'node:module';
import { parseCli, usage, type CliConfig } from './cli-args.js';
import { startSimulator, type RunningSimulator } from './server.js';

function version(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

async function run(config: CliConfig): Promise<void> {
  const { host, port, token, speed, customerId, variants } = config;
  const scenarios = config.scenarios.map((scenario) => ({ scenario, ...(customerId !== undefined && { customerId }) }));
  let simulator: RunningSimulator;
  try {
    simulator = await startSimulator({ host, port, token, speed, scenarios, variants });
  } catch (error) {
    process.stderr.write(`batchwatch-simulator: cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : error}\n`);
    process.exitCode = 1;
    return;
  }
  const auth = token === null ? 'any bearer token' : `bearer token "${token}"`;
  process.stderr.write(`batchwatch-simulator ${version()} listening on ${simulator.url} (${auth}, speed ${speed}); Ctrl+C to stop\n`);
  for (const batch of simulator.batches) process.stdout.write(`${batch.scenario.name} ${simulator.url}${batch.statusPath}\n`);
  const stop = () => {
    void simulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const command = parseCli(process.argv.slice(2), process.env);
switch (command.kind) {
  case 'help':
    process.stdout.write(`${usage}\n`);
    break;
  case 'version':
    process.stdout.write(`${version()}\n`);
    break;
  case 'error':
    process.stderr.write(`batchwatch-simulator: ${command.message}\nRun batchwatch-simulator --help for usage.\n`);
    process.exitCode = 2;
    break;
  case 'run':
    await run(command.config);
    break;
}
