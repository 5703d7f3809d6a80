/**
 * Final tallies the handler cannot send: a window's final tally normally goes out with the
 * service's next stop (window.ts), so a crash loop that stops for good would leave its last stops
 * unreported. When a window first has stops after its last message, the handler files an entry
 * due at the window's end; a scheduled sweeper sends the tallies still unsent after that.
 *
 * Also here: how many times a message whose publish outcome is unknown may be tried again.
 */
import { hasUnreportedStops } from './window';
import type { TaskStop } from './task-event';

/** What a digest needs to name its window without the stop that would have closed it. */
export interface TallyScope {
  taskArn: string;
  taskId: string;
  cluster: string;
  clusterArn?: string;
  group?: string;
  service?: string;
  family?: string;
  region?: string;
  account?: string;
}

/** The scope fields of `stop` (the ones policy.ts windowKey and scopeName read). */
export function tallyScope(stop: TaskStop): TallyScope {
  const scope: TallyScope = { taskArn: stop.taskArn, taskId: stop.taskId, cluster: stop.cluster };
  for (const key of ['clusterArn', 'group', 'service', 'family', 'region', 'account'] as const) {
    const value = stop[key];
    if (value !== undefined) scope[key] = value;
  }
  return scope;
}

/** A stop standing for its window in a digest: same key, same names; no containers, no overrides. */
export function scopeStop(scope: TallyScope): TaskStop {
  return { ...scope, containers: [], environment: [] };
}

/**
 * True when the stop that brought the window to `count` is the first unreported one since the
 * window's last message: the moment to file the tally entry (once per stretch of silent stops).
 */
export function startsUnreportedRun(count: number, threshold: number): boolean {
  return hasUnreportedStops(count, threshold) && !hasUnreportedStops(count - 1, threshold);
}

/**
 * A message handed to the notifier by an attempt that then died (or lost its lease) may have gone
 * out. It is tried again once more at most: each message is delivered at most twice by a standard
 * SNS topic (a FIFO topic drops the second copy by its deduplication id), and is given up only
 * when two attempts in a row died between recording the publish and recording its outcome.
 */
export const MAX_UNCONFIRMED_PUBLISHES = 2;

/** Publish again, or take as sent, a message `attempts` earlier tries left without an outcome. */
export function republishUnconfirmed(attempts: number): boolean {
  return attempts < MAX_UNCONFIRMED_PUBLISHES;
}
