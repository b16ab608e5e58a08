/**
 * The proxy's version, from the package.json one folder above this module: apps/proxy/package.json for the
 * sources and the tsc build, the artifact's own package.json for the bundle (deploy/scripts/proxy-artifact.mjs
 * writes the proxy's version there).
 */
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
