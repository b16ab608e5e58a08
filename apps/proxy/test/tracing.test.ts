import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { injectTraceHeaders, traceFields, traceRequest, tracingExporters } from '../src/tracing.js';
import { startTracing } from '../src/tracing-sdk.js';
import { CUSTOMER, defer, proxyFor, simulator, statusCalls, statusPath } from './helpers.js';

const exporter = new InMemorySpanExporter();
const tracing = startTracing(['otlp'], '1.2.3', [new SimpleSpanProcessor(exporter)]);
afterAll(() => tracing.shutdown());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('tracing switches', () => {
  it.each([
    [{}, undefined],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, ['otlp']],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, ['otlp']],
    [{ OTEL_TRACES_EXPORTER: 'console' }, ['console']],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, undefined],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, undefined],
  ])('%j → %j', (env, expected) => {
    expect(tracingExporters(env)).toEqual(expected);
  });

  it('refuses an exporter it does not have', () => {
    expect(() => tracingExporters({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER: "zipkin" is not supported/);
  });
});

describe('a traced request', () => {
  it('continues the caller’s traceparent, names the span by route, and carries the trace upstream and into logs', async () => {
    const upstreamHeaders: IncomingHttpHeaders[] = [];
    const upstream = await listen((req, res) => {
      upstreamHeaders.push(req.headers);
      res.end('ok');
    });
    let logged: Record<string, string> = {};
    const front = await listen((req, res) =>
      traceRequest(
        req,
        res,
        () => '/v1/customers/:customerId/batchJobStatus/:trackingId',
        async () => {
          logged = traceFields();
          const headers = new Headers();
          injectTraceHeaders(headers);
          await (await fetch(upstream, { headers })).text();
          res.end('done');
        },
      ),
    );
    const res = await fetch(`${front}/v1/customers/x/batchJobStatus/y`, { headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` } });
    expect(await res.text()).toBe('done');
    // The server span ends when the response has closed, which may be just after the body arrived here.
    const server = await vi.waitFor(() => {
      const found = exporter.getFinishedSpans().find((span) => span.name === 'GET /v1/customers/:customerId/batchJobStatus/:trackingId');
      expect(found).toBeDefined();
      return found;
    });
    expect(server!.spanContext().traceId).toBe(TRACE_ID);
    expect(server!.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(server!.attributes).toMatchObject({ 'http.route': '/v1/customers/:customerId/batchJobStatus/:trackingId', 'http.response.status_code': 200 });
    expect(server!.resource.attributes).toMatchObject({ 'service.name': 'batchwatch-proxy', 'service.version': '1.2.3' });
    expect(upstreamHeaders[0]!.traceparent).toBe(`00-${TRACE_ID}-${server!.spanContext().spanId}-01`);
    expect(logged).toEqual({ trace_id: TRACE_ID, span_id: server!.spanContext().spanId });
  });
});

describe('a traced proxy', () => {
  it('puts the client’s Partner Center spans beneath the request span, sends traceparent upstream, and names the trace in its logs', async () => {
    exporter.reset(); // the spans of the other tests share the trace id
    const sim = await simulator();
    const batch = sim.addBatch('clean');
    const proxy = await proxyFor(sim.url);
    const res = await proxy.get(statusPath(CUSTOMER, batch.trackingId), { headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` } });
    expect(res.status).toBe(200);
    const route = 'GET /v1/customers/:customerId/batchJobStatus/:trackingId';
    const spans = await vi.waitFor(() => {
      const finished = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === TRACE_ID);
      expect(finished.map((span) => span.name)).toContain(route);
      return finished;
    });
    const server = spans.find((span) => span.name === route)!;
    const call = spans.find((span) => span.name === 'PartnerCenter GET');
    expect(call?.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    const attempt = spans.find((span) => span.parentSpanContext?.spanId === call!.spanContext().spanId);
    expect(attempt).toBeDefined();
    const upstream = statusCalls(sim, batch.trackingId)[0]!;
    expect(upstream.headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    const access = proxy.logs.map((line) => JSON.parse(line)).find((line) => line.msg === 'request completed');
    expect(access).toMatchObject({ trace_id: TRACE_ID, span_id: server.spanContext().spanId });
  });
});
