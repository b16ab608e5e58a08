import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '@batchwatch/simulator';
import { loadConfig, startProxy } from '@batchwatch/proxy';
import { dashboardExpressions, parsePromql, type Selector } from './promql.js';
import { DEPLOY, defer, readText, readYamlDocuments, run } from './support.js';

const RULES = 'deploy/prometheus/batchwatch-proxy.rules.yaml';
const DASHBOARD = 'deploy/grafana/batchwatch-proxy.json';
const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (): Rule[] => readYamlDocuments(RULES)[0]!.groups.flatMap((group: { rules: Rule[] }) => group.rules);
const alerts = () => rules().filter((rule) => rule.alert);
const dashboard = () => JSON.parse(readText(DASHBOARD)) as Record<string, any>;

/** `{ metric name: its label names }` of what a running proxy exports, from its /metrics and its registry. */
async function exportedMetrics(): Promise<Map<string, Set<string>>> {
  const sim = await startSimulator({});
  defer(() => sim.close());
  const batch = sim.addBatch('clean', { customerId: CUSTOMER });
  const config = loadConfig({
    BATCHWATCH_HOST: '127.0.0.1',
    BATCHWATCH_PORT: '0',
    BATCHWATCH_UPSTREAM_URL: sim.url,
    BATCHWATCH_UPSTREAM_TOKEN: 'simulator-token',
    BATCHWATCH_API_KEYS: 'tui=tui-key-4f0c8a61d2b94e37',
    BATCHWATCH_CUSTOMER_ACL: 'tui=*',
  });
  const proxy = await startProxy(config, { logDestination: { write: () => undefined } });
  defer(() => proxy.close());
  // Some traffic, so that labelled series exist too.
  expect((await fetch(`${proxy.url}${batch.statusPath}`, { headers: { Authorization: 'Bearer tui-key-4f0c8a61d2b94e37' } })).status).toBe(200);
  expect((await fetch(`${proxy.url}${batch.statusPath}`)).status).toBe(401);
  const text = await (await fetch(`${proxy.url}/metrics`)).text();

  const labelsOf = new Map(
    proxy.proxy.metrics.registry.getMetricsAsArray().map((metric) => [metric.name, (metric as unknown as { labelNames: string[] }).labelNames ?? []]),
  );
  const exported = new Map<string, Set<string>>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const labels = new Set([...(labelsOf.get(name!) ?? []), 'job', 'instance']);
    // Series of a scraped sample carry their labels too (default metrics declare theirs only there).
    for (const [, sampleLabels] of text.matchAll(new RegExp(`^${name}(?:_bucket|_sum|_count)?\\{([^}]*)\\}`, 'gm'))) {
      for (const [, label] of sampleLabels!.matchAll(/(\w+)="/g)) labels.add(label!);
    }
    exported.set(name!, labels);
    if (type === 'histogram' || type === 'summary') {
      exported.set(`${name}_sum`, labels);
      exported.set(`${name}_count`, labels);
    }
    if (type === 'histogram') exported.set(`${name}_bucket`, new Set([...labels, 'le']));
  }
  return exported;
}

/** What a query selects that the proxy (or Prometheus, or the rules) does not provide. */
function unknownSelections(expr: string, exported: Map<string, Set<string>>, recorded: Set<string>): string[] {
  const { selectors, errors } = parsePromql(expr);
  const problems = [...errors];
  if (selectors.length === 0) problems.push(`selects no metric: ${expr}`);
  const prometheusOwn = new Map([['up', new Set(['job', 'instance'])]]);
  for (const { metric, labels } of selectors as Selector[]) {
    const known = exported.get(metric) ?? prometheusOwn.get(metric) ?? (recorded.has(metric) ? new Set(['job']) : undefined);
    if (!known) {
      problems.push(`${metric} is not exported by the proxy`);
      continue;
    }
    for (const label of labels) if (!known.has(label)) problems.push(`${metric} has no label ${label}`);
  }
  return problems;
}

describe('alert rules (deploy/prometheus)', () => {
  const prometheus = join(DEPLOY, 'prometheus');

  it('pass `promtool check rules`', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', 'batchwatch-proxy.rules.yaml'], { cwd: prometheus });
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  }, 60_000);

  it('pass their unit tests: `promtool test rules` (each alert fires on its situation, stays quiet below it)', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', 'batchwatch-proxy.rules.test.yaml'], { cwd: prometheus });
    expect(stdout).toContain('SUCCESS');
    const tested = new Set([...readFileSync(join(prometheus, 'batchwatch-proxy.rules.test.yaml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    expect([...tested].sort()).toEqual(
      alerts()
        .map((rule) => rule.alert)
        .sort(),
    );
  }, 60_000);

  it('cover upstream 429 and 5xx, stale share, the 5xx SLO burn, auth-failure spikes and event-loop lag', () => {
    const exprs = alerts()
      .map((rule) => rule.expr)
      .join('\n');
    for (const needle of [
      'status_code="429"',
      'status_code=~"5..|0"',
      'result="stale"',
      'batchwatch_proxy:http_error_ratio:rate1h',
      'batchwatch_proxy_auth_failures_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(exprs).toContain(needle);
    }
  });

  it('each have a severity, a summary, a description and a runbook_url to a section of docs/runbook.md', () => {
    const runbook = readText('docs/runbook.md');
    const anchors = new Set(
      [...runbook.matchAll(/^## (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const rule of alerts()) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      const url = new URL(rule.annotations!.runbook_url!);
      expect(url.pathname, rule.alert).toMatch(/\/docs\/runbook\.md$/);
      expect(anchors, rule.alert).toContain(url.hash.slice(1));
      // Symptom, check, action: every section says all three.
      const section = runbook.split(/^## /m).find((part) =>
        part
          .toLowerCase()
          .replace(/[^\w\n]/g, '')
          .startsWith(url.hash.slice(1)),
      );
      for (const step of ['**Symptom.**', '**Check.**', '**Action.**']) expect(section, `${rule.alert} ${step}`).toContain(step);
    }
  });
});

describe('the dashboard and the rules use only what the proxy exports', () => {
  it('every metric and label matcher of the Grafana dashboard and the alert rules exists on a running proxy', async () => {
    const exported = await exportedMetrics();
    const recorded = new Set(rules().flatMap((rule) => (rule.record ? [rule.record] : [])));
    const exprs = [...rules().map((rule) => rule.expr), ...dashboardExpressions(dashboard())];
    expect(exprs.length).toBeGreaterThan(30);
    expect(exprs.flatMap((expr) => unknownSelections(expr, exported, recorded))).toEqual([]);
    // The check can fail: a metric the proxy does not export, a misspelled label, broken syntax.
    expect(unknownSelections('rate(batchwatch_proxy_nonexistent_total[5m])', exported, recorded)).toEqual([
      'batchwatch_proxy_nonexistent_total is not exported by the proxy',
    ]);
    expect(unknownSelections('batchwatch_proxy_upstream_requests_total{statuscode="429"}', exported, recorded)).toEqual([
      'batchwatch_proxy_upstream_requests_total has no label statuscode',
    ]);
    expect(unknownSelections('sum(rate(up[5m])', exported, recorded)[0]).toMatch(/syntax error/);
  }, 60_000);

  it('has a panel per row topic (RED per route, upstream, cache, live events and fleet, callers, process), each with a query', () => {
    const board = dashboard();
    const rows = board.panels.filter((panel: { type: string }) => panel.type === 'row').map((row: { title: string }) => row.title);
    expect(rows).toEqual([
      'Overview',
      'Proxy (RED per route)',
      'Upstream (Partner Center)',
      'Cache',
      'Live events and fleet',
      'Callers',
      'Process',
      'Dependencies and versions',
    ]);
    const ids = board.panels.map((panel: { id: number }) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of board.panels.filter((p: { type: string }) => p.type !== 'row')) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });
});
