// Records which commit a build comes from (`dist/build-info.json`), so `batchwatch --version` can say
// `0.3.1+g8d5e1a4` from a git checkout and plain `0.3.1` from a tarball built without git.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = resolve(process.argv[2] ?? resolve(dirname(fileURLToPath(import.meta.url)), '../dist'), 'build-info.json');
let commit;
try {
  commit = `g${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()}`;
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  if (dirty) commit += '.dirty';
} catch {
  commit = undefined; // not a git checkout: the package version alone
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(commit ? { commit } : {})}\n`);
