/**
 * Restoring one live color after a deployment that stopped without finishing (its execution died,
 * its lock lease expired): which color to put traffic back on, and what the record then says.
 */
import { otherColor, type Color } from './colors';

/**
 * The colors to try, in order: the one the abandoned deployment recorded as live first (it was
 * serving before the deployment began), then the other; both, blue first, when it recorded none.
 */
export function repairCandidates(recordedLive: Color | null | undefined): Color[] {
  return recordedLive ? [recordedLive, otherColor(recordedLive)] : ['blue', 'green'];
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
