/**
 * The HTTP server: node:http only, one request pipeline.
 *   route (404) → method (405) → bearer token (401) → endpoint.
 * Batch-status GETs then take an injected fault, validate ids (400), find the batch (404), apply the
 * scenario's fault pattern and answer with the lifecycle's `BatchUploadDetails` at the current clock time (in the
 * configured wire variants), then tell the clock a poll happened. Uploads replay a repeated MS-RequestId.
 * The same server answers on a port (`startSimulator`) or in process over in-memory sockets (`createSimulator`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readJsonBody, type BodyResult } from './body.js';
import { createPerPollClock, createScaledClock, realClock, type Clock } from './clock.js';
import { FaultQueue, patternFault, sendFault, type InjectOptions } from './faults.js';
import { isGuid } from '@batchwatch/openapi';
import { createRandom, hashString, idKey, seededGuid } from './ids.js';
import { createInProcessFetch, IN_PROCESS_URL } from './in-process.js';
import { batchStatusAt } from './lifecycle.js';
import { createServerId, faults, responseContext, sendEmpty, sendJson, sendJsonText, type ResponseContext } from './responses.js';
import { batchCollection, devicePage, recordDevices } from './device-lists.js';
import { allowedMethods, locationOf, matchRoute, routeMethods, statusPath, type Route } from './routes.js';
import { resolveScenario } from './scenarios.js';
import { BatchStore, type StoredBatch } from './store.js';
import type { Fault, RequestRecord, ScenarioDefinition, ScenarioName } from './types.js';
import { parseCreateRequest, parseDevicesBody, uploadScenario } from './uploads.js';
import { applyStatusVariants, validateVariants, type WireVariants } from './variants.js';

export const DEFAULT_TOKEN = 'simulator-token';
/** The customer of the documented request example. */
export const DEFAULT_CUSTOMER_ID = '47021739-3426-40bf-9601-61b4b6d7c793';
/** The partner named in `WWW-Authenticate: OAuth realm=urn:cpsvc:cpid:{id}` on 401s. */
const SIMULATOR_PARTNER_ID = '5f2b1c4e-7a3d-4e8b-9c1f-0a6d2e4b8c70';

export interface SimulatorOptions {
  /** Default `'127.0.0.1'`. */
  host?: string;
  /** Default 0: an ephemeral port (read it from `url`). */
  port?: number;
  /** The accepted bearer token; default `'simulator-token'`; `null` accepts any non-empty bearer token. */
  token?: string | null;
  /** Default: the real clock, or `createScaledClock(speed)` when `speed` is given. */
  clock?: Clock;
  /** Shorthand for `clock: createScaledClock(speed)`. */
  speed?: number;
  /** Batches to seed at start; their lifecycles start at the clock's current time. */
  scenarios?: Array<{ scenario: ScenarioName | ScenarioDefinition; customerId?: string; trackingId?: string }>;
  /** Real-world variants of the wire format, for every batch; default none (the contract's exact form). */
  variants?: WireVariants;
}

/** The options of an in-process simulator: no host or port, and the per-poll clock by default. */
export type InProcessSimulatorOptions = Omit<SimulatorOptions, 'host' | 'port'>;

export interface SeededBatch {
  customerId: string;
  trackingId: string;
  /** `/v1/customers/{customerId}/batchJobStatus/{trackingId}`, relative to `url`. */
  statusPath: string;
  scenario: ScenarioDefinition;
}

