/**
 * The local "ALB": a real HTTP reverse proxy on 127.0.0.1 with weighted forwarding to target
 * groups, active health checks, connection draining and per-target-group metrics at 1-s resolution.
 * This class holds the listeners and the target groups; each concern has its own module:
 * listeners, targets (registry and draining), health checks, forwarding, metric buckets.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TargetHealth, TrafficWindow } from '../../domain/gate';
import { GreenlightError, InvalidInputError } from '../../domain/errors';
import { Forwarder } from './forwarding';
import { HealthChecks, type HealthCheckOptions } from './health-checks';
import type { WindowView } from './metric-buckets';
import { DEFAULT_LISTENER, forwardAction, listen, type Listener } from './listeners';
import {
  checkTargetGroupName,
  drain,
  finishDrain,
  healthCounts,
  newTarget,
  newTargetGroup,
  targetInfos,
  type Target,
  type TargetGroup,
  type TargetInfo,
  type TargetSpec,
} from './targets';

export { DEFAULT_LISTENER } from './listeners';
export type { HealthCheckOptions } from './health-checks';
export type { TargetInfo, TargetSpec, TargetState } from './targets';

export interface AlbProxyOptions {
  port?: number;
  healthCheck?: HealthCheckOptions;
  /** Longest wait for a deregistered target's in-flight requests. */
  deregistrationDelayMs?: number;
  /** Time allowed to a target for each request before the proxy answers 504. */
  requestTimeoutMs?: number;
  /** Clock for metric buckets (epoch ms). */
  now?: () => number;
  /** How long metric buckets are kept, in that clock's time (default 30 minutes). */
  metricsRetentionMs?: number;
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
  private readonly health: HealthChecks;
  private readonly forwarder: Forwarder;
  private readonly deregistrationDelayMs: number;
  private readonly now: () => number;
  private readonly metricsRetentionMs: number | undefined;

  private constructor(server: http.Server, options: AlbProxyOptions) {
    this.now = options.now ?? Date.now;
    this.metricsRetentionMs = options.metricsRetentionMs;
    this.health = new HealthChecks(options.healthCheck, () => this.stopping !== null);
    this.forwarder = new Forwarder({
      groups: this.groups,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      now: this.now,
    });
    this.deregistrationDelayMs = options.deregistrationDelayMs ?? 10_000;
    this.url = this.attach(DEFAULT_LISTENER, server).url;
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
    server.on('request', (req, res) => this.forwarder.handle(listener.routes, req, res));
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
    checkTargetGroupName(name);
    if (this.groups.has(name)) return;
    this.groups.set(name, newTargetGroup(name, this.metricsRetentionMs));
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
    const registered = newTarget(target);
    group.targets.set(target.id, registered);
    this.health.start(registered, () => group.targets.get(registered.id) === registered);
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
    this.health.stop(target);
    return drain(group, target, this.deregistrationDelayMs);
  }

  /** Counts of targets by health, as DescribeTargetHealth would report them. */
  targetHealth(targetGroup: string): TargetHealth {
    return healthCounts(this.group(targetGroup));
  }

  /** The targets of a group with their state and in-flight requests (for debugging and the fleet). */
  targets(targetGroup: string): TargetInfo[] {
    return targetInfos(this.group(targetGroup));
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
    listener.routes = forwardAction(forward, (name) => this.groups.has(name));
  }

  /** A listener's forward action (the default listener's unless named): weights per target group. */
  getWeights(listenerName = DEFAULT_LISTENER): Record<string, number> {
    return Object.fromEntries(this.listener(listenerName).routes.map((r) => [r.name, r.weight]));
  }

  /**
   * Requests, errors and exact latency percentiles over all 1-s buckets overlapping [fromMs, toMs),
   * counting every answer (`proxy`) or only what CloudWatch has per target group (`cloudwatch`:
   * the proxy's own 502/504 and no-target 503 are per-load-balancer figures there).
   */
  metrics(targetGroup: string, fromMs: number, toMs: number, view: WindowView = 'proxy'): TrafficWindow {
    return this.group(targetGroup).metrics.window(fromMs, toMs, this.now(), view);
  }

  /** The proxy's own 5xx (502/504 after choosing a target, 503 without one) of a target group in [fromMs, toMs). */
  loadBalancerErrors(targetGroup: string, fromMs: number, toMs: number): number {
    return this.group(targetGroup).metrics.loadBalancerErrors(fromMs, toMs, this.now());
  }

  /** The proxy's own 5xx of a target group in [fromMs, toMs), by status. */
  loadBalancerErrorsByStatus(targetGroup: string, fromMs: number, toMs: number): Record<string, number> {
    return this.group(targetGroup).metrics.loadBalancerErrorsByStatus(fromMs, toMs, this.now());
  }

  /** Lifetime request and error counts of a target group. */
  totals(targetGroup: string): { requests: number; errors: number } {
    return this.group(targetGroup).metrics.totals();
  }

  private group(name: string): TargetGroup {
    const group = this.groups.get(name);
    if (!group) {
      const known = [...this.groups.keys()].join(', ') || 'none';
      throw new InvalidInputError(`target group "${name}" does not exist (known: ${known})`);
    }
    return group;
  }

  private dispose(group: TargetGroup, target: Target): void {
    this.health.stop(target);
    if (target.drain) finishDrain(group, target);
    else target.agent.destroy();
  }
}
