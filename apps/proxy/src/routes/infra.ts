/**
 * Probes, metrics and the API description. No caller authentication (as the contract says): they reveal
 * no customer data. Put /metrics behind your network policy if its numbers are sensitive.
 */
import { Router, type RequestHandler } from 'express';
import type { AppContext } from '../context.js';
import { locals } from '../context.js';
import { DOCS_CSP } from '../front-door.js';

export function infraRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', named('/healthz'), (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', named('/readyz'), (_req, res) => {
    const { state } = ctx.readiness;
    res.setHeader('Cache-Control', 'no-store');
    // Without Redis a replica still serves (single-process mode): ready, but saying so.
    const degraded = state === 'ok' && ctx.fleetRedis && !ctx.fleetRedis.connected;
    res.status(state === 'ok' ? 200 : 503).json({ status: degraded ? 'degraded' : state });
  });
  router.get('/metrics', named('/metrics'), async (_req, res) => {
    const body = await ctx.metrics.registry.metrics();
    res.setHeader('Content-Type', ctx.metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.end(body);
  });
  router.get('/openapi.json', named('/openapi.json'), (_req, res) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(ctx.openapiJson);
  });
  router.get('/docs', named('/docs'), (_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.end(ctx.docsHtml);
  });
  return router;
}

/** Names the route for metrics and logs. */
function named(route: string): RequestHandler {
  return (_req, res, next) => {
    locals(res).route = route;
    next();
  };
}
