/** The alert settings a team chooses (from the function's environment) and the decisions they drive. */
import type { Classification } from './classify';
import type { TaskStop } from './task-event';

export interface AlertPolicy {
  /** Cluster names or ARNs to alert on; empty means every cluster the rule delivers. */
  clusters: string[];
  /** Alert on expected stops (scale-in, deployments, users, finished tasks) too. */
  includeExpected: boolean;
  /** Environment override names whose values may be published (`PREFIX*` allowed); secret-looking names never are. */
  envAllowList: string[];
  /** Length of a service's crash-loop window. */
  windowMs: number;
  /** Stops in a window that send the first digest (then 10×, 100×, ...). */
  digestThreshold: number;
  /** How long a task stop is remembered for dedupe. */
  dedupeRetainMs: number;
  /** How long a claimed stop is left to the invocation that claimed it before a retry may take over. */
  claimLeaseMs: number;
}

export const DEFAULT_ALERT_POLICY: Readonly<AlertPolicy> = Object.freeze({
  clusters: [],
  includeExpected: false,
  envAllowList: [],
  windowMs: 10 * 60_000,
  digestThreshold: 5,
  dedupeRetainMs: 24 * 60 * 60_000,
  // Longer than the function's timeout, shorter than Lambda's first async retry (about 1 min).
  claimLeaseMs: 45_000,
});

/** True when the stop's cluster is one the policy watches. */
export function clusterSelected(stop: TaskStop, clusters: readonly string[]): boolean {
  if (clusters.length === 0) return true;
  return clusters.some((c) => c === stop.cluster || (stop.clusterArn !== undefined && c === stop.clusterArn));
}

/** True when the stop deserves a message under the policy. */
export function shouldAlert(
  classification: Classification,
  policy: Pick<AlertPolicy, 'includeExpected'>,
): boolean {
  return !classification.expected || policy.includeExpected;
}

/** The key stops are counted under: one window per cluster and service (or task family). */
export function windowKey(stop: TaskStop): string {
  const scope = stop.group ?? (stop.family ? `family:${stop.family}` : `task:${stop.taskId}`);
  return `${stop.clusterArn ?? stop.cluster}|${scope}`;
}

/** "web" for a service, "family:nightly" for standalone tasks. */
export function scopeName(stop: TaskStop): string {
  if (stop.service) return stop.service;
  if (stop.family) return `family:${stop.family}`;
  return stop.group ?? `task ${stop.taskId}`;
}
