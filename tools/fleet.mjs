#!/usr/bin/env node
/**
 * `npm run start:fleet`: a local proxy fleet to look at — a `redis-server` on a free loopback port (Debian's
 * package), the simulator with a few batches, three replicas of `batchwatch-proxy` sharing that Redis — and
 * how to point `batchwatch` at each replica. Ctrl-C stops everything this started (by pid).
 *
 * Environment: BATCHWATCH_FLEET_REPLICAS (default 3), BATCHWATCH_DEMO_SPEED (default 1),
 * BATCHWATCH_REDIS_SERVER (default /usr/bin/redis-server). The replicas' log lines are not shown.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '@batchwatch/simulator';

const replicaCount = Number(process.env.BATCHWATCH_FLEET_REPLICAS ?? 3);
const speed = Number(process.env.BATCHWATCH_DEMO_SPEED ?? 1);
if (!Number.isInteger(replicaCount) || replicaCount < 1 || replicaCount > 16) fail('BATCHWATCH_FLEET_REPLICAS must be a whole number from 1 to 16');
if (!Number.isFinite(speed) || speed <= 0) fail('BATCHWATCH_DEMO_SPEED must be a number > 0');
const redisServer = process.env.BATCHWATCH_REDIS_SERVER ?? '/usr/bin/redis-server';

const children = [];
const redisPort = await freePort();
const redis = await startChild(
  redisServer,
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  /Ready to accept connections/,
  `could not start ${redisServer} (install Debian's redis-server package, or set BATCHWATCH_REDIS_SERVER)`,
);
const redisUrl = `redis://127.0.0.1:${redisPort}`;

const simulator = await startSimulator({ speed });
const batches = [simulator.addBatch('demo'), simulator.addBatch('clean'), simulator.addBatch('slow')];
const apiKey = randomBytes(24).toString('base64url');
const cli = fileURLToPath(new URL('../apps/proxy/bin/batchwatch-proxy.js', import.meta.url));
const env = {
  ...process.env,
  BATCHWATCH_PORT: '0',
  BATCHWATCH_UPSTREAM_URL: simulator.url,
  BATCHWATCH_UPSTREAM_TOKEN: 'simulator-token',
  BATCHWATCH_API_KEYS: `fleet=${apiKey}`,
  BATCHWATCH_CUSTOMER_ACL: 'fleet=*',
  BATCHWATCH_POLL_INTERVAL_MS: '1000',
  BATCHWATCH_REDIS_URL: redisUrl,
  BATCHWATCH_REDIS_PREFIX: 'fleet-demo',
  BATCHWATCH_LEASE_TTL_MS: '3000',
  BATCHWATCH_UPSTREAM_BUDGET: '600',
  BATCHWATCH_LOG_LEVEL: 'info', // its "listening" line carries the replica's URL
};
const replicas = [];
for (let i = 0; i < replicaCount; i++) {
  replicas.push(await startChild(process.execPath, [cli], /"url":"(http:\/\/[^"]+)"[^\n]*batchwatch-proxy listening/, 'a replica did not start', env));
}

console.log(`batchwatch fleet — ${replicaCount} replicas of batchwatch-proxy sharing one Redis

  Redis       ${redisUrl} (pid ${redis.process.pid}; keys under fleet-demo:*)
  Partner Center (simulated)  ${simulator.url}
${replicas.map((r, i) => `  replica ${i + 1}   ${r.match} (pid ${r.process.pid})`).join('\n')}

Watch a batch through any replica (the same events and ids on each; kill one and the others carry on):
`);
for (const [i, replica] of replicas.entries()) {
  const batch = batches[i % batches.length];
  console.log(`  BATCHWATCH_TOKEN=${apiKey} npx batchwatch watch ${batch.customerId} ${batch.trackingId} --base-url ${replica.match}`);
}
console.log(`
Or the raw event stream: curl -N -H 'Authorization: Bearer ${apiKey}' ${replicas[0].match}/v1/customers/${batches[0].customerId}/batchJobStatus/${batches[0].trackingId}/events
Readiness and fleet metrics: curl ${replicas[0].match}/readyz · curl -s ${replicas[0].match}/metrics | grep fleet_
Ctrl-C stops the fleet.`);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of [...replicas, redis].reverse()) child.process.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  await simulator.close();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0)).on('SIGTERM', () => void stop(0));
for (const child of children) {
  void child.exited.then(() => {
    if (!stopping) {
      console.error(`\n${child.name} (pid ${child.process.pid}) exited; stopping the fleet`);
      void stop(1);
    }
  });
}

/** Spawns a process and resolves once its stdout matches `ready` (the first capture group, if any, is kept). */
function startChild(command, args, ready, failure, childEnv = process.env) {
  const proc = spawn(command, args, { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  const child = { name: command.split('/').pop(), process: proc, match: '', exited: new Promise((resolve) => proc.once('exit', resolve)) };
  children.push(child);
  return new Promise((resolve) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (!match) return;
      proc.stdout.off('data', onData);
      proc.stdout.resume(); // keep draining, quietly
      child.match = match[1] ?? '';
      resolve(child);
    };
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', onData);
    proc.once('error', () => fail(failure));
    proc.once('exit', () => {
      if (!child.match) fail(`${failure}: ${output.slice(-500)}`);
    });
  });
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function fail(message) {
  console.error(`start:fleet: ${message}`);
  for (const child of children) child.process.kill('SIGTERM');
  process.exit(2);
}
