/**
 * The local "ALB": a real HTTP reverse proxy on 127.0.0.1 with weighted forwarding to target
 * groups, active health checks, connection draining and per-target-group metrics at 1-s resolution.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TargetHealth, TrafficWindow } from '../../domain/gate';
import { GreenlightError, InvalidInputError } from '../../domain/errors';

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

export interface HealthCheckOptions {
  path?: string;
  intervalMs?: number;
  timeoutMs?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
}

export interface AlbProxyOptions {
  port?: number;
  healthCheck?: HealthCheckOptions;
  /** Longest wait for a deregistered target's in-flight requests. */
  deregistrationDelayMs?: number;
  /** Time allowed to a target for each request before the proxy answers 504. */
  requestTimeoutMs?: number;
  /** Clock for metric buckets (epoch ms). */
  now?: () => number;
}

export interface TargetSpec {
  id: string;
  host: string;
  port: number;
}

export interface TargetInfo extends TargetSpec {
  state: TargetState;
  inFlight: number;
}

interface Target extends TargetSpec {
  state: TargetState;
  inFlight: number;
  okStreak: number;
  failStreak: number;
  agent: http.Agent;
  healthTimer: NodeJS.Timeout | null;
  healthRequest: http.ClientRequest | null;
  drain: { promise: Promise<void>; resolve: () => void; timer: NodeJS.Timeout } | null;
}

interface Bucket {
  requests: number;
  errors: number;
  latencies: number[];
}

interface TargetGroup {
  name: string;
  targets: Map<string, Target>;
  /** Round-robin cursor over the healthy targets. */
  cursor: number;
  buckets: Map<number, Bucket>;
  totals: { requests: number; errors: number };
}

interface Route {
  name: string;
  weight: number;
  /** Smooth weighted round robin state (nginx). */
  current: number;
}

/** One listener: its own port and its own forward action over the shared target groups. */
interface Listener {
  name: string;
  server: http.Server;
  url: string;
  routes: Route[];
}

/** The name of the listener `AlbProxy.start` opens; others are added with `addListener`. */
export const DEFAULT_LISTENER = 'default';

const BUCKET_MS = 1000;
const RETENTION_MS = 30 * 60 * 1000;
/** Bodies up to this size are buffered so a failed attempt can be replayed on another target. */
const MAX_REPLAY_BODY = 1024 * 1024;
/**
 * Idle upstream sockets are dropped before the demo app's keepAliveTimeout (5 s) so the proxy
 * rarely reuses a socket the target is closing; the retry below covers the remaining race.
 */
const UPSTREAM_IDLE_MS = 4000;
/** Hop-by-hop headers (RFC 9110 §7.6.1) are per connection and must not be forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? null;
}

type Body = { kind: 'none' } | { kind: 'buffered'; data: Buffer } | { kind: 'stream'; head: Buffer[] };

/** Reads a request body, buffering it when small enough to replay. */
function readBody(req: http.IncomingMessage): Promise<Body> {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (!hasBody) return Promise.resolve({ kind: 'none' });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REPLAY_BODY) {
        // Too big to keep: the rest is streamed and the request cannot be retried.
        cleanup();
        req.pause();
        resolve({ kind: 'stream', head: chunks });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ kind: 'buffered', data: Buffer.concat(chunks) });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** An HTTP server listening on 127.0.0.1 (`port` 0 or unset: an ephemeral port). */
async function listen(port = 0): Promise<http.Server> {
  const server = http.createServer();
  // Longer than any client's idle timeout, like an ALB's 60-s idle timeout.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
  readonly code = 'ETIMEDOUT';
}

/**
 * A weighted reverse proxy standing in for an Application Load Balancer: listeners (each a port
 * on 127.0.0.1 with its own weights, like a production and a test listener) forward to shared
 * target groups, whose metrics count the traffic of every listener (as CloudWatch's do).
 */
export class AlbProxy {
  /** The default listener's address. */
  readonly url: string;
  private readonly groups = new Map<string, TargetGroup>();
  private readonly listeners = new Map<string, Listener>();
  private stopping: Promise<void> | null = null;
  private readonly health: Required<HealthCheckOptions>;
  private readonly deregistrationDelayMs: number;
  private readonly requestTimeoutMs: number;
  private readonly now: () => number;

