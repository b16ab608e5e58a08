/** The fleet's own metrics, on the app's registry (names in the README, "Running several replicas"). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BudgetMetrics } from './budget.js';

export interface FleetMetrics extends BudgetMetrics {
  degraded: Gauge;
  degradedTotal: Counter;
  leases: Gauge;
  leaseAcquired: Counter;
  fenced: Counter;
}

export function createFleetMetrics(registry: Registry): FleetMetrics {
  const registers = [registry];
  return {
    degraded: new Gauge({
      name: 'batchwatch_proxy_fleet_degraded',
      help: '1 while Redis is unavailable and this replica serves in single-process mode',
      registers,
    }),
    degradedTotal: new Counter({
      name: 'batchwatch_proxy_fleet_degraded_total',
      help: 'Times this replica lost Redis (connection lost or a command timed out)',
      registers,
    }),
    leases: new Gauge({ name: 'batchwatch_proxy_fleet_leases', help: 'Batches this replica polls for the whole fleet (leases held)', registers }),
    leaseAcquired: new Counter({ name: 'batchwatch_proxy_fleet_lease_acquired_total', help: 'Leases acquired (a first poller, or a takeover)', registers }),
    fenced: new Counter({
      name: 'batchwatch_proxy_fleet_fenced_writes_total',
      help: 'Appends refused because this replica no longer held the lease',
      registers,
    }),
    budgetCalls: new Counter({
      name: 'batchwatch_proxy_upstream_budget_calls_total',
      help: 'Upstream attempts granted by the fleet budget, by kind (get, poll)',
      labelNames: ['kind'],
      registers,
    }),
    budgetRefused: new Counter({
      name: 'batchwatch_proxy_upstream_budget_refused_total',
      help: 'Caller GETs refused because the fleet budget was spent (answered stale, or 429)',
      registers,
    }),
    budgetStretched: new Counter({
      name: 'batchwatch_proxy_upstream_budget_stretched_total',
      help: 'Polls delayed (interval stretched) to stay within the fleet budget',
      registers,
    }),
    budgetTokens: new Gauge({ name: 'batchwatch_proxy_upstream_budget_tokens', help: 'Tokens left in the fleet budget at the last ask', registers }),
  };
}
