/**
 * Probes, metrics and the API description. No caller authentication (as the contract says): they reveal
 * no customer data. /metrics can have its own port and a key (see metrics-endpoint.ts).
 */
import { Router, type RequestHandler } from 'express';
import type { AppContext } from '../context.js';
import { locals } from '../context.js';
import { docsRouter } from '../docs.js';

export function infraRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', named('/healthz'), (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', named('/readyz'), (_req, res) => {
    const { state } = ctx.readiness;
    res.setHeader('Cache-Control', 'no-store');
    res.status(state === 'ok' ? 200 : 503).json({ status: state });
  });
  // On its own port when BATCHWATCH_METRICS_PORT is set (see server.ts); here otherwise.
  if (ctx.config.metrics.port === undefined) router.get('/metrics', named('/metrics'), (req, res) => ctx.serveMetrics(req, res));
  router.get('/openapi.json', named('/openapi.json'), (_req, res) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(ctx.openapiJson);
  });
  router.use(docsRouter((res, route) => (locals(res).route = route)));
  return router;
}

/** Names the route for metrics and logs. */
function named(route: string): RequestHandler {
  return (_req, res, next) => {
    locals(res).route = route;
    next();
  };
}
