/**
 * The local ALB's target registry: target groups, their targets with state and in-flight
 * requests, health counts as DescribeTargetHealth reports them, and connection draining.
 */
import http from 'node:http';
import type { TargetHealth } from '../../domain/gate';
import { InvalidInputError } from '../../domain/errors';
import { MetricBuckets } from './metric-buckets';

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

export interface TargetSpec {
  id: string;
  host: string;
  port: number;
}

export interface TargetInfo extends TargetSpec {
  state: TargetState;
  inFlight: number;
}

/** A registered target: its address, its health-check streaks and timers, its connections. */
export interface Target extends TargetSpec {
  state: TargetState;
  inFlight: number;
  okStreak: number;
  failStreak: number;
  agent: http.Agent;
  healthTimer: NodeJS.Timeout | null;
  healthRequest: http.ClientRequest | null;
  drain: { promise: Promise<void>; resolve: () => void; timer: NodeJS.Timeout } | null;
}

export interface TargetGroup {
  name: string;
  targets: Map<string, Target>;
  /** Round-robin cursor over the healthy targets. */
  cursor: number;
  metrics: MetricBuckets;
}

/**
 * Idle upstream sockets are dropped before the demo app's keepAliveTimeout (5 s) so the proxy
 * rarely reuses a socket the target is closing; forwarding retries the remaining race.
 */
const UPSTREAM_IDLE_MS = 4000;

/** Refuses a name ELBv2 would refuse. */
export function checkTargetGroupName(name: string): void {
  if (!/^[A-Za-z0-9-_.]{1,64}$/.test(name)) {
    throw new InvalidInputError(`target group name "${name}" must be 1-64 letters, digits, "-", "_" or "."`);
  }
}

/** `metricsRetentionMs`: how long its metric buckets are kept (in the proxy clock's time). */
export function newTargetGroup(name: string, metricsRetentionMs?: number): TargetGroup {
  return { name, targets: new Map(), cursor: 0, metrics: new MetricBuckets(metricsRetentionMs) };
}

/** A target not yet checked (state `initial`), with its own keep-alive connections. */
export function newTarget(target: TargetSpec): Target {
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new InvalidInputError(
      `target "${target.id}": port must be an integer from 1 to 65535, got ${target.port}`,
    );
  }
  return {
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
}

/** Counts of targets by health, as DescribeTargetHealth would report them. */
export function healthCounts(group: TargetGroup): TargetHealth {
  const counts: TargetHealth = { healthy: 0, unhealthy: 0, transitioning: 0 };
  for (const target of group.targets.values()) {
    if (target.state === 'healthy') counts.healthy += 1;
    else if (target.state === 'unhealthy') counts.unhealthy += 1;
    else counts.transitioning += 1;
  }
  return counts;
}

export function targetInfos(group: TargetGroup): TargetInfo[] {
  return [...group.targets.values()].map(({ id, host, port, state, inFlight }) => ({
    id,
    host,
    port,
    state,
    inFlight,
  }));
}

/**
 * Drains a target already out of rotation: resolves when its in-flight requests are done (see
 * `finishDrain`) or after `delayMs`, and removes it from its group.
 */
export function drain(group: TargetGroup, target: Target, delayMs: number): Promise<void> {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const timer = setTimeout(() => finishDrain(group, target), delayMs);
  timer.unref();
  target.drain = { promise, resolve, timer };
  if (target.inFlight === 0) finishDrain(group, target);
  return promise;
}

/** Ends a drain (its last request answered, or its delay passed): removes the target, closes its sockets. */
export function finishDrain(group: TargetGroup, target: Target): void {
  if (!target.drain) return;
  clearTimeout(target.drain.timer);
  if (group.targets.get(target.id) === target) group.targets.delete(target.id);
  target.agent.destroy();
  target.drain.resolve();
}