  private constructor(server: http.Server, options: AlbProxyOptions) {
    this.url = this.attach(DEFAULT_LISTENER, server).url;
    this.health = {
      path: options.healthCheck?.path ?? '/health',
      intervalMs: options.healthCheck?.intervalMs ?? 500,
      timeoutMs: options.healthCheck?.timeoutMs ?? 1000,
      healthyThreshold: options.healthCheck?.healthyThreshold ?? 2,
      unhealthyThreshold: options.healthCheck?.unhealthyThreshold ?? 2,
    };
    this.deregistrationDelayMs = options.deregistrationDelayMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts the default listener on 127.0.0.1 (`port` 0 or unset: an ephemeral port). */
  static async start(options: AlbProxyOptions = {}): Promise<AlbProxy> {
    return new AlbProxy(await listen(options.port), options);
  }

  /**
   * Opens another listener on 127.0.0.1 (`port` 0 or unset: an ephemeral port) with its own
   * weights, forwarding nowhere until `setWeights(..., name)`. Returns its address.
   */
  async addListener(name: string, options: { port?: number } = {}): Promise<string> {
    if (this.listeners.has(name)) throw new InvalidInputError(`listener "${name}" already exists`);
    if (this.stopping) throw new GreenlightError('the proxy is stopped');
    const server = await listen(options.port);
    if (this.listeners.has(name) || this.stopping) {
      server.close();
      throw new InvalidInputError(`listener "${name}" could not be added`);
    }
    return this.attach(name, server).url;
  }

  /** Names of the listeners, the default one first. */
  listenerNames(): string[] {
    return [...this.listeners.keys()];
  }

  /** The address of a listener. */
  listenerUrl(name: string): string {
    return this.listener(name).url;
  }

  /** Closes every listener, upstream connections and health checks. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const group of this.groups.values()) {
        for (const target of group.targets.values()) this.dispose(group, target);
        group.targets.clear();
      }
      await Promise.all(
        [...this.listeners.values()].map(({ server }) => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeAllConnections();
          return closed;
        }),
      );
    })();
    return this.stopping;
  }

  private attach(name: string, server: http.Server): Listener {
    const { port } = server.address() as AddressInfo;
    const listener: Listener = { name, server, url: `http://127.0.0.1:${port}`, routes: [] };
    this.listeners.set(name, listener);
    server.on('request', (req, res) => this.handle(listener, req, res));
    return listener;
  }

  private listener(name: string): Listener {
    const listener = this.listeners.get(name);
    if (!listener) {
      throw new InvalidInputError(
        `listener "${name}" does not exist (known: ${[...this.listeners.keys()].join(', ')})`,
      );
    }
    return listener;
  }

  /** Creates a target group; creating an existing one is a no-op (like ELBv2). */
  createTargetGroup(name: string): void {
    if (!/^[A-Za-z0-9-_.]{1,64}$/.test(name)) {
      throw new InvalidInputError(
        `target group name "${name}" must be 1-64 letters, digits, "-", "_" or "."`,
      );
    }
    if (this.groups.has(name)) return;
    this.groups.set(name, {
      name,
      targets: new Map(),
      cursor: 0,
      buckets: new Map(),
      totals: { requests: 0, errors: 0 },
    });
  }

  /** Adds a target; it receives traffic only once it passed `healthyThreshold` health checks. */
  registerTarget(targetGroup: string, target: TargetSpec): void {
    const group = this.group(targetGroup);
    if (this.stopping) throw new GreenlightError('the proxy is stopped');
    const existing = group.targets.get(target.id);
    if (existing) {
      if (existing.host === target.host && existing.port === target.port && existing.state !== 'draining')
        return;
      throw new InvalidInputError(
        `target "${target.id}" is already registered in target group "${targetGroup}"`,
      );
    }
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
      throw new InvalidInputError(
        `target "${target.id}": port must be an integer from 1 to 65535, got ${target.port}`,
      );
    }
    const registered: Target = {
      ...target,
      state: 'initial',
      inFlight: 0,
      okStreak: 0,
      failStreak: 0,
      agent: new http.Agent({ keepAlive: true, timeout: UPSTREAM_IDLE_MS, scheduling: 'lifo' }),
      healthTimer: null,
      healthRequest: null,
      drain: null,
    };
    group.targets.set(target.id, registered);
    this.checkHealth(group, registered);
  }

