/**
 * Restoring one live color after a deployment that stopped without finishing (its execution died,
 * its lock lease expired) or a listener left split: which color to put traffic back on, and what
 * the record then says.
 */
import { otherColor, type Color } from './colors';
import type { DeploymentRecord } from './deployment';

/**
 * The colors to try, in order: the one the abandoned deployment recorded as live first (it was
 * serving before the deployment began), then the other; both, blue first, when it recorded none.
 */
export function repairCandidates(recordedLive: Color | null | undefined): Color[] {
  return recordedLive ? [recordedLive, otherColor(recordedLive)] : ['blue', 'green'];
}

/** Execution statuses under which a deployment may still act on its service: never repaired then. */
const STILL_RUNNING: readonly string[] = ['RUNNING', 'PENDING_REDRIVE'];

/** Whether an execution in this status may still change its service (running or waiting for a redrive). */
export function executionMayAct(status: string): boolean {
  return STILL_RUNNING.includes(status);
}

/**
 * Whether a deployment is abandoned and may be repaired now: its record, read afresh, is still
 * IN_PROGRESS and its execution can no longer act. A record read earlier is not enough: the
 * deployment may have finished (and released its lock) since.
 */
export function isAbandoned(
  record: Pick<DeploymentRecord, 'status'> | null | undefined,
  executionStatus: string,
): boolean {
  return record?.status === 'IN_PROGRESS' && !executionMayAct(executionStatus);
}

/**
 * How long a repair waits between the weights read back and scaling the idle color down, as
 * Rollback's RollbackSettle: `settleSeconds` when the idle color had weight on any route before
 * the repair moved it (a load balancer node may still apply the old weights and send it
 * requests), 0 when it had none (no node can still route to it).
 */
export function repairSettleSeconds(
  before: readonly Record<Color, number>[],
  idle: Color,
  settleSeconds: number,
): number {
  return before.some((weights) => weights[idle] > 0) ? settleSeconds : 0;
}

/** A color can take all traffic back when it runs tasks and its target group has a healthy target. */
export function canServe(status: { runningCount: number }, health: { healthy: number }): boolean {
  return status.runningCount > 0 && health.healthy > 0;
}

/**
 * The status an abandoned deployment's record is closed with: PROMOTED when the repair left its
 * new color live, ROLLED_BACK otherwise.
 */
export function repairedStatus(live: Color, newColor: Color | undefined): 'PROMOTED' | 'ROLLED_BACK' {
  return live === newColor ? 'PROMOTED' : 'ROLLED_BACK';
}

/** The color a finished deployment left serving: the new one if promoted, otherwise the old one. */
export function finalLiveColor(
  record: Pick<DeploymentRecord, 'status' | 'liveColor' | 'newColor'>,
): Color | null {
  if (record.status === 'PROMOTED') return record.newColor ?? null;
  if (record.status === 'IN_PROGRESS') return null;
  return record.liveColor ?? null;
}
