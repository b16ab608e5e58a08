/**
 * `batchwatch-proxy`: configuration from the environment, one clear message and exit 2 when it is wrong,
 * graceful shutdown on SIGTERM/SIGINT (a second signal exits at once).
 */
import { ConfigError, helpText, loadConfig, type ProxyConfig } from './config.js';
import { startProxy } from './server.js';
import { tracingExporters, type ExporterName } from './tracing.js';
import { VERSION } from './version.js';

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`batchwatch-proxy ${VERSION}\n`);
    return;
  }
  const unknown = argv.find((arg) => arg !== '--');
  if (unknown !== undefined) {
    process.stderr.write(`batchwatch-proxy: unknown argument ${JSON.stringify(unknown)} (configuration is by environment; see --help)\n`);
    process.exitCode = 2;
    return;
  }
  let config: ProxyConfig;
  let exporters: ExporterName[] | undefined;
  try {
    config = loadConfig(process.env);
    exporters = tracingExporters(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`batchwatch-proxy: configuration error: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  // Before the server exists, so that every request runs inside the SDK's context manager.
  const tracing = exporters && (await import('./tracing-sdk.js')).startTracing(exporters, VERSION);
  const running = await startProxy(config);
  if (tracing) running.proxy.log.info({ exporters: tracing.exporters }, 'tracing on (OpenTelemetry)');
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    running.proxy.log.info({ signal }, 'signal received');
    running
      .close()
      .then(() => tracing?.shutdown()) // sends the spans still buffered
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`batchwatch-proxy: ${message}\n`);
  process.exit(1);
});