  /**
   * Takes a target out of rotation at once; resolves when its in-flight requests are done (or
   * the deregistration delay passed) and it is removed. Unknown targets resolve at once.
   */
  deregisterTarget(targetGroup: string, id: string): Promise<void> {
    const group = this.group(targetGroup);
    const target = group.targets.get(id);
    if (!target) return Promise.resolve();
    if (target.drain) return target.drain.promise;
    target.state = 'draining';
    this.stopHealthChecks(target);
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const timer = setTimeout(() => this.finishDrain(group, target), this.deregistrationDelayMs);
    timer.unref();
    target.drain = { promise, resolve, timer };
    if (target.inFlight === 0) this.finishDrain(group, target);
    return promise;
  }

  /** Counts of targets by health, as DescribeTargetHealth would report them. */
  targetHealth(targetGroup: string): TargetHealth {
    const counts: TargetHealth = { healthy: 0, unhealthy: 0, transitioning: 0 };
    for (const target of this.group(targetGroup).targets.values()) {
      if (target.state === 'healthy') counts.healthy += 1;
      else if (target.state === 'unhealthy') counts.unhealthy += 1;
      else counts.transitioning += 1;
    }
    return counts;
  }

  /** The targets of a group with their state and in-flight requests (for debugging and the fleet). */
  targets(targetGroup: string): TargetInfo[] {
    return [...this.group(targetGroup).targets.values()].map(({ id, host, port, state, inFlight }) => ({
      id,
      host,
      port,
      state,
      inFlight,
    }));
  }

  /** Names of the target groups. */
  targetGroups(): string[] {
    return [...this.groups.keys()];
  }