export interface RunningSimulator {
  /** `http://127.0.0.1:PORT`, no trailing slash; `http://partner-center.simulator.invalid` in process. */
  url: string;
  /** A `fetch` that reaches this simulator in process, without the network, whatever the URL's host. */
  fetch: typeof fetch;
  /** The accepted bearer token (`null`: any). */
  token: string | null;
  clock: Clock;
  /** Adds a batch whose lifecycle starts at `clock.now()`. Ids default to the documented customer and a seeded GUID. */
  addBatch(scenario: ScenarioName | ScenarioDefinition, ids?: { customerId?: string; trackingId?: string }): SeededBatch;
  /** Applies `fault` to the next `count` (default 1) batch-status GETs, optionally only those for one batch. */
  injectFault(fault: Fault, options?: InjectOptions): void;
  /** Every request received, in arrival order (headers lower-cased). */
  requests: RequestRecord[];
  resetRequests(): void;
  /** Every batch the simulator knows: seeded, added, and created by uploads, in creation order. */
  batches: readonly SeededBatch[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function resolveClock(options: SimulatorOptions): Clock {
  if (options.clock !== undefined && options.speed !== undefined) throw new TypeError('pass either clock or speed, not both');
  if (options.clock !== undefined) return options.clock;
  return options.speed === undefined ? realClock : createScaledClock(options.speed);
}

function lowerCaseHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** `Authorization: Bearer <token>`; the scheme is case-insensitive, the token is not. */
function isAuthorized(header: string | undefined, token: string | null): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
  if (!presented) return false;
  return token === null || presented === token;
}

function publicUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

class Simulator {
  readonly store = new BatchStore();
  readonly faultQueue = new FaultQueue();
  readonly requests: RequestRecord[] = [];
  readonly batches: SeededBatch[] = [];
  readonly server: Server;
  readonly #serverId = createServerId();
  readonly #sleeps = new Map<NodeJS.Timeout, (completed: boolean) => void>();
  /** The Location of each accepted POST by its MS-RequestId, so a retry is answered as the original was. */
  readonly #accepted = new Map<string, string>();
  #closing: Promise<void> | undefined;
  #seeded = 0;

  constructor(
    readonly clock: Clock,
    readonly token: string | null,
    readonly variants: WireVariants,
  ) {
    this.server = createServer((req, res) => this.#handle(req, res));
  }

  addBatch(scenario: ScenarioName | ScenarioDefinition, ids: { customerId?: string; trackingId?: string } = {}): SeededBatch {
    const definition = resolveScenario(scenario);
    const customerId = ids.customerId ?? DEFAULT_CUSTOMER_ID;
    const trackingId = ids.trackingId ?? this.#nextTrackingId(definition.name);
    if (!isGuid(customerId)) throw new TypeError(`customerId must be a GUID, got ${JSON.stringify(customerId)}`);
    if (!isGuid(trackingId)) throw new TypeError(`trackingId must be a GUID, got ${JSON.stringify(trackingId)}`);
    return this.#register(this.store.add(customerId, trackingId, definition, this.clock.now()));
  }

  /** Seeded tracking ids are reproducible (same scenario order, same ids), so demo URLs stay stable. */
  #nextTrackingId(name: string): string {
    for (;;) {
      const id = seededGuid(createRandom(hashString(`${name}#${this.#seeded++}`)));
      if (!this.store.has(id)) return id;
    }
  }

