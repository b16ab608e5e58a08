#!/usr/bin/env node
/**
 * `npm run deploy:proxy [-- OUT_DIR]` (default dist/proxy): the deployable proxy as a folder that runs with
 * nothing but `node` — one esbuild bundle of the proxy and every dependency, straight from the TypeScript
 * sources (no prior build), plus the OpenAPI documents it reads at start. No node_modules and no dependencies
 * in its package.json, so nothing is ever resolved from a registry when it is deployed (the workspace
 * packages `@batchwatch/*` cannot be confused with a public package of the same name). The Dockerfile's build
 * stage runs this same script.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const proxyDir = join(root, 'apps/proxy');
const openapiDir = join(root, 'openapi');

/** Folders of files the proxy reads from beside its own code (`<module>/../src/<name>`). */
const OWN_ASSET_DIRS = ['src/docs-assets'];
const BUNDLE = 'bin/batchwatch-proxy.mjs';
const ASSET_HELPER = '__batchwatchAsset';

export async function buildProxyArtifact(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const proxyPackage = readJson(join(proxyDir, 'package.json'));
  buildContractFiles();
  const assets = new Map();
  const result = await build({
    entryPoints: [join(proxyDir, 'src/cli.ts')],
    outfile: join(outDir, BUNDLE),
    bundle: true,
    platform: 'node',
    target: 'node20.19',
    format: 'esm',
    // Workspace packages are bundled from their sources, like the tests run them.
    conditions: ['@batchwatch/source'],
    // CommonJS dependencies call require() on Node built-ins; an ES module has none of its own. Files the
    // sources locate with require.resolve() are copied into assets/ and found there.
    banner: {
      js: [
        "import { createRequire as __bwCreateRequire } from 'node:module';",
        "import { fileURLToPath as __bwFileURLToPath } from 'node:url';",
        'const require = __bwCreateRequire(import.meta.url);',
        `const ${ASSET_HELPER} = (specifier) => __bwFileURLToPath(new URL('../assets/' + specifier, import.meta.url));`,
      ].join('\n'),
    },
    plugins: [resolvedFilesAsAssets(assets)],
    legalComments: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  for (const dir of OWN_ASSET_DIRS) if (existsSync(join(proxyDir, dir))) cpSync(join(proxyDir, dir), join(outDir, dir), { recursive: true });
  for (const [specifier, file] of assets) copyAsset(specifier, file, join(outDir, 'assets'));
  const bundled = bundledPackages(result.metafile);
  writeJson(join(outDir, 'package.json'), {
    name: 'batchwatch-proxy',
    version: proxyPackage.version,
    description: proxyPackage.description,
    license: proxyPackage.license,
    private: true,
    type: 'module',
    engines: { node: '>=20.19' },
    bin: { 'batchwatch-proxy': BUNDLE },
    scripts: { start: `node ${BUNDLE}` },
  });
  // What is inside, with exact versions (for a software bill of materials and vulnerability scans).
  writeJson(join(outDir, 'bundled-packages.json'), bundled);
  return { outDir, bundle: join(outDir, BUNDLE), packages: bundled };
}

/** The contract package's generated files the proxy reads (its one-document bundle), made fresh. */
function buildContractFiles() {
  if (!readJson(join(openapiDir, 'package.json')).scripts?.bundle) return;
  execFileSync('npm', ['run', '--silent', 'bundle', '-w', '@batchwatch/openapi'], { cwd: root, stdio: 'pipe' }); // its output only when it fails (thrown)
}

/**
 * `require.resolve('pkg/file')` in the workspace sources becomes `__batchwatchAsset('pkg/file')`, and the file
 * (resolved now, from the module that asked) is recorded to be copied into the artifact's assets/. A package's
 * `package.json` brings its whole folder (the sources look for files beside it), source maps left out.
 */
function resolvedFilesAsAssets(assets) {
  return {
    name: 'resolved-files-as-assets',
    setup(build) {
      build.onLoad({ filter: /[\\/](apps|packages|openapi)[\\/].*[\\/]src[\\/].*\.ts$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('require.resolve(')) return undefined;
        const resolveFrom = createRequire(args.path);
        const contents = source.replace(/require\.resolve\((['"])([^'"]+)\1\)/g, (_call, _quote, specifier) => {
          assets.set(specifier, resolveFrom.resolve(specifier));
          return `${ASSET_HELPER}(${JSON.stringify(specifier)})`;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

function copyAsset(specifier, file, assetsDir) {
  const target = join(assetsDir, specifier);
  if (specifier.endsWith('/package.json')) {
    const from = dirname(file);
    const wanted = (path) => !path.endsWith('.map') && !relative(from, path).split(sep).includes('node_modules');
    cpSync(from, dirname(target), { recursive: true, filter: wanted });
  } else {
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
}

/** `{ name: version }` of every npm package with code in the bundle. */
function bundledPackages(metafile) {
  const packages = {};
  for (const input of Object.keys(metafile.inputs)) {
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) continue;
    const nameParts = parts[at + 1]?.startsWith('@') ? parts.slice(at + 1, at + 3) : parts.slice(at + 1, at + 2);
    const name = nameParts.join('/');
    if (packages[name]) continue;
    const manifest = join(root, ...parts.slice(0, at + 1), ...nameParts, 'package.json');
    packages[name] = readJson(manifest).version;
  }
  return Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? join(root, 'dist/proxy'));
  const { packages } = await buildProxyArtifact(outDir);
  const shown = relative(process.cwd(), outDir) || '.';
  process.stdout.write(
    `proxy artifact in ${shown.startsWith('..') ? outDir : shown}${sep} (${Object.keys(packages).length} packages bundled); start it with: node ${BUNDLE}\n`,
  );
}