  /**
   * Replaces a listener's forward action (the default listener's unless named): integer weights
   * 0..100 per existing target group, summing to 100.
   */
  setWeights(forward: Record<string, number>, listenerName = DEFAULT_LISTENER): void {
    const listener = this.listener(listenerName);
    const entries = Object.entries(forward);
    if (entries.length === 0) throw new InvalidInputError('weights: at least one target group is required');
    for (const [name, weight] of entries) {
      if (!this.groups.has(name)) {
        throw new InvalidInputError(`weights.${name}: target group "${name}" does not exist`, [
          { path: `weights.${name}`, message: 'unknown target group' },
        ]);
      }
      if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
        throw new InvalidInputError(`weights.${name}: expected an integer from 0 to 100, got ${weight}`, [
          { path: `weights.${name}`, message: 'expected an integer from 0 to 100' },
        ]);
      }
    }
    const sum = entries.reduce((acc, [, w]) => acc + w, 0);
    if (sum !== 100) {
      const terms = entries.map(([name, w]) => `${name}=${w}`).join(' + ');
      throw new InvalidInputError(`weights must sum to 100, got ${terms} = ${sum}`, [
        { path: 'weights', message: 'must sum to 100' },
      ]);
    }
    // Fresh smooth-WRR state so every weight change starts an exact cycle.
    listener.routes = entries.map(([name, weight]) => ({ name, weight, current: 0 }));
  }

  /** A listener's forward action (the default listener's unless named): weights per target group. */
  getWeights(listenerName = DEFAULT_LISTENER): Record<string, number> {
    return Object.fromEntries(this.listener(listenerName).routes.map((r) => [r.name, r.weight]));
  }

  /** Requests, errors and exact latency percentiles over all 1-s buckets overlapping [fromMs, toMs). */
  metrics(targetGroup: string, fromMs: number, toMs: number): TrafficWindow {
    const group = this.group(targetGroup);
    this.prune(group, this.now());
    let requests = 0;
    let errors = 0;
    const latencies: number[] = [];
    for (const [start, bucket] of group.buckets) {
      if (start < toMs && start + BUCKET_MS > fromMs) {
        requests += bucket.requests;
        errors += bucket.errors;
        for (const l of bucket.latencies) latencies.push(l);
      }
    }
    latencies.sort((a, b) => a - b);
    return { requests, errors, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
  }

  /** Lifetime request and error counts of a target group. */
  totals(targetGroup: string): { requests: number; errors: number } {
    return { ...this.group(targetGroup).totals };
  }

  private group(name: string): TargetGroup {
    const group = this.groups.get(name);
    if (!group) {
      const known = [...this.groups.keys()].join(', ') || 'none';
      throw new InvalidInputError(`target group "${name}" does not exist (known: ${known})`);
    }
    return group;
  }

  // ---- health checks ----

  private checkHealth(group: TargetGroup, target: Target): void {
    if (target.state === 'draining' || this.stopping) return;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      target.healthRequest = null;
      this.recordHealth(target, ok);
      if (target.state === 'draining' || this.stopping || group.targets.get(target.id) !== target) return;
      target.healthTimer = setTimeout(() => this.checkHealth(group, target), this.health.intervalMs);
      target.healthTimer.unref();
    };
    // A fresh connection per check, like an ALB: it proves the target still accepts connections.
    const req = http.get(
      {
        host: target.host,
        port: target.port,
        path: this.health.path,
        agent: false,
        timeout: this.health.timeoutMs,
      },
      (res) => {
        res.resume();
        const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400;
        res.on('end', () => settle(ok));
        res.on('error', () => settle(false));
      },
    );
    req.on('timeout', () => req.destroy(new UpstreamTimeoutError('health check timed out')));
    req.on('error', () => settle(false));
    target.healthRequest = req;
  }

  private recordHealth(target: Target, ok: boolean): void {
    if (target.state === 'draining') return;
    if (ok) {
      target.okStreak += 1;
      target.failStreak = 0;
      if (target.state !== 'healthy' && target.okStreak >= this.health.healthyThreshold)
        target.state = 'healthy';
    } else {
      target.failStreak += 1;
      target.okStreak = 0;
      if (target.state !== 'unhealthy' && target.failStreak >= this.health.unhealthyThreshold) {
        target.state = 'unhealthy';
      }
    }
  }

  private stopHealthChecks(target: Target): void {
    if (target.healthTimer) clearTimeout(target.healthTimer);
    target.healthTimer = null;
    target.healthRequest?.destroy();
    target.healthRequest = null;
  }

  // ---- draining ----

  private finishDrain(group: TargetGroup, target: Target): void {
    if (!target.drain) return;
    clearTimeout(target.drain.timer);
    if (group.targets.get(target.id) === target) group.targets.delete(target.id);
    target.agent.destroy();
    target.drain.resolve();
  }

  private dispose(group: TargetGroup, target: Target): void {
    this.stopHealthChecks(target);
    if (target.drain) this.finishDrain(group, target);
    else target.agent.destroy();
  }

  // ---- forwarding ----

  /** Smooth weighted round robin (nginx): deterministic, exact proportions over each cycle. */
  private pickGroup(listener: Listener): TargetGroup | null {
    let total = 0;
    let best: Route | null = null;
    for (const route of listener.routes) {
      if (route.weight === 0) continue;
      route.current += route.weight;
      total += route.weight;
      if (!best || route.current > best.current) best = route;
    }
    if (!best) return null;
    best.current -= total;
    return this.groups.get(best.name) ?? null;
  }

  private pickTarget(group: TargetGroup, exclude?: Target): Target | null {
    const healthy = [...group.targets.values()].filter((t) => t.state === 'healthy' && t !== exclude);
    if (healthy.length === 0) return null;
    const target = healthy[group.cursor % healthy.length] ?? null;
    group.cursor = (group.cursor + 1) % 1_000_000_007;
    return target;
  }

  private record(group: TargetGroup, status: number, latencyMs: number): void {
    const at = this.now();
    const start = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    let bucket = group.buckets.get(start);
    if (!bucket) {
      bucket = { requests: 0, errors: 0, latencies: [] };
      group.buckets.set(start, bucket);
      this.prune(group, at);
    }
    const error = status >= 500;
    bucket.requests += 1;
    bucket.latencies.push(latencyMs);
    group.totals.requests += 1;
    if (error) {
      bucket.errors += 1;
      group.totals.errors += 1;
    }
  }

  /** Forgets buckets older than the retention, so memory stays bounded on long rehearsals. */
  private prune(group: TargetGroup, at: number): void {
    for (const key of group.buckets.keys())
      if (key + BUCKET_MS <= at - RETENTION_MS) group.buckets.delete(key);
  }

  private handle(listener: Listener, req: http.IncomingMessage, res: http.ServerResponse): void {
    const startedAt = performance.now();
    const group = this.pickGroup(listener);
    if (!group) {
      // Not counted for any target group: no forward action is configured yet.
      this.reply(res, 503, 'no target group has a weight on this listener');
      return;
    }
    let recorded = false;
    const finish = (status: number) => {
      if (recorded) return;
      recorded = true;
      this.record(group, status, performance.now() - startedAt);
    };
    res.on('finish', () => finish(res.statusCode));

    readBody(req).then(
      (body) => this.forward(group, req, res, body, finish),
      () => res.destroy(),
    );
  }

  private forward(
    group: TargetGroup,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Body,
    finish: (status: number) => void,
  ): void {
    const first = this.pickTarget(group);
    if (!first) {
      this.reply(res, 503, `target group "${group.name}" has no healthy target`, group.name);
      return;
    }
    const headers = withoutHopByHop(req.headers);
    const clientIp = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = req.headers['x-forwarded-for']
      ? `${req.headers['x-forwarded-for']}, ${clientIp}`
      : clientIp;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
    if (body.kind === 'buffered') {
      headers['content-length'] = String(body.data.length);
      delete headers['transfer-encoding'];
    }

    const attempt = (target: Target, canRetry: boolean) => {
      target.inFlight += 1;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        target.inFlight -= 1;
        if (target.drain && target.inFlight === 0) this.finishDrain(group, target);
      };
      let responded = false;
      let clientGone = false;
      const upstream = http.request({
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent: target.agent,
      });
      upstream.setTimeout(this.requestTimeoutMs, () =>
        upstream.destroy(
          new UpstreamTimeoutError(`target did not answer within ${this.requestTimeoutMs} ms`),
        ),
      );
      // The client went away: stop work on its behalf, and do not blame the target for it.
      const onClientClose = () => {
        if (res.writableFinished) return;
        clientGone = true;
        upstream.destroy();
      };
      res.once('close', onClientClose);

      upstream.on('response', (upstreamRes) => {
        responded = true;
        const out = withoutHopByHop(upstreamRes.headers);
        out['x-greenlight-target-group'] = group.name;
        out['x-greenlight-target'] = target.id;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, out);
        upstreamRes.pipe(res);
        upstreamRes.on('close', () => {
          release();
          if (!upstreamRes.complete && !clientGone) {
            // The target cut the response short: the client cannot get a complete answer.
            finish(502);
            res.destroy();
          }
        });
        upstreamRes.on('error', () => undefined);
      });

      upstream.on('error', (err: NodeJS.ErrnoException) => {
        release();
        if (clientGone || responded) return;
        res.off('close', onClientClose);
        const staleSocket = upstream.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        const refused = err.code === 'ECONNREFUSED';
        if (canRetry && body.kind !== 'stream' && (staleSocket || refused)) {
          // A stale keep-alive socket says nothing about the target: retrying it on a fresh
          // connection is fine. A refused connection means the target is gone: try another.
          const next =
            this.pickTarget(group, target) ?? (staleSocket && target.state === 'healthy' ? target : null);
          if (next) {
            attempt(next, false);
            return;
          }
        }
        if (err instanceof UpstreamTimeoutError) {
          this.reply(res, 504, `target "${target.id}" timed out`, group.name, target.id);
        } else {
          this.reply(
            res,
            502,
            `target "${target.id}" failed: ${err.code ?? err.message}`,
            group.name,
            target.id,
          );
        }
      });

      if (body.kind === 'none') upstream.end();
      else if (body.kind === 'buffered') upstream.end(body.data);
      else {
        for (const chunk of body.head) upstream.write(chunk);
        req.pipe(upstream);
        req.resume();
      }
    };

    attempt(first, true);
  }

  private reply(
    res: http.ServerResponse,
    status: number,
    message: string,
    group?: string,
    target?: string,
  ): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (group) headers['x-greenlight-target-group'] = group;
    if (target) headers['x-greenlight-target'] = target;
    res.writeHead(status, headers);
    res.end(JSON.stringify({ error: message }));
  }
}
