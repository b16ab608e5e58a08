/**
 * OpenTelemetry tracing, configured by the standard OTEL_* variables and off unless they ask for it
 * (OTEL_TRACES_EXPORTER, or an OTLP endpoint; OTEL_SDK_DISABLED=true wins). When on: W3C `traceparent` is
 * accepted from callers, every request is a server span, the client's Partner Center spans sit beneath it, the
 * upstream call carries `traceparent`, and log lines name `trace_id`/`span_id`. This module needs only the
 * API (a no-op until an SDK is registered); the SDK is in tracing-sdk.ts, loaded only when tracing is on.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from './config.js';

type Env = Readonly<Record<string, string | undefined>>;
const EXPORTERS = ['otlp', 'console'] as const;
export type ExporterName = (typeof EXPORTERS)[number];

/** The exporters OTEL_* asks for, or undefined when tracing stays off. */
export function tracingExporters(env: Env): ExporterName[] | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (named.includes('none')) return undefined;
  const bad = named.find((name) => !(EXPORTERS as readonly string[]).includes(name));
  if (bad !== undefined) throw new ConfigError(`OTEL_TRACES_EXPORTER: "${bad}" is not supported (otlp, console or none)`);
  if (named.length > 0) return named as ExporterName[];
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ? ['otlp'] : undefined;
}

let on = false;
/** Whether an SDK was started (tracing-sdk.ts): requests get spans only then, so tracing off costs nothing. */
export const tracingOn = (): boolean => on;
export function markTracingOn(): void {
  on = true;
}

const tracer = () => trace.getTracer('@batchwatch/proxy');

/**
 * A server span per request, continuing the caller's trace when it sent `traceparent`; the rest of the
 * request runs inside it. Named `METHOD route-template` once the route is known (never the URL: ids are not
 * span names).
 */
export function traceRequest(req: IncomingMessage, res: ServerResponse, routeOf: () => string | undefined, next: () => void): void {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer().startSpan(
    req.method ?? 'HTTP',
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '', 'url.path': (req.url ?? '').split('?')[0]! } },
    parent,
  );
  res.once('close', () => {
    const route = routeOf();
    if (route) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}

/** `traceparent` (and `tracestate`) of the active span, for an outgoing request's headers. */
export function injectTraceHeaders(headers: Headers): void {
  propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
}

/** `{ trace_id, span_id }` of the active span, for log lines; empty outside a trace. */
export function traceFields(span: Span | undefined = trace.getActiveSpan()): Record<string, string> {
  const spanContext = span?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
