/**
 * The OpenTelemetry SDK, loaded only when OTEL_* turns tracing on: a tracer provider with the proxy's resource
 * (overridable by OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES), batch export over OTLP/HTTP (OTEL_EXPORTER_OTLP_*
 * read by the exporter itself) or to the console, the AsyncLocalStorage context manager and W3C propagators.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { markTracingOn, type ExporterName } from './tracing.js';

export interface Tracing {
  exporters: string[];
  /** Flushes what is buffered; call on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Registers the global tracer provider, context manager (AsyncLocalStorage) and W3C propagators. One per
 * process. `processors` replaces the exporters (tests read spans from memory).
 */
export function startTracing(exporters: ExporterName[], version: string, processors?: SpanProcessor[]): Tracing {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'batchwatch-proxy', 'service.version': version }))
    .merge(detectResources({ detectors: [envDetector] })); // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
  const spanProcessors =
    processors ?? exporters.map((name) => new BatchSpanProcessor(name === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter()));
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  provider.register();
  markTracingOn();
  return { exporters, shutdown: () => provider.shutdown() };
}
