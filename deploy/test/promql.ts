/**
 * PromQL as Prometheus itself parses it (its own Lezer grammar, @prometheus-io/lezer-promql): the series a
 * query selects, with the label names it matches on, and any syntax error.
 */
import { parser } from '@prometheus-io/lezer-promql';

export interface Selector {
  metric: string;
  labels: string[];
}

/** Grafana's variables, replaced by values of the same syntactic kind before parsing. */
function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_)?interval|\$__range/g, '5m').replace(/\$\{?\w+\}?/g, 'x');
}

export function parsePromql(expr: string): { selectors: Selector[]; errors: string[] } {
  const text = withoutGrafanaVariables(expr);
  const selectors: Selector[] = [];
  const errors: string[] = [];
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from} in ${JSON.stringify(expr)}`);
      if (node.name !== 'VectorSelector') return;
      const metric = node.node.getChild('Identifier');
      const labels: string[] = [];
      const matchers = node.node.getChild('LabelMatchers');
      for (let matcher = matchers?.firstChild; matcher; matcher = matcher.nextSibling) {
        const name = matcher.getChild('LabelName');
        if (name) labels.push(text.slice(name.from, name.to));
      }
      if (metric) selectors.push({ metric: text.slice(metric.from, metric.to), labels });
    },
  });
  return { selectors, errors };
}

/** Every `expr` of a Grafana dashboard (panels, rows' panels) and its variables' queries. */
export function dashboardExpressions(dashboard: Record<string, any>): string[] {
  const exprs: string[] = [];
  const visit = (panels: Array<Record<string, any>> = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) exprs.push(target.expr);
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const inner = variable.type === 'query' && typeof query === 'string' ? /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1] : undefined;
    if (inner) exprs.push(inner);
  }
  return exprs;
}