  #register(batch: StoredBatch): SeededBatch {
    const { customerId, trackingId, scenario } = batch;
    const seeded = { customerId, trackingId, statusPath: statusPath(customerId, trackingId), scenario };
    this.batches.push(seeded);
    return seeded;
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return publicUrl(host, (this.server.address() as AddressInfo).port);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const [timer, finish] of this.#sleeps) {
        clearTimeout(timer);
        finish(false);
      }
      this.server.closeAllConnections();
    });
    return this.#closing;
  }

  /** Real-time wait for the delay fault; resolves false when the simulator closes first. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeps.delete(timer);
        resolve(true);
      }, ms);
      this.#sleeps.set(timer, resolve);
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const headers = lowerCaseHeaders(req.headers);
    const record: RequestRecord = { method: req.method ?? 'GET', path: req.url ?? '/', headers, status: 0, at: this.clock.now() };
    this.requests.push(record);
    const ctx = responseContext(headers, this.#serverId, record, this.clock, this.variants);
    this.#dispatch(req, res, ctx).catch(() => {
      if (res.headersSent) res.destroy();
      else sendJson(res, ctx, 500, faults.unexpected());
    });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse, ctx: ResponseContext): Promise<void> {
    const method = req.method ?? 'GET';
    const route = matchRoute(req.url ?? '/', method);
    if (route === undefined) return sendJson(res, ctx, 404, faults.notFound());
    if (method !== routeMethods[route.kind]) return sendJson(res, ctx, 405, faults.methodNotAllowed(method), { Allow: allowedMethods(route) });
    if (!isAuthorized(ctx.record.headers['authorization'], this.token)) {
      return sendJson(res, ctx, 401, faults.tokenMissing(), { 'WWW-Authenticate': `OAuth realm=urn:cpsvc:cpid:${SIMULATOR_PARTNER_ID}` });
    }
    switch (route.kind) {
      case 'batch-status':
        return this.#status(route, res, ctx);
      case 'create-batch':
        return this.#create(route, req, res, ctx);
      case 'add-devices':
        return this.#addDevices(route, req, res, ctx);
      case 'list-batches':
        return this.#listBatches(route, res, ctx);
      case 'list-devices':
        return this.#listDevices(route, res, ctx);
    }
  }

  #listBatches(route: Extract<Route, { kind: 'list-batches' }>, res: ServerResponse, ctx: ResponseContext): void {
    if (!isGuid(route.customerId)) return sendJson(res, ctx, 400, faults.invalidCustomerId());
    sendJson(res, ctx, 200, batchCollection(this.store.namedOf(route.customerId)));
  }

  #listDevices(route: Extract<Route, { kind: 'list-devices' }>, res: ServerResponse, ctx: ResponseContext): void {
    if (!isGuid(route.customerId)) return sendJson(res, ctx, 400, faults.invalidCustomerId());
    const named = this.store.findNamed(route.customerId, route.batchName);
    if (named === undefined) return sendJson(res, ctx, 404, faults.notFound());
    const page = devicePage(named, ctx.record.headers['ms-continuationtoken']);
    if (page === undefined) return sendJson(res, ctx, 400, faults.invalidInput('the MS-ContinuationToken is not one this device list handed out'));
    sendJson(res, ctx, 200, page);
  }

  async #status(route: Extract<Route, { kind: 'batch-status' }>, res: ServerResponse, ctx: ResponseContext): Promise<void> {
    try {
      await this.#answerStatus(route, res, ctx);
    } finally {
      this.clock.onPoll?.();
    }
  }

  async #answerStatus(route: Extract<Route, { kind: 'batch-status' }>, res: ServerResponse, ctx: ResponseContext): Promise<void> {
    const { customerId, trackingId } = route;
    const injected = this.faultQueue.take(trackingId);
    const statusBody = () => this.#statusBody(customerId, trackingId);
    if (injected !== undefined && injected.kind !== 'delay') return sendFault(res, ctx, injected, statusBody);
    if (injected?.kind === 'delay' && !(await this.#sleep(injected.ms))) return;
    if (!isGuid(customerId)) return sendJson(res, ctx, 400, faults.invalidCustomerId());
    if (!isGuid(trackingId)) return sendJson(res, ctx, 400, faults.invalidTrackingId());
    const batch = this.store.find(customerId, trackingId);
    if (batch === undefined) return sendJson(res, ctx, 404, faults.notFound());
    const pattern = patternFault(batch.scenario.faults, ++batch.statusRequests);
    if (pattern !== undefined && pattern.kind !== 'delay') return sendFault(res, ctx, pattern, statusBody);
    if (pattern?.kind === 'delay' && !(await this.#sleep(pattern.ms))) return;
    sendJsonText(res, ctx, 200, statusBody());
  }

  /** The status JSON at the current clock time (computed when answering, i.e. after any delay). */
  #statusBody(customerId: string, trackingId: string): string {
    const batch = this.store.find(customerId, trackingId);
    return JSON.stringify(batch === undefined ? faults.notFound() : applyStatusVariants(batchStatusAt(batch.plan, this.clock.now()), this.variants));
  }

  async #create(route: Extract<Route, { kind: 'create-batch' }>, req: IncomingMessage, res: ServerResponse, ctx: ResponseContext): Promise<void> {
    if (!isGuid(route.customerId)) return sendJson(res, ctx, 400, faults.invalidCustomerId());
    if (this.#replayed(route, req, res, ctx)) return;
    const body = await this.#readBody(req, res, ctx);
    if (!body.ok) return;
    const parsed = parseCreateRequest(body.value);
    if (!parsed.ok) return sendJson(res, ctx, 400, faults.invalidInput(parsed.problem));
    const { batchId, devices } = parsed.value;
    const named = this.store.addNamed(route.customerId, batchId, this.clock.now());
    if (named === undefined) return sendJson(res, ctx, 409, faults.duplicateBatch(batchId));
    recordDevices(named, devices, this.clock.now());
    this.#accept(route, res, ctx, uploadScenario(batchId, devices));
  }

  async #addDevices(route: Extract<Route, { kind: 'add-devices' }>, req: IncomingMessage, res: ServerResponse, ctx: ResponseContext): Promise<void> {
    if (!isGuid(route.customerId)) return sendJson(res, ctx, 400, faults.invalidCustomerId());
    const named = this.store.findNamed(route.customerId, route.batchName);
    if (named === undefined) return sendJson(res, ctx, 404, faults.notFound());
    if (this.#replayed(route, req, res, ctx)) return;
    const body = await this.#readBody(req, res, ctx);
    if (!body.ok) return;
    const parsed = parseDevicesBody(body.value);
    if (!parsed.ok) return sendJson(res, ctx, 400, faults.invalidInput(parsed.problem));
    recordDevices(named, parsed.value, this.clock.now());
    this.#accept(route, res, ctx, uploadScenario(named.batchId, parsed.value));
  }

  /** The JSON body; a bad or oversized one is answered here (400 / 413). */
  async #readBody(req: IncomingMessage, res: ServerResponse, ctx: ResponseContext): Promise<BodyResult> {
    const body = await readJsonBody(req);
    if (!body.ok) {
      const fault = body.status === 413 ? faults.tooLarge() : faults.invalidInput(body.problem);
      sendJson(res, ctx, body.status, fault, body.status === 413 ? { Connection: 'close' } : {});
    }
    return body;
  }

  /** 202 with the documented relative `Location` (no `/v1`) and an empty body. */
  #accept(route: UploadRoute, res: ServerResponse, ctx: ResponseContext, scenario: ScenarioDefinition): void {
    const trackingId = randomUUID();
    this.#register(this.store.add(route.customerId, trackingId, scenario, this.clock.now()));
    const location = locationOf(route.customerId, trackingId);
    const key = replayKey(route, ctx);
    if (key !== undefined) this.#accepted.set(key, location);
    sendEmpty(res, ctx, 202, { Location: location });
  }

  /**
   * A POST repeating the `MS-RequestId` of an accepted one is a retry (reference §11): it gets the original 202
   * and `Location`, and creates nothing. The body is not read again.
   */
  #replayed(route: UploadRoute, req: IncomingMessage, res: ServerResponse, ctx: ResponseContext): boolean {
    const key = replayKey(route, ctx);
    const location = key === undefined ? undefined : this.#accepted.get(key);
    if (location === undefined) return false;
    req.resume();
    sendEmpty(res, ctx, 202, { Location: location });
    return true;
  }
}

