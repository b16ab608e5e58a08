/**
 * The API description: `/openapi.json` — `openapi/proxy.yaml` bundled into one document by Redocly when the
 * contract package is built (`@batchwatch/openapi/proxy.bundle.json`) — and `/docs`, an interactive reference
 * rendered by Swagger UI.
 *
 * Swagger UI (`swagger-ui-dist` 5) because it is the one reference renderer with "try it" whose package makes
 * no claim on the Node version (Scalar and Redoc 3 declare Node ≥ 22; Redoc has no "try it"), and it ships
 * plain prebuilt files. They are served from the installed package, a short allow-list of them, with no CDN;
 * the page's own script is a file too, so the CSP needs no inline script.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';

type JsonObject = { [key: string]: unknown };

const require = createRequire(import.meta.url);

export function loadBundledSpec(): JsonObject {
  return JSON.parse(readFileSync(require.resolve('@batchwatch/openapi/proxy.bundle.json'), 'utf8')) as JsonObject;
}

/**
 * What the page needs and nothing more: its scripts and styles from this origin, Swagger UI's inline style
 * attributes and its data: images (icons in its CSS), and fetch to this origin (the document, "try it").
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** File name under /docs/ → where it comes from and its type. */
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
/** The page's own script and style, beside this file's source (`src/` is published with `dist/`). */
const OWN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'docs-assets');
const ASSETS: Record<string, { path: string; type: string }> = {
  'swagger-ui.css': { path: join(SWAGGER_DIR, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { path: join(SWAGGER_DIR, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { path: join(SWAGGER_DIR, 'favicon-32x32.png'), type: 'image/png' },
  'docs.js': { path: join(OWN_DIR, 'docs.js'), type: 'text/javascript; charset=utf-8' },
  'docs.css': { path: join(OWN_DIR, 'docs.css'), type: 'text/css; charset=utf-8' },
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>batchwatch-proxy API reference</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="stylesheet" href="/docs/docs.css">
</head><body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/docs.js"></script>
</body></html>
`;

/** /docs and its assets. Files are read once, on first use (the bundle is about 1.5 MB). */
export function docsRouter(name: (res: Response, route: string) => void): Router {
  const router = Router();
  const loaded = new Map<string, Buffer>();
  router.get('/docs', (_req, res) => {
    name(res, '/docs');
    send(res, 'text/html; charset=utf-8', PAGE, 'no-cache');
  });
  router.get('/docs/:file', (req, res, next) => {
    const asset = Object.hasOwn(ASSETS, req.params.file) ? ASSETS[req.params.file] : undefined;
    if (!asset) return next();
    name(res, '/docs/:file');
    let body = loaded.get(asset.path);
    if (!body) loaded.set(asset.path, (body = readFileSync(asset.path)));
    send(res, asset.type, body, 'public, max-age=3600');
  });
  return router;
}

function send(res: Response, type: string, body: string | Buffer, cacheControl: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Security-Policy', DOCS_CSP);
  res.setHeader('Cache-Control', cacheControl);
  res.end(body);
}