type UploadRoute = Extract<Route, { kind: 'create-batch' | 'add-devices' }>;

/** The same request id on the same endpoint (ids and batch names compared without regard to case). */
function replayKey(route: UploadRoute, ctx: ResponseContext): string | undefined {
  const requestId = ctx.record.headers['ms-requestid'];
  if (!requestId) return undefined;
  const batchName = route.kind === 'add-devices' ? route.batchName.toLowerCase() : '';
  return [route.kind, idKey(route.customerId), batchName, idKey(requestId)].join('|');
}

function createSimulatorCore(options: SimulatorOptions, clock: Clock): Simulator {
  const simulator = new Simulator(clock, options.token === undefined ? DEFAULT_TOKEN : options.token, validateVariants(options.variants));
  for (const { scenario, ...ids } of options.scenarios ?? []) simulator.addBatch(scenario, ids);
  return simulator;
}

/** Starts a simulator and seeds `options.scenarios`. Close it with `close()` or `await using`. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const simulator = createSimulatorCore(options, resolveClock(options));
  return handle(simulator, await simulator.listen(options.host ?? '127.0.0.1', options.port ?? 0));
}

/**
 * A simulator in process, without a port: hand its `fetch` to the code under test (for example
 * `createBatchStatusClient({ baseUrl: sim.url, token: sim.token, fetch: sim.fetch })`). Its clock moves 5 s per
 * status poll by default (`createPerPollClock()`), so a test that watches a batch reaches the end on its own.
 */
export function createSimulator(options: InProcessSimulatorOptions = {}): RunningSimulator {
  const clock = options.clock === undefined && options.speed === undefined ? createPerPollClock() : resolveClock(options);
  return handle(createSimulatorCore(options, clock), IN_PROCESS_URL);
}

function handle(simulator: Simulator, url: string): RunningSimulator {
  return {
    url,
    fetch: createInProcessFetch(simulator.server),
    token: simulator.token,
    clock: simulator.clock,
    addBatch: (scenario, ids) => simulator.addBatch(scenario, ids),
    injectFault: (fault, injectOptions) => simulator.faultQueue.inject(fault, injectOptions),
    requests: simulator.requests,
    resetRequests: () => {
      simulator.requests.length = 0;
    },
    batches: simulator.batches,
    close: () => simulator.close(),
    [Symbol.asyncDispose]: () => simulator.close(),
  };
}
